import Foundation

/// One stage as pipeline.json declares it, parameters resolved.
public struct StageSpec: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var needs: [String]
    public var inputs: [String]
    /// Parameters with every default filled in.
    public var parameters: JSONValue
    public var definition: StageDefinition
    /// Where pipeline.json declares it (`$.stages[3]`), for errors.
    public var jsonPath: String
}

/// pipeline.json, read and checked: what the user declared, kept apart from
/// what a run observed (that lives in the work folder).
public struct Pipeline: Sendable {
    public var file: URL
    /// Input name to glob, relative to the pipeline file's folder unless absolute.
    public var inputs: [String: String]
    public var releaseFolder: String
    /// Stages in a dependency order (declaration order where free).
    public var stages: [StageSpec]
    /// The top-level keys the catalog's finishing step owns (`$.guard`),
    /// checked when loaded.
    public var settings: [String: JSONValue] = [:]

    public static let formatVersion = 1

    /// - Parameters:
    ///   - inputOverrides: `--input NAME=GLOB`, taken relative to the current
    ///     folder because that is where the user typed it.
    ///   - catalog: the stage kinds; every stage's parameters are decoded and
    ///     checked by its kind now, so a misspelt name fails before any
    ///     stage runs.
    public static func load(file: URL, stageFolder: URL, catalog: StageCatalog,
                            inputOverrides: [String: String] = [:]) throws(IINError) -> Pipeline {
        var loader = PipelineLoader(path: file.path, stageFolder: stageFolder, catalog: catalog)
        let top = try loader.topLevel(try FileBytes.read(file))
        let inputs = try loader.inputs(top["inputs"], base: file.deletingLastPathComponent(), overrides: inputOverrides)
        guard let stageList = top["stages"]?.arrayValue, !stageList.isEmpty else {
            throw IINError.pipeline(file: file.path, jsonPath: "$.stages", problem: "expected a non-empty array of stages", fix: "Declare the stages as a list.")
        }
        var specs: [StageSpec] = []
        for (index, entry) in stageList.enumerated() {
            specs.append(try loader.stage(entry, at: "$.stages[\(index)]", before: specs, inputs: inputs))
        }
        for kind in catalog.singletonKinds.sorted() {
            let named = specs.filter { $0.kind == kind }
            if named.count > 1 {
                throw IINError.pipeline(file: file.path, jsonPath: "\(named[1].jsonPath).kind", problem: "a second stage of kind '\(kind)' (\(named.map(\.name).joined(separator: ", ")))",
                                        fix: "Keep one: the release is made of the artifacts of one \(catalog.singletonKinds.sorted().joined(separator: " and one ")) stage.")
            }
        }
        let ordered = try StageGraph.order(specs, file: file.path)
        try checkReads(specs, catalog: catalog, file: file.path)
        var pipeline = Pipeline(file: file, inputs: inputs, releaseFolder: try loader.releaseFolder(top["release"]), stages: ordered)
        for (key, check) in catalog.settings.sorted(by: { $0.key < $1.key }) {
            guard let value = top[key] else { continue }
            try check(value, file.path)
            pipeline.settings[key] = value
        }
        for check in catalog.pipelineChecks {
            do { try check(pipeline) } catch let error as IINError { throw error } catch {
                throw IINError.pipeline(file: file.path, jsonPath: "$", problem: "\(error)", fix: "Correct the pipeline.")
            }
        }
        return pipeline
    }

    /// Every artifact a stage reads comes from a stage it names in needs,
    /// exactly one of each kind.
    private static func checkReads(_ specs: [StageSpec], catalog: StageCatalog, file: String) throws(IINError) {
        let kinds = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0.kind) })
        for spec in specs {
            guard let implementation = catalog.stage(kind: spec.kind) else { continue }
            for kind in type(of: implementation).reads {
                let named = spec.needs.filter { kinds[$0] == kind }
                if named.count == 1 { continue }
                let candidates = specs.filter { $0.kind == kind }.map(\.name)
                throw IINError.pipeline(file: file, jsonPath: "\(spec.jsonPath).needs",
                                        problem: named.isEmpty ? "stage '\(spec.name)' reads the artifact of a \(kind) stage and names none in its needs"
                                            : "stage '\(spec.name)' names \(named.count) \(kind) stages (\(named.joined(separator: ", "))) and reads one",
                                        fix: candidates.isEmpty ? "Add a stage of kind \(kind) and name it in the needs."
                                            : "Name exactly one of \(candidates.joined(separator: ", ")) in its needs.")
            }
        }
    }

    public func stage(named name: String) -> StageSpec? { stages.first { $0.name == name } }

    /// The names of `name` and every stage that depends on it.
    public func downstream(of name: String) -> Set<String> {
        var result: Set<String> = [name]
        for stage in stages where stage.needs.contains(where: result.contains) {
            result.insert(stage.name)
        }
        return result
    }

    /// The files an input's glob matches, in byte order of their paths (the
    /// contract's "input order").
    public func files(forInput name: String) throws(IINError) -> [URL] {
        guard let pattern = inputs[name] else { return [] }
        let (matches, notUTF8) = FileGlob.expandChecked(pattern)
        if let badName = notUTF8.first {
            throw IINError.pipeline(file: file.path, jsonPath: "$.inputs.\(name)", problem: "the file name '\(badName)' is not UTF-8 (shown with � for its other bytes)",
                                    fix: "Rename it in UTF-8, for a GBK name with 'convmv -f gbk -t utf8 --notest FILE', or narrow the glob '\(pattern)' so it leaves it out.")
        }
        if matches.isEmpty {
            throw IINError.pipeline(file: file.path, jsonPath: "$.inputs.\(name)", problem: "no file matches '\(pattern)'",
                                    fix: "Point the input at existing files, or override it with --input \(name)=GLOB.")
        }
        // A FIFO or a device would block the first read forever while
        // the run holds the work-folder lock: refuse it now, by name.
        for match in matches {
            let what: String
            switch FileType.of(match, followingLinks: true) {
            case .file: continue
            case let .unreadable(reason): throw IINError.unreadableFile(path: match, reason: reason)
            case .fifo: what = "a FIFO (named pipe)"
            case .characterDevice: what = "a character device"
            case .blockDevice: what = "a block device"
            case .socket: what = "a socket"
            case .folder: what = "a folder"
            case .link, .other: what = "not a regular file"
            }
            throw IINError.pipeline(file: file.path, jsonPath: "$.inputs.\(name)", problem: "'\(match)' is \(what), not a regular file",
                                    fix: "Copy the data into a regular file, or narrow the glob '\(pattern)' so it leaves this one out.")
        }
        return matches.map { URL(fileURLWithPath: $0) }
    }
}

/// Reads pipeline.json piece by piece; every error names the file as the
/// user gave it and the JSON path.
private struct PipelineLoader {
    let path: String
    let stageFolder: URL
    let catalog: StageCatalog
    /// Stage definitions read so far, by kind.
    var definitions: [String: StageDefinition] = [:]

    init(path: String, stageFolder: URL, catalog: StageCatalog) {
        self.path = path
        self.stageFolder = stageFolder
        self.catalog = catalog
    }

    func topLevel(_ data: Data) throws(IINError) -> [String: JSONValue] {
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw IINError.pipeline(file: path, jsonPath: "$", problem: "not valid JSON (\(error))", fix: "Check the syntax, e.g. with python3 -m json.tool.")
        }
        guard case let .object(top) = json else {
            throw IINError.pipeline(file: path, jsonPath: "$", problem: "expected an object", fix: "The file must be one JSON object.")
        }
        let knownTop = Set(["version", "description", "release", "inputs", "stages"]).union(catalog.settings.keys)
        for key in top.keys.sorted() where !knownTop.contains(key) {
            throw IINError.pipeline(file: path, jsonPath: "$.\(key)", problem: "unknown key", fix: "Known keys: \(knownTop.sorted().joined(separator: ", ")).")
        }
        guard top["version"]?.intValue == Pipeline.formatVersion else {
            throw IINError.pipeline(file: path, jsonPath: "$.version", problem: "expected \(Pipeline.formatVersion), found \(top["version"]?.canonical ?? "nothing")",
                                    fix: "Set \"version\": \(Pipeline.formatVersion).")
        }
        return top
    }

    func releaseFolder(_ release: JSONValue?) throws(IINError) -> String {
        guard let release else { return "release" }
        guard let value = release.stringValue, !value.isEmpty else {
            throw IINError.pipeline(file: path, jsonPath: "$.release", problem: "expected a folder name", fix: "Give the release folder as a string.")
        }
        return value
    }

    /// Input name to glob: relative to the pipeline file's folder, or, for
    /// `--input` overrides, to the current folder.
    func inputs(_ json: JSONValue?, base: URL, overrides: [String: String]) throws(IINError) -> [String: String] {
        var inputs: [String: String] = [:]
        if let json, json.objectValue == nil {
            throw IINError.pipeline(file: path, jsonPath: "$.inputs", problem: "expected an object of input names to file globs, found \(json.typeName)",
                                    fix: "Write \"inputs\": {\"raw\": \"raw/*.csv\"}.")
        }
        for (name, value) in (json?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let glob = value.stringValue else {
                throw IINError.pipeline(file: path, jsonPath: "$.inputs.\(name)", problem: "expected a file glob string, found \(value.typeName)",
                                        fix: "Write the input as \"\(name)\": \"folder/*.csv\".")
            }
            inputs[name] = glob.hasPrefix("/") ? glob : base.appendingPathComponent(glob).path
        }
        for (name, glob) in overrides {
            guard inputs[name] != nil else {
                throw IINError.invalidArgument(name: "--input", value: "\(name)=\(glob)", expected: "one of the pipeline's inputs: \(inputs.keys.sorted().joined(separator: ", "))")
            }
            inputs[name] = glob.hasPrefix("/") ? glob : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(glob).path
        }
        return inputs
    }

    /// One stage entry, its parameters resolved and checked by its kind.
    mutating func stage(_ entry: JSONValue, at: String, before specs: [StageSpec], inputs: [String: String]) throws(IINError) -> StageSpec {
        guard case let .object(members) = entry else {
            throw IINError.pipeline(file: path, jsonPath: at, problem: "expected an object", fix: "Each stage is an object with name, kind, needs, inputs and params.")
        }
        let knownKeys: Set<String> = ["name", "kind", "needs", "inputs", "params", "description"]
        for key in members.keys.sorted() where !knownKeys.contains(key) {
            throw IINError.pipeline(file: path, jsonPath: "\(at).\(key)", problem: "unknown key", fix: "Known keys: \(knownKeys.sorted().joined(separator: ", ")).")
        }
        let name = try stageName(members["name"], at: at, before: specs)
        let kind = try stageKind(members["kind"], at: at)
        let definition: StageDefinition
        if let known = definitions[kind] { definition = known } else { definition = try StageDefinition.load(folder: stageFolder, kind: kind) }
        definitions[kind] = definition
        let needs = try stringList(members["needs"], path: "\(at).needs")
        let stageInputs = try stringList(members["inputs"], path: "\(at).inputs")
        for (inputIndex, input) in stageInputs.enumerated() where inputs[input] == nil {
            throw IINError.pipeline(file: path, jsonPath: "\(at).inputs[\(inputIndex)]", problem: "no pipeline input named '\(input)'",
                                    fix: "Declare it under $.inputs or use one of: \(inputs.keys.sorted().joined(separator: ", ")).")
        }
        for required in definition.inputs.keys.sorted() where !stageInputs.contains(required) && !definition.optionalInputs.contains(required) {
            throw IINError.pipeline(file: path, jsonPath: "\(at).inputs", problem: "stage kind '\(kind)' reads input '\(required)'", fix: "Add \"\(required)\" to the stage's inputs.")
        }
        let parameters = try definition.resolveParameters(members["params"], jsonPath: "\(at).params", file: path)
        try catalog.stage(kind: kind)?.checkParameters(parameters, file: path, jsonPath: "\(at).params")
        return StageSpec(name: name, kind: kind, needs: needs, inputs: stageInputs, parameters: parameters, definition: definition, jsonPath: at)
    }

    private func stageName(_ json: JSONValue?, at: String, before specs: [StageSpec]) throws(IINError) -> String {
        guard let name = json?.stringValue, !name.isEmpty else {
            throw IINError.pipeline(file: path, jsonPath: "\(at).name", problem: "missing stage name", fix: "Give the stage a unique name.")
        }
        if name == catalog.finishingStepName {
            throw IINError.pipeline(file: path, jsonPath: "\(at).name", problem: "a stage named '\(name)'",
                                    fix: "Rename it: '\(name)' names the step after the stages (placing the release), in the run log and the test hooks.")
        }
        if specs.contains(where: { $0.name == name }) {
            throw IINError.pipeline(file: path, jsonPath: "\(at).name", problem: "a second stage named '\(name)'", fix: "Stage names must be unique.")
        }
        return name
    }

    private func stageKind(_ json: JSONValue?, at: String) throws(IINError) -> String {
        let knownKinds = catalog.kinds.sorted().joined(separator: ", ")
        guard let kind = json?.stringValue else {
            throw IINError.pipeline(file: path, jsonPath: "\(at).kind", problem: "missing stage kind", fix: "Use one of: \(knownKinds).")
        }
        guard catalog.kinds.contains(kind) else {
            throw IINError.pipeline(file: path, jsonPath: "\(at).kind", problem: "unknown stage kind '\(kind)'", fix: "Use one of: \(knownKinds).")
        }
        return kind
    }

    private func stringList(_ value: JSONValue?, path jsonPath: String) throws(IINError) -> [String] {
        guard let value else { return [] }
        guard let array = value.arrayValue else {
            throw IINError.pipeline(file: path, jsonPath: jsonPath, problem: "expected an array of names, found \(value.typeName)", fix: "Write a list such as [\"ingest\"].")
        }
        var names: [String] = []
        for (index, element) in array.enumerated() {
            guard let name = element.stringValue else {
                throw IINError.pipeline(file: path, jsonPath: "\(jsonPath)[\(index)]", problem: "expected a name, found \(element.typeName)", fix: "Use a string.")
            }
            names.append(name)
        }
        return names
    }
}

/// Orders stages so each comes after what it needs.
public enum StageGraph {
    public static func order(_ specs: [StageSpec], file: String) throws(IINError) -> [StageSpec] {
        let names = Set(specs.map(\.name))
        for (index, spec) in specs.enumerated() {
            for (needIndex, need) in spec.needs.enumerated() where !names.contains(need) {
                throw IINError.pipeline(file: file, jsonPath: "$.stages[\(index)].needs[\(needIndex)]", problem: "no stage named '\(need)'",
                                        fix: "Use one of: \(names.sorted().joined(separator: ", ")).")
            }
        }
        var placed: [StageSpec] = []
        var placedNames = Set<String>()
        var remaining = specs
        while !remaining.isEmpty {
            guard let next = remaining.firstIndex(where: { $0.needs.allSatisfy(placedNames.contains) }) else {
                let cycle = findCycle(remaining)
                let index = specs.firstIndex { $0.name == cycle.first }!
                throw IINError.pipeline(file: file, jsonPath: "$.stages[\(index)].needs", problem: "a cycle: \(cycle.joined(separator: " -> "))",
                                        fix: "Remove one of these needs so the stages form a DAG.")
            }
            let spec = remaining.remove(at: next)
            placed.append(spec)
            placedNames.insert(spec.name)
        }
        return placed
    }

    private static func findCycle(_ specs: [StageSpec]) -> [String] {
        let needs = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0.needs) })
        var path: [String] = [specs[0].name]
        while true {
            let current = path.last!
            guard let next = needs[current]?.first(where: { needs[$0] != nil }) else { return path }
            if let start = path.firstIndex(of: next) { return Array(path[start...]) + [next] }
            path.append(next)
        }
    }

    /// The graph as text lines, one per stage with what it needs.
    public static func text(_ pipeline: Pipeline) -> String {
        var lines: [String] = []
        for stage in pipeline.stages {
            let needs = stage.needs.isEmpty ? "" : " <- " + stage.needs.joined(separator: ", ")
            let inputs = stage.inputs.isEmpty ? "" : "  [inputs: " + stage.inputs.joined(separator: ", ") + "]"
            lines.append("\(stage.name) (\(stage.kind))\(needs)\(inputs)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The graph in Graphviz DOT.
    public static func dot(_ pipeline: Pipeline) -> String {
        var lines = ["digraph iin {", "  rankdir=LR;", "  node [shape=box];"]
        for name in pipeline.inputs.keys.sorted() {
            lines.append("  \"input:\(name)\" [shape=note, label=\"\(name)\"];")
        }
        for stage in pipeline.stages {
            lines.append("  \"\(stage.name)\" [label=\"\(stage.name)\\n(\(stage.kind))\"];")
            for input in stage.inputs { lines.append("  \"input:\(input)\" -> \"\(stage.name)\";") }
            for need in stage.needs { lines.append("  \"\(need)\" -> \"\(stage.name)\";") }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
