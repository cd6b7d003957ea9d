import Foundation

/// A kind of pipeline stage: the code behind one `stages/<kind>.json`.
///
/// A stage reads only what its context gives it (parameters, input files,
/// the artifacts of the stages it names in `needs`) and writes only into
/// its output folder, which is what makes its artifact cacheable by
/// fingerprint.
public protocol Stage: Sendable {
    /// The stage's parameters as Swift reads them. Their defaults, types,
    /// enums and bounds live only in `stages/<kind>.json`: the pipeline
    /// loader fills in defaults and checks the schema before decoding, so a
    /// `Parameters` type declares no default of its own.
    associatedtype Parameters: StageParameters

    static var kind: String { get }
    /// Bump whenever a change to the code changes any output byte: it is part
    /// of the fingerprint, so old artifacts stop matching.
    static var codeVersion: Int { get }
    /// Whether the gazetteer's digest is part of the fingerprint.
    static var usesGazetteer: Bool { get }
    /// The kinds of stage whose artifacts this one reads. pipeline.json
    /// must name one stage of each in the stage's needs; the loader checks.
    static var reads: [String] { get }

    func run(_ context: StageContext, parameters: Parameters) throws(IINError) -> StageOutcome
}

/// What a stage's parameters must be: decodable from the resolved JSON and
/// able to name the problems the schema cannot state.
public protocol StageParameters: Decodable, Sendable {
    /// Rules beyond types, enums and bounds (an endpoint that must be
    /// https, a threshold naming a figure the report has), checked when the
    /// pipeline loads, before any stage runs.
    func problems() -> [ParameterProblem]
}

extension StageParameters {
    public func problems() -> [ParameterProblem] { [] }
}

/// One problem with a parameter value: `path` is relative to the stage's
/// `params` (`external.endpoint`, `methods[2]`).
public struct ParameterProblem: Sendable, Equatable {
    public var path: String
    public var problem: String
    public var fix: String

    public init(path: String, problem: String, fix: String) {
        self.path = path
        self.problem = problem
        self.fix = fix
    }
}

/// The parameters of a stage kind that has none.
public struct NoParameters: StageParameters {}

extension Stage {
    /// Decodes parameters that the loader has already resolved against the
    /// schema, and checks the rules the schema cannot state.
    /// - Parameters:
    ///   - file: the pipeline file as the user gave it, for the error.
    ///   - jsonPath: where the stage's `params` are in it.
    public static func decodeParameters(_ resolved: JSONValue, file: String, jsonPath: String) throws(IINError) -> Parameters {
        let parameters: Parameters
        do {
            parameters = try JSONDecoder().decode(Parameters.self, from: Data(resolved.canonical.utf8))
        } catch {
            // The schema check passed, so only a disagreement between
            // stages/<kind>.json and this code can get here.
            throw IINError.stageDefinition(file: "stages/\(kind).json",
                                           problem: "its parameters \(resolved.canonical) do not decode as \(Parameters.self) (\(error)); the schema and the code disagree")
        }
        if let first = parameters.problems().first {
            throw IINError.pipeline(file: file, jsonPath: "\(jsonPath).\(first.path)", problem: first.problem, fix: first.fix)
        }
        return parameters
    }

    /// The parameters `stages/<kind>.json` in `stagesFolder` gives when
    /// pipeline.json sets none: for tools that run a stage's code outside a
    /// pipeline (`iin geocode` without one, the benchmark).
    public static func defaultParameters(stagesFolder: URL) throws(IINError) -> Parameters {
        let file = stagesFolder.appendingPathComponent("\(kind).json").path
        let defaults = try StageDefinition.load(folder: stagesFolder, kind: kind).resolveParameters(nil, jsonPath: "$.parameters", file: file)
        return try decodeParameters(defaults, file: file, jsonPath: "$.parameters")
    }

    /// Checks parameters without keeping them: the loader calls this for
    /// every stage before anything runs.
    public func checkParameters(_ resolved: JSONValue, file: String, jsonPath: String) throws(IINError) {
        _ = try Self.decodeParameters(resolved, file: file, jsonPath: jsonPath)
    }

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        try run(context, parameters: Self.decodeParameters(context.parameters, file: context.pipelineFile, jsonPath: context.parametersPath))
    }
}

/// What a stage run produced besides its files, kept in the artifact so
/// cached runs show them.
public struct StageOutcome: Sendable {
    /// Figures for the run log (records kept, checks run).
    public var counts: [String: Int]
    /// Rows of each table file the stage wrote, by its path in the artifact,
    /// for the release manifest.
    public var fileRows: [String: Int]

    public init(counts: [String: Int], fileRows: [String: Int] = [:]) {
        self.counts = counts
        self.fileRows = fileRows
    }
}

public struct StageContext: Sendable {
    public var stageName: String
    /// The pipeline file as given (`--pipeline`), for errors.
    public var pipelineFile: String
    /// Where the stage's `params` are in that file (`$.stages[3].params`).
    public var parametersPath: String
    /// The parameters with every default filled in, as the fingerprint has them.
    public var parameters: JSONValue
    /// Input name to its files, in input order.
    public var inputFiles: [String: [URL]]
    /// Name of each stage this one needs (pipeline.json's `needs`) to its
    /// artifact folder.
    public var upstream: [String: UpstreamArtifact]
    /// The kinds the running stage declares it reads (`Stage.reads`):
    /// `upstreamFolder` opens no other.
    public var reads: [String]
    public var output: URL
    /// Room for temporary files (a decompressed crawl, say); deleted after
    /// the stage, never part of the artifact.
    public var scratch: URL
    /// Where reports of failed runs go (they are not artifacts).
    public var reportFolder: URL
    public var gazetteer: Gazetteer
    public var progress: ProgressReporter
    public var threads: Int
    /// The content digest of each file of `inputFiles`, in the same order.
    public var inputDigests: [String: [InputFileDigest]]
    /// Parts of this stage's earlier artifacts, for stages that work file
    /// by file.
    public var earlierParts: PartLibrary

    public init(stageName: String, pipelineFile: String, parametersPath: String, parameters: JSONValue, inputFiles: [String: [URL]],
                upstream: [String: UpstreamArtifact], reads: [String] = [], output: URL, scratch: URL, reportFolder: URL, gazetteer: Gazetteer,
                progress: ProgressReporter, threads: Int, inputDigests: [String: [InputFileDigest]] = [:], earlierParts: PartLibrary = .empty) {
        self.inputDigests = inputDigests
        self.earlierParts = earlierParts
        self.reads = reads
        self.stageName = stageName
        self.pipelineFile = pipelineFile
        self.parametersPath = parametersPath
        self.parameters = parameters
        self.inputFiles = inputFiles
        self.upstream = upstream
        self.output = output
        self.scratch = scratch
        self.reportFolder = reportFolder
        self.gazetteer = gazetteer
        self.progress = progress
        self.threads = threads
    }

    /// The artifact folder of the one needed stage of this kind. Stages
    /// read only what they name in `needs`: a stage that reads another's
    /// artifact must say so in pipeline.json, so the fingerprint and
    /// `iin status` show the dependency.
    public func upstreamFolder(kind: String) throws(IINError) -> URL {
        guard reads.contains(kind) else {
            // A fault in the stage's code, not in pipeline.json: the loader
            // checks needs against `reads`, so `reads` must be complete.
            throw IINError.stageDefinition(file: "the \(stageName) stage's code",
                                           problem: "it opens a \(kind) artifact but its kind's `reads` lists only \(reads.joined(separator: ", "))")
        }
        let matching = upstream.filter { $0.value.kind == kind }
        guard matching.count == 1, let folder = matching.first?.value.folder else {
            let problem = matching.isEmpty ? "stage '\(stageName)' reads the artifact of a \(kind) stage but does not name one in its needs"
                : "stage '\(stageName)' needs \(matching.count) stages of kind \(kind) (\(matching.keys.sorted().joined(separator: ", "))) and reads only one"
            throw IINError.pipeline(file: pipelineFile, jsonPath: "\(parametersPath.dropLast(".params".count)).needs", problem: problem,
                                    fix: matching.isEmpty ? "Add the name of the \(kind) stage to its needs." : "Keep one of them in its needs.")
        }
        return folder
    }
}

/// A needed stage's artifact as a stage sees it.
public struct UpstreamArtifact: Sendable {
    public var kind: String
    public var folder: URL

    public init(kind: String, folder: URL) {
        self.kind = kind
        self.folder = folder
    }
}

/// The stage kinds a program knows. The engine gets one from its caller
/// (the composition root in Pipeline/Catalog.swift) and names no stage
/// itself.
public struct StageCatalog: Sendable {
    public let stages: [any Stage]
    /// The finishing step's name, which no stage may take.
    public let finishingStepName: String
    /// Top-level keys of pipeline.json that belong to the finishing step
    /// (the release guard), each with its check, run when the pipeline loads.
    public let settings: [String: @Sendable (JSONValue, _ file: String) throws(IINError) -> Void]
    /// Kinds a pipeline may hold at most once: the finishing step takes
    /// their artifacts by kind (the release is one publish and one validate).
    public let singletonKinds: Set<String>
    /// Checks of one stage's parameters against another's (a threshold's
    /// year against the slices), run on the loaded pipeline; each throws
    /// an IINError. (Untyped here: a typed-throws closure in this array
    /// crashes the Swift 6.x compiler.)
    public let pipelineChecks: [@Sendable (Pipeline) throws -> Void]

    public init(stages: [any Stage], finishingStepName: String,
                settings: [String: @Sendable (JSONValue, _ file: String) throws(IINError) -> Void] = [:], singletonKinds: Set<String> = [],
                pipelineChecks: [@Sendable (Pipeline) throws -> Void] = []) {
        self.stages = stages
        self.finishingStepName = finishingStepName
        self.settings = settings
        self.singletonKinds = singletonKinds
        self.pipelineChecks = pipelineChecks
    }

    public var kinds: Set<String> { Set(stages.map { type(of: $0).kind }) }

    public func stage(kind: String) -> (any Stage)? {
        stages.first { type(of: $0).kind == kind }
    }
}

/// The program's version, recorded in every release manifest.
public enum IINVersion {
    public static let current = "0.1.0"
}
