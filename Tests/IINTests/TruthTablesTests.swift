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
