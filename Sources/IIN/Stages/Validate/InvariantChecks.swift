import Foundation

/// The outcome of one validation check, as data: the report is rendered
/// from these, never from anything else.
public struct CheckResult: Sendable, Equatable {
    public var id: String
    public var title: String
    public var passed: Bool
    /// The check's input is absent, so it did not run (never "passed").
    public var skipped = false
    /// One line per slice or file, with the numbers compared.
    public var details: [String]
    /// What broke, with the numbers (empty when passed).
    public var failures: [String]

    public var json: JSONValue {
        var object: [String: JSONValue] = ["id": .string(id), "title": .string(title), "passed": .bool(passed),
                                           "details": .array(details.map(JSONValue.string)), "failures": .array(failures.map(JSONValue.string))]
        if skipped { object["skipped"] = .bool(true) }
        return .object(object)
    }
}

/// Section 1 of validation.md, checked on the published tables themselves
/// (what users download), not on the pipeline's internal artifacts: any
/// release folder in this format can be checked the same way.
public struct InvariantChecks {
    public let reader: ReleaseReader
    public let gazetteer: Gazetteer

    public init(release: URL, gazetteer: Gazetteer) {
        self.init(reader: ReleaseReader(folder: release, preferWorkbooks: false), gazetteer: gazetteer)
    }

    public init(reader: ReleaseReader, gazetteer: Gazetteer) {
        self.reader = reader
        self.gazetteer = gazetteer
    }

    private static func sums(_ edges: [ReleaseReader.Edge]) -> [Int: Int] {
        var sums: [Int: Int] = [:]
        for edge in edges { sums[edge.year, default: 0] += edge.weight }
        return sums
    }

    public func run() throws(IINError) -> [CheckResult] {
        let folders = reader.networks
        var sumsCheck = CheckResult(id: "directed_equals_undirected", title: "Directed sum equals undirected sum per slice", passed: true, details: [], failures: [])
        var degreeCheck = CheckResult(id: "degree_sums", title: "Sum of outdegrees equals sum of indegrees equals the intercity directed sum", passed: true, details: [], failures: [])
        var selfCheck = CheckResult(id: "no_intracity_in_intercity", title: "No intercity table holds a city linked to itself", passed: true, details: [], failures: [])
        var codeCheck = CheckResult(id: "known_city_codes", title: "Every code is one of the \(Gazetteer.cityCount) cities", passed: true, details: [], failures: [])
        let known = Set(gazetteer.cities.map(\.code))

        for (network, folder) in folders {
            let directed = try reader.edges(PublishStage.directedName, in: folder)
            let undirected = try reader.edges(PublishStage.undirectedName, in: folder)
            let directedAll = try reader.edges(PublishStage.directedIntracityName, in: folder)
            let undirectedAll = try reader.edges(PublishStage.undirectedIntracityName, in: folder)
            for (label, first, second) in [("intercity", directed, undirected), ("including intracity", directedAll, undirectedAll)] {
                let left = Self.sums(first)
                let right = Self.sums(second)
                for year in Set(left.keys).union(right.keys).sorted() {
                    let line = "\(network) \(label) \(year): directed \(left[year, default: 0]), undirected \(right[year, default: 0])"
                    sumsCheck.details.append(line)
                    if left[year, default: 0] != right[year, default: 0] { sumsCheck.failures.append(line) }
                }
            }
            for (name, table) in [(PublishStage.directedName, directed), (PublishStage.undirectedName, undirected)] {
                let loops = table.filter { $0.a == $0.b }
                selfCheck.details.append("\(network) \(name): \(loops.count) self-links")
                if let first = loops.first { selfCheck.failures.append("\(network) \(name): \(loops.count) rows link a city to itself, e.g. \(first.a) in \(first.year)") }
            }
            for (name, table) in [(PublishStage.directedName, directed), (PublishStage.undirectedName, undirected),
                                  (PublishStage.directedIntracityName, directedAll), (PublishStage.undirectedIntracityName, undirectedAll)] {
                let unknown = Set(table.flatMap { [$0.a, $0.b] }).subtracting(known)
                codeCheck.details.append("\(network) \(name): \(unknown.count) unknown codes")
                if !unknown.isEmpty { codeCheck.failures.append("\(network) \(name): unknown city codes \(unknown.sorted().prefix(10).map(String.init).joined(separator: ", "))") }
            }

            let metric = try reader.require(PublishStage.metricName, in: folder)
            let code = try metric.columnIndex("CityCode")
            let out = try metric.columnIndex("Outdegree")
            let into = try metric.columnIndex("Indegree")
            let year = try metric.columnIndex("InvestmentYear")
            var outSums: [Int: Int] = [:]
            var inSums: [Int: Int] = [:]
            var metricCodes = Set<Int>()
            // As for the edge tables: a cell that is no whole number is a
            // broken table, never a zero or a row left out.
            for (row, line) in zip(metric.rows, metric.lines) {
                guard let slice = ReleaseReader.whole(row[year]), let outdegree = ReleaseReader.whole(row[out]),
                      let indegree = ReleaseReader.whole(row[into]), let city = ReleaseReader.whole(row[code]) else {
                    throw IINError.corruptArtifact(path: metric.path, reason: "line \(line): unreadable numbers")
                }
                outSums[slice, default: 0] += outdegree
                inSums[slice, default: 0] += indegree
                metricCodes.insert(city)
            }
            let unknownMetric = metricCodes.subtracting(known)
            codeCheck.details.append("\(network) \(PublishStage.metricName): \(unknownMetric.count) unknown codes")
            if !unknownMetric.isEmpty { codeCheck.failures.append("\(network) \(PublishStage.metricName): unknown city codes \(unknownMetric.sorted().prefix(10).map(String.init).joined(separator: ", "))") }
            let directedSums = Self.sums(directed)
            for slice in Set(directedSums.keys).union(outSums.keys).sorted() {
                let line = "\(network) \(slice): outdegrees \(outSums[slice, default: 0]), indegrees \(inSums[slice, default: 0]), directed intercity \(directedSums[slice, default: 0])"
                degreeCheck.details.append(line)
                if outSums[slice, default: 0] != inSums[slice, default: 0] || inSums[slice, default: 0] != directedSums[slice, default: 0] {
                    degreeCheck.failures.append(line)
                }
            }
        }

        var accountingCheck = CheckResult(id: "accounting_identity", title: "Rows read = kept + duplicates + rejected, per file and in total", passed: true, details: [], failures: [])
        guard let accounting = try reader.table(PublishStage.accountingName) else {
            accountingCheck.skipped = true
            accountingCheck.details.append("no \(PublishStage.accountingName) table in the release")
            var checks = [sumsCheck, degreeCheck, selfCheck, codeCheck]
            for index in checks.indices { checks[index].passed = checks[index].failures.isEmpty }
            return checks + [accountingCheck]
        }
        let rowsRead = try accounting.columnIndex("RowsRead")
        let parts = try (["Kept", "Duplicate"] + RejectionReason.allCases.map(\.accountingColumn)).map { name throws(IINError) in try accounting.columnIndex(name) }
        var fileTotals = [Int](repeating: 0, count: accounting.header.count)
        for (index, row) in accounting.rows.enumerated() {
            let read = ReleaseReader.whole(row[rowsRead]) ?? -1
            let accounted = parts.reduce(0) { $0 + (ReleaseReader.whole(row[$1]) ?? 0) }
            let line = "\(row[0]): rows read \(read), kept + duplicates + rejected \(accounted)"
            accountingCheck.details.append(line)
            if read != accounted { accountingCheck.failures.append(line) }
            let isTotal = index == accounting.rows.count - 1
            for column in [rowsRead] + parts {
                if isTotal {
                    if fileTotals[column] != ReleaseReader.whole(row[column]) ?? -1 {
                        accountingCheck.failures.append("TOTAL \(accounting.header[column]) is \(row[column]) but the files add up to \(fileTotals[column])")
                    }
                } else {
                    fileTotals[column] += ReleaseReader.whole(row[column]) ?? 0
                }
            }
        }

        var checks = [sumsCheck, degreeCheck, selfCheck, codeCheck, accountingCheck]
        for index in checks.indices { checks[index].passed = checks[index].failures.isEmpty }
        return checks
    }
}
