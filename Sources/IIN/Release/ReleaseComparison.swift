import Foundation

/// Section 9 of validation.md: what changed between two release folders.
/// Edges of the undirected intercity network added, removed and changed
/// (with the largest changes), the moves of cities in the node-degree
/// ranking, Table 1's dyads and sums, and every headline figure of the two
/// validation reports. A nightly rebuild prints its summary.
public enum ReleaseComparison {
    public static let reportFile = "release-comparison.json"
    static let largest = 20

    public static func compare(previous: URL, current: URL) throws(IINError) -> JSONValue {
        // Only what the comparison shows, each release on its own thread:
        // at 12M records the two releases are 380 MB of CSV.
        let folders = [previous, current]
        let read = Parallel.map(count: 2, threads: 2) { index -> Result<([ReleaseReader.Edge], [Int: [Int: ReleaseNetworks.Degree]]), IINError> in
            do throws(IINError) {
                let reader = ReleaseReader(folder: folders[index], preferWorkbooks: false)
                return .success((try reader.edges(PublishStage.undirectedName, in: "", withDistance: false), try ReleaseNetworks.degrees(reader: reader)))
            } catch {
                return .failure(error)
            }
        }
        let before = try read[0].get(), after = try read[1].get()
        return .object([
            "previous": .string(previous.path),
            "current": .string(current.path),
            "edges": edges(before.0, after.0),
            "rank_moves": rankMoves(before.1, after.1),
            "table1": try table1(previous, current),
            "figures": figures(previous, current),
            "parameters": parameters(previous, current),
            "inputs": inputs(previous, current),
        ])
    }

    static func manifest(_ folder: URL) -> JSONValue? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(ReleaseFolder.manifestName)) else { return nil }
        return try? JSONValue.parse(data)
    }

    /// Every stage parameter whose value differs, by `stage.path` (as `dvc
    /// params diff` lists them); a release from before manifests recorded
    /// parameters has none to compare.
    static func parameters(_ previous: URL, _ current: URL) -> JSONValue {
        guard let old = manifest(previous)?["parameters"]?.objectValue, let new = manifest(current)?["parameters"]?.objectValue else { return .null }
        var flatOld: [String: JSONValue] = [:], flatNew: [String: JSONValue] = [:]
        func flatten(_ value: JSONValue, _ path: String, into table: inout [String: JSONValue]) {
            if case let .object(members) = value, !members.isEmpty {
                for (key, member) in members { flatten(member, path + "." + key, into: &table) }
            } else {
                table[path] = value
            }
        }
        for (stage, value) in old { flatten(value, stage, into: &flatOld) }
        for (stage, value) in new { flatten(value, stage, into: &flatNew) }
        return .array(Set(flatOld.keys).union(flatNew.keys).sorted().compactMap { path in
            let was = flatOld[path], now = flatNew[path]
            guard was != now else { return nil }
            return .object(["parameter": .string(path), "before": was ?? .null, "after": now ?? .null])
        })
    }

    /// Input files added, removed or changed (by SHA-256), per input.
    static func inputs(_ previous: URL, _ current: URL) -> JSONValue {
        guard let old = manifest(previous)?["inputs"]?.objectValue, let new = manifest(current)?["inputs"]?.objectValue else { return .null }
        func files(_ value: JSONValue?) -> [String: (size: Int, sha256: String)] {
            var result: [String: (Int, String)] = [:]
            for file in value?.arrayValue ?? [] {
                guard let name = file["name"]?.stringValue else { continue }
                result[name] = (file["size"]?.intValue ?? 0, file["sha256"]?.stringValue ?? "")
            }
            return result
        }
        var changes: [JSONValue] = []
        for input in Set(old.keys).union(new.keys).sorted() {
            let was = files(old[input]), now = files(new[input])
            for name in Set(was.keys).union(now.keys).sorted() {
                let before = was[name], after = now[name]
                let change = before == nil ? "added" : after == nil ? "removed" : before!.sha256 == after!.sha256 ? nil : "changed"
                guard let change else { continue }
                changes.append(.object(["input": .string(input), "file": .string(name), "change": .string(change),
                                        "size_before": before.map { .integer($0.size) } ?? .null, "size_after": after.map { .integer($0.size) } ?? .null,
                                        "sha256_before": before.map { .string($0.sha256) } ?? .null, "sha256_after": after.map { .string($0.sha256) } ?? .null]))
            }
        }
        return .array(changes)
    }

    private struct EdgeKey: Hashable, Comparable {
        var year: Int, a: Int, b: Int
        static func < (l: EdgeKey, r: EdgeKey) -> Bool { (l.year, l.a, l.b) < (r.year, r.a, r.b) }
    }

    private static func edges(_ before: [ReleaseReader.Edge], _ after: [ReleaseReader.Edge]) -> JSONValue {
        func table(_ edges: [ReleaseReader.Edge]) -> [EdgeKey: Int] {
            Dictionary(edges.map { (EdgeKey(year: $0.year, a: $0.a, b: $0.b), $0.weight) }, uniquingKeysWith: +)
        }
        let old = table(before), new = table(after)
        var perSlice: [Int: [String: Int]] = [:]
        var changes: [(key: EdgeKey, before: Int, after: Int)] = []
        for key in Set(old.keys).union(new.keys).sorted() {
            let was = old[key] ?? 0, now = new[key] ?? 0
            let kind = was == 0 ? "added" : now == 0 ? "removed" : was == now ? "unchanged" : "changed"
            perSlice[key.year, default: [:]][kind, default: 0] += 1
            if was != now { changes.append((key, was, now)) }
        }
        let top = changes.sorted { (abs($1.after - $1.before), $0.key) < (abs($0.after - $0.before), $1.key) }.prefix(largest)
        return .object([
            "slices": .array(perSlice.keys.sorted().map { year in
                .object(["year": .integer(year)].merging(["added", "removed", "changed", "unchanged"].map { ($0, JSONValue.integer(perSlice[year]![$0] ?? 0)) }) { $1 })
            }),
            "largest_changes": .array(top.map {
                .object(["year": .integer($0.key.year), "city_a": .string(String($0.key.a)), "city_b": .string(String($0.key.b)),
                         "before": .integer($0.before), "after": .integer($0.after)])
            }),
        ])
    }

    private static func rankMoves(_ before: [Int: [Int: ReleaseNetworks.Degree]], _ after: [Int: [Int: ReleaseNetworks.Degree]]) -> JSONValue {
        .array(Set(before.keys).union(after.keys).sorted().map { year in
            let old = ReleaseAudit.ranks((before[year] ?? [:]).mapValues(\.node)), new = ReleaseAudit.ranks((after[year] ?? [:]).mapValues(\.node))
            let moves = Set(old.keys).intersection(new.keys).map { (city: $0, before: old[$0]!, after: new[$0]!) }.filter { $0.before != $0.after }
            let top = moves.sorted { (abs($1.after - $1.before), $0.city) < (abs($0.after - $0.before), $1.city) }.prefix(largest)
            return .object([
                "year": .integer(year),
                "cities_entered": .integer(Set(new.keys).subtracting(old.keys).count),
                "cities_left": .integer(Set(old.keys).subtracting(new.keys).count),
                "cities_moved": .integer(moves.count),
                "largest_moves": .array(top.map { .object(["city": .string(String($0.city)), "rank_before": .integer($0.before), "rank_after": .integer($0.after)]) }),
            ])
        })
    }

    private static func table1(_ previous: URL, _ current: URL) throws(IINError) -> JSONValue {
        func rows(_ folder: URL) throws(IINError) -> [String: (dyads: String, sum: String)] {
            let table = try ReleaseReader(folder: folder, preferWorkbooks: false).require(PublishStage.statisticsName)
            let columns = try (table.columnIndex("Type"), table.columnIndex("Year"), table.columnIndex("Dyads"), table.columnIndex("Sum"))
            var result: [String: (String, String)] = [:]
            for row in table.rows { result[row[columns.0] + " " + row[columns.1]] = (row[columns.2], row[columns.3]) }
            return result
        }
        let old = try rows(previous), new = try rows(current)
        return .array(Set(old.keys).union(new.keys).sorted().map { key in
            .object(["table": .string(key), "dyads_before": .string(old[key]?.dyads ?? ""), "dyads_after": .string(new[key]?.dyads ?? ""),
                     "sum_before": .string(old[key]?.sum ?? ""), "sum_after": .string(new[key]?.sum ?? "")])
        })
    }

    /// The headline figures of both reports, where both have one.
    private static func figures(_ previous: URL, _ current: URL) -> JSONValue {
        struct Figures: Decodable { var figures: [String: Double?] }
        func figures(_ folder: URL) -> [String: Double?]? {
            guard let data = try? Data(contentsOf: folder.appendingPathComponent(ValidateStage.reportFile)) else { return nil }
            return (try? ValidationReport.decode(Figures.self, data, path: ValidateStage.reportFile))?.figures
        }
        guard let old = figures(previous), let new = figures(current) else { return .null }
        return .array(Set(old.keys).union(new.keys).sorted().map { name in
            let was = old[name] ?? nil, now = new[name] ?? nil
            return .object(["figure": .string(name), "before": was.map(JSONValue.number) ?? .null, "after": now.map(JSONValue.number) ?? .null,
                            "change": was.flatMap { was in now.map { .number($0 - was) } } ?? .null])
        })
    }

    /// A few lines for the terminal.
    public static func summary(_ comparison: JSONValue) -> [String] {
        var lines: [String] = []
        let slices = comparison["edges"]?["slices"]?.arrayValue ?? []
        let parts = slices.map { slice in
            "\(slice["year"]?.intValue ?? 0): +\(slice["added"]?.intValue ?? 0) -\(slice["removed"]?.intValue ?? 0) ~\(slice["changed"]?.intValue ?? 0)"
        }
        lines.append("compared with \(comparison["previous"]?.stringValue ?? "?"): undirected edges added/removed/changed " + parts.joined(separator: ", "))
        if let change = comparison["edges"]?["largest_changes"]?.arrayValue?.first {
            lines.append("  largest change: \(change["city_a"]?.stringValue ?? "")-\(change["city_b"]?.stringValue ?? "") in \(change["year"]?.intValue ?? 0): \(change["before"]?.intValue ?? 0) -> \(change["after"]?.intValue ?? 0)")
        }
        let moved = (comparison["rank_moves"]?.arrayValue ?? []).map { "\($0["year"]?.intValue ?? 0): \($0["cities_moved"]?.intValue ?? 0)" }
        lines.append("  cities whose node-degree rank moved: " + moved.joined(separator: ", "))
        // Only what differs, as `dvc params diff` does.
        if let parameters = comparison["parameters"]?.arrayValue, !parameters.isEmpty {
            lines.append("  parameters changed: \(parameters.count)")
            for parameter in parameters.prefix(10) {
                lines.append("    \(parameter["parameter"]?.stringValue ?? ""): \(parameter["before"]?.canonical ?? "null") -> \(parameter["after"]?.canonical ?? "null")")
            }
        }
        if let inputs = comparison["inputs"]?.arrayValue, !inputs.isEmpty {
            lines.append("  input files added/removed/changed: \(inputs.count)")
            for input in inputs.prefix(10) {
                lines.append("    \(input["input"]?.stringValue ?? ""): \(input["file"]?.stringValue ?? "") \(input["change"]?.stringValue ?? "")")
            }
        }
        let changed = (comparison["figures"]?.arrayValue ?? []).filter { ($0["change"]?.doubleValue).map { abs($0) > 1e-12 } ?? ($0["before"] != $0["after"]) }
        lines.append("  headline figures changed: \(changed.count) of \(comparison["figures"]?.arrayValue?.count ?? 0)")
        for figure in changed.prefix(5) {
            lines.append("    \(figure["figure"]?.stringValue ?? ""): \(figure["before"]?.canonical ?? "null") -> \(figure["after"]?.canonical ?? "null")")
        }
        return lines
    }
}
