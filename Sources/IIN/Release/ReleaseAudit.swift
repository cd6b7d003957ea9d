import Foundation

/// `iin audit`: checks any release folder in this format against itself.
/// Beside the invariants of validation.md section 1, it recomputes from
/// the edge tables the degrees and ranks of the metric table and the
/// Table 1 statistics, and names every figure that differs, with both
/// numbers.
public struct ReleaseAudit {
    public let reader: ReleaseReader
    public let gazetteer: Gazetteer

    public init(release: URL, gazetteer: Gazetteer, preferWorkbooks: Bool = true) {
        reader = ReleaseReader(folder: release, preferWorkbooks: preferWorkbooks)
        self.gazetteer = gazetteer
    }

    public func run() throws(IINError) -> [CheckResult] {
        var checks = try InvariantChecks(reader: reader, gazetteer: gazetteer).run()
        checks.append(try degreesAndRanks())
        checks.append(try tableOne())
        return checks
    }

    func degreesAndRanks() throws(IINError) -> CheckResult {
        var check = CheckResult(id: "degrees_recomputed", title: "Degrees and ranks of the metric table recomputed from the directed intercity table",
                                passed: true, details: [], failures: [])
        for (network, folder) in reader.networks {
            let directed = try reader.edges(PublishStage.directedName, in: folder)
            let metric = try reader.require(PublishStage.metricName, in: folder)
            let columns = try ["CityCode", "Outdegree", "Indegree", "NodeDegree", "Rank_out", "Rank_in", "Rank_node", "InvestmentYear"]
                .map { name throws(IINError) in try metric.columnIndex(name) }
            var published: [Int: [Int: [Int]]] = [:]
            for row in metric.rows {
                let values = columns.map { ReleaseReader.whole(row[$0]) ?? -1 }
                published[values[7], default: [:]][values[0]] = Array(values[1...6])
            }
            var years = Set(published.keys)
            for edge in directed { years.insert(edge.year) }
            for year in years.sorted() {
                var out: [Int: Int] = [:]
                var into: [Int: Int] = [:]
                for edge in directed where edge.year == year && edge.a != edge.b {
                    out[edge.a, default: 0] += edge.weight
                    into[edge.b, default: 0] += edge.weight
                    out[edge.b, default: 0] += 0
                    into[edge.a, default: 0] += 0
                }
                let cities = out.keys.sorted()
                let node = Dictionary(uniqueKeysWithValues: cities.map { ($0, out[$0]! + into[$0]!) })
                let rankOut = Self.ranks(out), rankIn = Self.ranks(into), rankNode = Self.ranks(node)
                let given = published[year] ?? [:]
                var differing: [String] = []
                for city in Set(cities).union(given.keys).sorted() {
                    let expected = out[city].map { [$0, into[city]!, node[city]!, rankOut[city]!, rankIn[city]!, rankNode[city]!] }
                    if expected != given[city] {
                        differing.append("\(city): published \(given[city].map { "\($0)" } ?? "absent"), recomputed \(expected.map { "\($0)" } ?? "no intercity link")")
                    }
                }
                check.details.append("\(network) \(year): \(cities.count) cities, \(differing.count) differ (values: out, in, node, rank out, rank in, rank node)")
                check.failures += differing.prefix(20).map { "\(network) \(year) \($0)" }
                if differing.count > 20 { check.failures.append("\(network) \(year): and \(differing.count - 20) more cities") }
            }
        }
        check.passed = check.failures.isEmpty
        return check
    }

    /// Competition ranks, descending: ties share the lowest rank (1, 2, 2, 4).
    /// A second implementation on purpose, apart from
    /// `DegreeComputation.ranks`: the audit checks the published ranks, so
    /// it must not share the code that made them.
    static func ranks(_ values: [Int: Int]) -> [Int: Int] {
        let ordered = values.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        var result: [Int: Int] = [:]
        for (position, entry) in ordered.enumerated() {
            if position > 0 && ordered[position - 1].value == entry.value {
                result[entry.key] = result[ordered[position - 1].key]
            } else {
                result[entry.key] = position + 1
            }
        }
        return result
    }

    func tableOne() throws(IINError) -> CheckResult {
        var check = CheckResult(id: "table1_recomputed", title: "Descriptive statistics (Table 1) recomputed from the edge tables", passed: true, details: [], failures: [])
        var anyTable = false
        for (network, folder) in reader.networks {
            guard let published = try reader.table(PublishStage.statisticsName, in: folder) else { continue }
            anyTable = true
            let sources: [(PublishStage.NetworkType, String)] = [(.directed, PublishStage.directedName), (.undirected, PublishStage.undirectedName),
                                                                 (.directedIntracity, PublishStage.directedIntracityName),
                                                                 (.undirectedIntracity, PublishStage.undirectedIntracityName)]
            let type = try published.columnIndex("Type"), year = try published.columnIndex("Year")
            let names = ["Nodes", "Dyads", "Sum", "Mean", "Min", "Median", "Max", "SD"]
            // outputs.md fixes how each figure is printed: a mean with two
            // decimals is a different release, not a rounding of this one.
            let contractDecimals = [0, 0, 0, 4, 0, 1, 0, 4]
            let columns = try names.map { name throws(IINError) in try published.columnIndex(name) }
            var rows: [String: [String]] = [:]
            for row in published.rows { rows[row[type] + "|" + row[year]] = row }
            for (networkType, name) in sources {
                let edges = try reader.edges(name, in: folder)
                for slice in Set(edges.map(\.year)).sorted() {
                    let inSlice = edges.filter { $0.year == slice }
                    guard let stats = DescriptiveStatistics(weights: inSlice.map(\.weight), nodes: Set(inSlice.flatMap { [$0.a, $0.b] }).count) else { continue }
                    let recomputed: [Double?] = [Double(stats.nodes), Double(stats.dyads), Double(stats.sum), stats.mean, Double(stats.minimum), stats.median,
                                                 Double(stats.maximum), stats.standardDeviation]
                    guard let row = rows[networkType.rawValue + "|" + String(slice)] else {
                        check.failures.append("\(network) \(networkType.rawValue) \(slice): no row in \(PublishStage.statisticsName)")
                        continue
                    }
                    var differing: [String] = []
                    for (index, column) in columns.enumerated() {
                        let given = Double(row[column])
                        let expected = recomputed[index]
                        // A published figure is right when it is the
                        // recomputed one rounded to the contract's decimals.
                        let wanted = contractDecimals[index]
                        let decimals = row[column].split(separator: ".", omittingEmptySubsequences: false).dropFirst().first?.count ?? 0
                        let tolerance = 0.5 * pow(10, -Double(wanted)) + 1e-9
                        let agrees = (given == nil && expected == nil) || (given != nil && expected != nil && abs(given! - expected!) <= tolerance)
                        let recomputedText = expected.map { String(format: "%.\(wanted)f", $0) } ?? "none"
                        if !agrees {
                            differing.append("\(names[index]) published \(row[column].isEmpty ? "empty" : row[column]), recomputed \(recomputedText)")
                        } else if given != nil && decimals != wanted {
                            differing.append("\(names[index]) published \(row[column]) with \(decimals) decimals, outputs.md prints \(wanted) (\(recomputedText))")
                        }
                    }
                    check.details.append("\(network) \(networkType.rawValue) \(slice): \(differing.isEmpty ? "agrees" : differing.joined(separator: "; "))")
                    if !differing.isEmpty { check.failures.append("\(network) \(networkType.rawValue) \(slice): " + differing.joined(separator: "; ")) }
                }
            }
        }
        if !anyTable {
            check.skipped = true
            check.details.append("no \(PublishStage.statisticsName) table in the release")
        }
        check.passed = check.failures.isEmpty
        return check
    }
}
