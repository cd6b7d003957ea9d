import Foundation

/// The outcome of one validation check, as data: the report is rendered
/// from these, never from anything else.
public struct CheckResult: Sendable, Equatable {
    public var id: String
    public var title: String
    /// Set from `failures` by `InvariantChecks.run`.
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

/// One invariant of section 1: a stable id (the report and thresholds
/// name it), a title, and a check of the published tables.
protocol InvariantCheck: Sendable {
    static var id: String { get }
    static var title: String { get }
    func run(_ release: InvariantInputs) throws(IINError) -> CheckResult
}

extension InvariantCheck {
    /// An empty result to fill in; `passed` is set when all have run.
    func result() -> CheckResult { CheckResult(id: Self.id, title: Self.title, passed: true, details: [], failures: []) }
}

/// The published tables the invariants compare, read once: per network
/// (investment, branch) its four edge tables and the metric table's
/// numbers, and the accounting table when the release has one.
struct InvariantInputs {
    struct Network {
        var name: String
        var directed: [ReleaseReader.Edge]
        var undirected: [ReleaseReader.Edge]
        var directedAll: [ReleaseReader.Edge]
        var undirectedAll: [ReleaseReader.Edge]
        /// Per slice of the metric table, the sums of out- and indegrees.
        var outdegreeSums: [Int: Int]
        var indegreeSums: [Int: Int]
        var metricCodes: Set<Int>
    }

    var networks: [Network]
    var accounting: CSVTable?
    var knownCodes: Set<Int>

    init(reader: ReleaseReader, gazetteer: Gazetteer) throws(IINError) {
        // A scoped release's nodes are its units.
        if reader.isScoped, let units = try reader.table(ScopedRelease.unitsName) {
            let code = try units.columnIndex("UnitCode")
            knownCodes = Set(units.rows.compactMap { Int($0[code]) })
        } else {
            knownCodes = Set(gazetteer.cities.map(\.code))
        }
        networks = []
        for (name, folder) in reader.networks {
            var network = Network(name: name, directed: try reader.edges(PublishStage.directedName, in: folder),
                                  undirected: try reader.edges(PublishStage.undirectedName, in: folder),
                                  directedAll: try reader.edges(PublishStage.directedIntracityName, in: folder),
                                  undirectedAll: try reader.edges(PublishStage.undirectedIntracityName, in: folder),
                                  outdegreeSums: [:], indegreeSums: [:], metricCodes: [])
            let metric = try reader.require(PublishStage.metricName, in: folder)
            let code = try metric.columnIndex("CityCode")
            let out = try metric.columnIndex("Outdegree")
            let into = try metric.columnIndex("Indegree")
            let year = try metric.columnIndex("InvestmentYear")
            // As for the edge tables: a cell that is no whole number is a
            // broken table, never a zero or a row left out.
            for (row, line) in zip(metric.rows, metric.lines) {
                guard let slice = ReleaseReader.whole(row[year]), let outdegree = ReleaseReader.whole(row[out]),
                      let indegree = ReleaseReader.whole(row[into]), let city = ReleaseReader.whole(row[code]) else {
                    throw IINError.corruptArtifact(path: metric.path, reason: "line \(line): unreadable numbers")
                }
                network.outdegreeSums[slice, default: 0] += outdegree
                network.indegreeSums[slice, default: 0] += indegree
                network.metricCodes.insert(city)
            }
            networks.append(network)
        }
        accounting = try reader.table(PublishStage.accountingName)
    }

    /// The weight sums per slice of an edge table.
    static func sums(_ edges: [ReleaseReader.Edge]) -> [Int: Int] {
        var sums: [Int: Int] = [:]
        for edge in edges { sums[edge.year, default: 0] += edge.weight }
        return sums
    }
}

/// Section 1 of validation.md, checked on the published tables themselves
/// (what users download), not on the pipeline's internal artifacts: any
/// release folder in this format can be checked the same way.
public struct InvariantChecks {
    public let reader: ReleaseReader
    public let gazetteer: Gazetteer

    static let checks: [any InvariantCheck] = [DirectedEqualsUndirected(), DegreeSums(), NoIntracityInIntercity(), KnownCityCodes(), AccountingIdentity()]

    public init(release: URL, gazetteer: Gazetteer) {
        self.init(reader: ReleaseReader(folder: release, preferWorkbooks: false), gazetteer: gazetteer)
    }

    public init(reader: ReleaseReader, gazetteer: Gazetteer) {
        self.reader = reader
        self.gazetteer = gazetteer
    }

    public func run() throws(IINError) -> [CheckResult] {
        let inputs = try InvariantInputs(reader: reader, gazetteer: gazetteer)
        var results: [CheckResult] = []
        for check in Self.checks {
            var result = try check.run(inputs)
            result.passed = result.failures.isEmpty
            results.append(result)
        }
        return results
    }
}
