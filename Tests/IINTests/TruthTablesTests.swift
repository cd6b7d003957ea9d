import Foundation
import Testing
@testable import IIN

/// The published tables of a synthetic corpus against the same tables
/// computed here from its truth file alone: every row and every rank of
/// the four network tables and `Three network metric dataset`, and the
/// record accounting per file and reason. The truth's clues were judged
/// from the source tables (`ClueTruth`), not by the geocoder.
///
/// `IIN_TRUTH_RECORDS=1000000` runs it at the size (about 3 minutes
/// in release builds); the default keeps `swift test` short.
@Suite("Published tables equal the truth")
struct TruthTablesTests {
    struct TruthRecord {
        var file: String
        var defect: String
        var investor: Int
        var investee: Int
        var year: Int
        var linkType: String
    }

    static func csv(_ url: URL) throws -> [[String]] {
        let table = try CSVTable.read(url)
        return [table.header] + table.rows
    }

    /// Competition ranks, descending: ties share the lowest rank.
    static func ranks(_ values: [Int: Int]) -> [Int: Int] {
        let sorted = values.values.sorted(by: >)
        var first: [Int: Int] = [:]
        for (position, value) in sorted.enumerated() where first[value] == nil { first[value] = position + 1 }
        return values.mapValues { first[$0]! }
    }

    @Test func everyPublishedTableEqualsTheTablesComputedFromTheTruth() throws {
        let records = Int(ProcessInfo.processInfo.environment["IIN_TRUTH_RECORDS"] ?? "") ?? 20_000
        let seed = UInt64(ProcessInfo.processInfo.environment["IIN_TRUTH_SEED"] ?? "") ?? 11
        let corpus = TestSupport.temporaryFolder("truth-corpus")
        _ = try CorpusGenerator(options: .init(records: records, seed: seed, files: 3), gazetteer: TestSupport.gazetteer())
            .write(to: corpus, progress: ProgressReporter(style: .silent))
        let truthTable = try CSVTable.read(corpus.appendingPathComponent("truth.csv"))
        let column = { (name: String) in truthTable.header.firstIndex(of: name)! }
        let truth = truthTable.rows.map { row in
            TruthRecord(file: row[column("file")], defect: row[column("defect")], investor: Int(row[column("investor_city")]) ?? 0,
                        investee: Int(row[column("investee_city")]) ?? 0, year: Int(row[column("year")]) ?? 0, linkType: row[column("link_type")])
        }

        let project = try TestSupport.scratchProject("truth-project")
        // No overrides: they are answers by hand, not part of the truth.
        let noOverrides = project.appendingPathComponent("no-overrides.csv")
        try TestSupport.write("credit_code,name,city_code,note\n", to: noOverrides)
        let workspace = try TestSupport.workspace(project, raw: corpus.appendingPathComponent("raw/*.csv").path, overrides: noOverrides.path)
        let release = project.appendingPathComponent("release")
        let (log, _) = try workspace.runCollecting(release: release)

        // The accounting, per file and reason.
        let accounting = try #require(Workspace.accounting(of: log.results))
        var expectedPerFile: [String: [String: Int]] = [:]
        for record in truth { expectedPerFile[record.file, default: [:]][record.defect, default: 0] += 1 }
        #expect(accounting.files.map { URL(fileURLWithPath: $0.file).lastPathComponent }.sorted() == expectedPerFile.keys.sorted(),
                "the accounting's files are the truth's files")
        for file in accounting.files {
            let name = URL(fileURLWithPath: file.file).lastPathComponent
            let expected = try #require(expectedPerFile[name], "\(file.file) not in the truth")
            #expect(file.rowsRead == expected.values.reduce(0, +), "\(name): rows read")
            #expect(file.kept == expected["none", default: 0], "\(name): kept")
            #expect(file.duplicate == expected["duplicate", default: 0] + expected["variant_duplicate", default: 0], "\(name): duplicates")
            for reason in RejectionReason.allCases {
                #expect(file.rejections(reason) == expected[reason.rawValue, default: 0], "\(name): \(reason.rawValue)")
            }
        }

        // N(i→j) per slice, from the truth's kept investments.
        let slices = [2000, 2005, 2010, 2015, 2020]
        var counts: [[Int]: Int] = [:]
        for record in truth where record.defect == "none" && record.linkType == "investment" && slices.contains(record.year) {
            counts[[record.year, record.investor, record.investee], default: 0] += 1
        }
        func published(_ name: String, columns: [String]) throws -> [[String]] {
            let table = try Self.csv(release.appendingPathComponent(name + ".csv"))
            let indices = try columns.map { name in try #require(table[0].firstIndex(of: name), "\(name)") }
            return table.dropFirst().map { row in indices.map { row[$0] } }.sorted { $0.lexicographicallyPrecedes($1) }
        }
        let key = ["InvestmentYear", "CityDyad", "InvestmentFrequency"]
        func rows(_ pairs: [(year: Int, a: Int, b: Int, count: Int)]) -> [[String]] {
            pairs.map { [String($0.year), "\($0.a)-\($0.b)", String($0.count)] }.sorted { $0.lexicographicallyPrecedes($1) }
        }
        let directed = counts.map { (year: $0.key[0], a: $0.key[1], b: $0.key[2], count: $0.value) }
        var undirectedCounts: [[Int]: Int] = [:]
        for link in directed { undirectedCounts[[link.year, min(link.a, link.b), max(link.a, link.b)], default: 0] += link.count }
        let undirected = undirectedCounts.map { (year: $0.key[0], a: $0.key[1], b: $0.key[2], count: $0.value) }
        let tables: [(String, [[String]])] = [
            ("Directed intercity investment network dataset", rows(directed.filter { $0.a != $0.b })),
            ("Directed intercity investment network dataset (including intracity investment)", rows(directed)),
            ("Undirected intercity investment network dataset", rows(undirected.filter { $0.a != $0.b })),
            ("Undirected intercity investment network dataset (including intracity investment)", rows(undirected)),
        ]
        for (name, expected) in tables {
            let actual = try published(name, columns: key)
            #expect(actual.count == expected.count, "\(name): \(actual.count) rows, truth \(expected.count)")
            let differing = zip(actual, expected).filter { $0.0 != $0.1 }
            #expect(differing.isEmpty, "\(name): \(differing.count) rows differ, first \(differing.prefix(3))")
        }

        // Degrees and ranks per slice, over the cities with an intercity link.
        var expectedMetrics: [[String]] = []
        for year in slices {
            var out: [Int: Int] = [:], into: [Int: Int] = [:]
            for link in directed where link.year == year && link.a != link.b {
                out[link.a, default: 0] += link.count
                into[link.b, default: 0] += link.count
                out[link.b, default: 0] += 0
                into[link.a, default: 0] += 0
            }
            let node = out.merging(into, uniquingKeysWith: +)
            let (rankOut, rankIn, rankNode) = (Self.ranks(out), Self.ranks(into), Self.ranks(node))
            for city in node.keys {
                expectedMetrics.append([String(year), String(city), String(out[city]!), String(into[city]!), String(node[city]!),
                                        String(rankOut[city]!), String(rankIn[city]!), String(rankNode[city]!)])
            }
        }
        expectedMetrics.sort { $0.lexicographicallyPrecedes($1) }
        let metrics = try published("Three network metric dataset",
                                    columns: ["InvestmentYear", "CityCode", "Outdegree", "Indegree", "NodeDegree", "Rank_out", "Rank_in", "Rank_node"])
        let differing = zip(metrics, expectedMetrics).filter { $0.0 != $0.1 }
        print("truth tables: \(records) records, seed \(seed); \(accounting.total.kept) kept; \(directed.count) directed links, \(expectedMetrics.count) city-years; \(differing.count) metric rows differ")
        #expect(metrics.count == expectedMetrics.count, "metric rows: \(metrics.count), truth \(expectedMetrics.count)")
        #expect(differing.isEmpty, "\(differing.count) city-years differ, first \(differing.prefix(3))")
    }
}

/// The county-level tables of a synthetic corpus against the truth file's
/// counties (`investor_county`, `investee_county`: what the clues name,
/// judged by `ClueTruth` from the source tables), for the whole country
/// and for Guizhou: the accounting with county_unresolved and
/// outside_region, every row of the four network tables, the metric table
/// with its ranks, the headquarters-branch degree table over every unit,
/// and each unit's dominant partner.
@Suite("County tables equal the truth")
struct CountyTruthTablesTests {
    struct Kept {
        var file: String
        var year: Int
        var linkType: String
        var investorCity: Int, investeeCity: Int
        var investor: Int, investee: Int
    }

    @Test(arguments: [("county", [Int]()), ("guizhou", [520000])])
    func everyCountyTableEqualsTheTablesComputedFromTheTruth(name: String, codes: [Int]) throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["IIN_TRUTH_SEED"] ?? "") ?? 12
        let corpus = TestSupport.temporaryFolder("county-truth-\(name)")
        _ = try CorpusGenerator(options: .init(records: 20_000, seed: seed, files: 2), gazetteer: TestSupport.gazetteer())
            .write(to: corpus, progress: ProgressReporter(style: .silent))
        let truthTable = try CSVTable.read(corpus.appendingPathComponent("truth.csv"))
        let column = { (name: String) in truthTable.header.firstIndex(of: name)! }
        let slices = [2000, 2005, 2010, 2015, 2020]
        var rowsPerFile: [String: Int] = [:]
        var kept: [Kept] = []
        for row in truthTable.rows {
            rowsPerFile[row[column("file")], default: 0] += 1
            guard row[column("defect")] == "none" else { continue }
            kept.append(Kept(file: row[column("file")], year: Int(row[column("year")])!, linkType: row[column("link_type")],
                             investorCity: Int(row[column("investor_city")])!, investeeCity: Int(row[column("investee_city")])!,
                             investor: Int(row[column("investor_county")]) ?? 0, investee: Int(row[column("investee_county")]) ?? 0))
        }
        func inRegion(_ city: Int) -> Bool { codes.isEmpty || codes.contains(city) || codes.contains(city / 10000 * 10000) }

        let project = try TestSupport.scratchProject("county-truth-\(name)")
        try TestSupport.write("credit_code,name,city_code,note\n", to: project.appendingPathComponent("no-overrides.csv"))
        let pipelineFile = project.appendingPathComponent("pipeline.json")
        var pipeline = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: pipelineFile)) as? [String: Any])
        var stages = try #require(pipeline["stages"] as? [[String: Any]]).filter { ($0["kind"] as? String) != "validate" }
        let aggregate = try #require(stages.firstIndex { ($0["kind"] as? String) == "aggregate" })
        var parameters = stages[aggregate]["params"] as? [String: Any] ?? [:]
        parameters["resolution"] = "county"
        if !codes.isEmpty { parameters["region"] = ["name": name, "codes": codes] }
        stages[aggregate]["params"] = parameters
        pipeline["stages"] = stages
        try JSONSerialization.data(withJSONObject: pipeline).write(to: pipelineFile)
        let workspace = try TestSupport.workspace(project, raw: corpus.appendingPathComponent("raw/*.csv").path,
                                                  overrides: project.appendingPathComponent("no-overrides.csv").path)
        let releaseRoot = project.appendingPathComponent("release")
        let release = workspace.releaseFolder(override: releaseRoot.path)
        #expect(release.lastPathComponent == (codes.isEmpty ? "county" : "county-\(name)"))
        let (log, _) = try workspace.runCollecting(release: release)

        // The accounting: each kept record of the truth is in the network,
        // outside the region, or county_unresolved.
        let accounting = try #require(Workspace.accounting(of: log.results, in: workspace.pipeline))
        for file in accounting.files {
            let name = URL(fileURLWithPath: file.file).lastPathComponent
            let mine = kept.filter { $0.file == name }
            let outside = mine.filter { !inRegion($0.investorCity) || !inRegion($0.investeeCity) }.count
            let unresolved = mine.filter { inRegion($0.investorCity) && inRegion($0.investeeCity) && ($0.investor == 0 || $0.investee == 0) }.count
            #expect(file.exclusions(.outsideRegion) == outside, "\(name): outside_region")
            #expect(file.exclusions(.countyUnresolved) == unresolved, "\(name): county_unresolved")
            #expect(file.kept == mine.count - outside - unresolved, "\(name): kept in the network")
            #expect(file.unaccounted == 0 && file.rowsRead == rowsPerFile[name], "\(name): the identity")
            #expect(unresolved > 0, "\(name): some sides name only their city")
        }
        let network = kept.filter { inRegion($0.investorCity) && inRegion($0.investeeCity) && $0.investor != 0 && $0.investee != 0 && slices.contains($0.year) }

        func published(_ name: String, columns: [String]) throws -> [[String]] {
            let table = try TruthTablesTests.csv(release.appendingPathComponent(name + ".csv"))
            let indices = try columns.map { name in try #require(table[0].firstIndex(of: name), "\(name)") }
            return table.dropFirst().map { row in indices.map { row[$0] } }.sorted { $0.lexicographicallyPrecedes($1) }
        }
        func compare(_ name: String, _ actual: [[String]], _ expected: [[String]]) {
            let expected = expected.sorted { $0.lexicographicallyPrecedes($1) }
            #expect(actual.count == expected.count, "\(name): \(actual.count) rows, truth \(expected.count)")
            let differing = zip(actual, expected).filter { $0.0 != $0.1 }
            #expect(differing.isEmpty, "\(name): \(differing.count) rows differ, first \(differing.prefix(3))")
        }
        let units = Set(try TestSupport.gazetteer().countyLevelUnits.filter { inRegion($0.cityCode) }.map(\.code))
        for linkType in ["investment", "branch"] {
            let prefix = linkType == "branch" ? "branch/" : ""
            var directed: [[Int]: Int] = [:]
            for record in network where record.linkType == linkType { directed[[record.year, record.investor, record.investee], default: 0] += 1 }
            var undirected: [[Int]: Int] = [:]
            for (key, count) in directed { undirected[[key[0], min(key[1], key[2]), max(key[1], key[2])], default: 0] += count }
            func rows(_ counts: [[Int]: Int], intercity: Bool) -> [[String]] {
                counts.filter { !intercity || $0.key[1] != $0.key[2] }.map { [String($0.key[0]), "\($0.key[1])-\($0.key[2])", String($0.value)] }
            }
            let key = ["InvestmentYear", "CountyDyad", "InvestmentFrequency"]
            for (table, counts, intercity) in [("Directed intercounty investment network dataset", directed, true),
                                               ("Directed intercounty investment network dataset (including intracounty investment)", directed, false),
                                               ("Undirected intercounty investment network dataset", undirected, true),
                                               ("Undirected intercounty investment network dataset (including intracounty investment)", undirected, false)] {
                compare(prefix + table, try published(prefix + table, columns: key), rows(counts, intercity: intercity))
            }
            var metrics: [[String]] = []
            var branchDegrees: [[String]] = []
            var dominant: [[String]] = []
            for year in slices {
                var out: [Int: Int] = [:], into: [Int: Int] = [:]
                var ties: [Int: [Int: Int]] = [:]
                for (key, count) in directed where key[0] == year && key[1] != key[2] {
                    out[key[1], default: 0] += count
                    into[key[2], default: 0] += count
                    out[key[2], default: 0] += 0
                    into[key[1], default: 0] += 0
                    ties[key[1], default: [:]][key[2], default: 0] += count
                    ties[key[2], default: [:]][key[1], default: 0] += count
                }
                let node = out.merging(into, uniquingKeysWith: +)
                let (rankOut, rankIn, rankNode) = (TruthTablesTests.ranks(out), TruthTablesTests.ranks(into), TruthTablesTests.ranks(node))
                for unit in node.keys {
                    metrics.append([String(year), String(unit), String(out[unit]!), String(into[unit]!), String(node[unit]!),
                                    String(rankOut[unit]!), String(rankIn[unit]!), String(rankNode[unit]!)])
                }
                let everyUnit = Dictionary(uniqueKeysWithValues: units.map { ($0, node[$0, default: 0]) })
                let rank = TruthTablesTests.ranks(everyUnit)
                for unit in units {
                    branchDegrees.append([String(year), String(unit), String(into[unit, default: 0]), String(out[unit, default: 0]), String(everyUnit[unit]!),
                                          String(rank[unit]!)])
                }
                for (unit, partners) in ties {
                    let strongest = partners.max { ($0.value, $1.key) < ($1.value, $0.key) }!
                    dominant.append([String(year), String(unit), String(strongest.key), String(strongest.value),
                                     node[strongest.key]! > node[unit]! ? "1" : "0"])
                }
            }
            compare(prefix + "metrics", try published(prefix + "Three network metric dataset", columns: ["InvestmentYear", "CountyCode", "Outdegree", "Indegree",
                                                                                                          "NodeDegree", "Rank_out", "Rank_in", "Rank_node"]), metrics)
            compare(prefix + "dominant flows", try published(prefix + "Dominant flows", columns: ["InvestmentYear", "CountyCode", "PartnerCode", "PartnerWeight",
                                                                                                  "PartnerLarger"]), dominant)
            if linkType == "branch" {
                compare("branch degree", try published("branch/Headquarters-branch degree centrality",
                                                       columns: ["InvestmentYear", "CountyCode", "Inbound", "Outbound", "DegreeCentrality", "Rank"]), branchDegrees)
            }
        }
        print("county truth (\(name)): \(network.count) records in the network; \(accounting.total.exclusions(.countyUnresolved)) county_unresolved, \(accounting.total.exclusions(.outsideRegion)) outside_region")
    }
}
