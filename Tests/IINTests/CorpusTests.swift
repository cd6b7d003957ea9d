import Foundation
import Testing
@testable import IIN

/// Property tests over synthetic corpora: whatever the seed, every row is
/// accounted for, each injected defect ends as its reason, and no side gets
/// a city other than its true one.
@Suite("Synthetic corpora through the pipeline")
struct CorpusTests {
    struct TruthRow {
        var file: String
        var defect: String
        var investorCity: Int?
        var investeeCity: Int?
        var investorClue: String
        var investeeClue: String
        /// `clear` when some field names the city, else `ambiguous_only`.
        var investorEvidence: String
        var investeeEvidence: String
    }

    func truth(_ folder: URL) throws -> [String: TruthRow] {
        let table = try CSVTable.read(folder.appendingPathComponent("truth.csv"))
        var rows: [String: TruthRow] = [:]
        for row in table.rows {
            rows[row[0]] = TruthRow(file: row[1], defect: row[2], investorCity: Int(row[4]), investeeCity: Int(row[5]), investorClue: row[6], investeeClue: row[7],
                                    investorEvidence: row[10], investeeEvidence: row[11])
        }
        return rows
    }

    /// Defects ingest rejects, so the geocoder never sees their sides.
    static let rejectedBeforeGeocoding: Set<String> = ["malformed", "missing_name", "bad_date", "bad_link_type", "self_investment"]

    @Test(arguments: [11, 12, 13])
    func everyRowIsAccountedForAndNoSideIsMisplaced(seed: Int) throws {
        let corpus = TestSupport.temporaryFolder("corpus\(seed)")
        let summary = try CorpusGenerator(options: .init(records: 3000, seed: UInt64(seed), files: 3), gazetteer: TestSupport.gazetteer())
            .write(to: corpus, progress: ProgressReporter(style: .silent))
        #expect(summary.records == 3000)
        let project = try TestSupport.scratchProject("corpus\(seed)")
        let workspace = try TestSupport.workspace(project, raw: corpus.appendingPathComponent("raw/*.csv").path)
        let (log, _) = try workspace.runCollecting(release: project.appendingPathComponent("release"))
        let accounting = try #require(Workspace.accounting(of: log.results))

        #expect(accounting.files.count == 3)
        for file in accounting.files { #expect(file.unaccounted == 0, "\(file.file)") }
        #expect(accounting.total.rowsRead == 3000)
        #expect(accounting.total.inSlice + accounting.total.outOfSlice == accounting.total.kept)

        let truth = try truth(corpus)
        // Per file, every reason's count is the truth's, exactly: a
        // duplicate copies a record without defects, so it is a duplicate
        // and nothing else.
        for file in accounting.files {
            var defects: [String: Int] = [:]
            for row in truth.values where row.file == file.file { defects[row.defect, default: 0] += 1 }
            for reason in RejectionReason.allCases {
                #expect(file.rejections(reason) == defects[reason.rawValue, default: 0], "\(file.file) \(reason.rawValue)")
            }
            #expect(file.duplicate == defects["duplicate", default: 0] + defects["variant_duplicate", default: 0], "\(file.file) duplicates")
            #expect(file.kept == defects["none", default: 0], "\(file.file) kept")
        }

        // Sides answered by the region field: exactly those whose region
        // names the city by the truth's tables (a municipality by its
        // province name too), or names a place outside the mainland; no
        // override matches this corpus.
        let geocodeAccounting = try RecordAccounting.read(from: try #require(log.results.first { $0.kind == GeocodeStage.kind }).artifact)
        let clearForms: Set<String> = ["full", "city", "city_county", "separated", "historical", "county_unique", "outside"]
        let municipalities: Set<Int> = [110000, 120000, 310000, 500000]
        var regionSides = 0, answerableSides = 0
        for row in truth.values where !Self.rejectedBeforeGeocoding.contains(row.defect) {
            for (clue, city, evidence) in [(row.investorClue, row.investorCity, row.investorEvidence), (row.investeeClue, row.investeeCity, row.investeeEvidence)] {
                if clearForms.contains(clue) || (clue == "province" && municipalities.contains(city ?? 0)) { regionSides += 1 }
                if evidence == "clear" || clue == "outside" { answerableSides += 1 }
            }
        }
        let methods = geocodeAccounting.geocodeMethods
        #expect(methods["region", default: 0] == regionSides, "\(methods)")
        #expect(methods["overrides", default: 0] == 0, "\(methods)")
        #expect(methods.values.reduce(0, +) == answerableSides, "every clear side answered by some method: \(methods)")

        // Every kept side sits in its true city; every record whose sides
        // are named clearly by some field is kept; ambiguous clues never
        // give a city.
        let dedupe = try #require(log.results.first { $0.kind == DedupeStage.kind })
        var kept = 0
        var wrong: [String] = []
        let geocode = try #require(log.results.first { $0.kind == GeocodeStage.kind })
        try KeptRecords(geocode: geocode.artifact, dedupe: dedupe.artifact).forEach { record in
            kept += 1
            guard let row = truth[record.recordID] else { wrong.append("\(record.recordID) not in truth"); return }
            if row.investorCity != record.investorCity || row.investeeCity != record.investeeCity {
                wrong.append("\(record.recordID): \(record.investorCity)->\(record.investeeCity), truth \(row.investorCity ?? 0)->\(row.investeeCity ?? 0)")
            }
            for evidence in [row.investorEvidence, row.investeeEvidence] where evidence != "clear" {
                wrong.append("\(record.recordID): kept although a side's only clues are ambiguous")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        let expectedKept = truth.values.filter { $0.defect == "none" }.count
        #expect(kept == expectedKept, "records without defects: \(expectedKept), kept: \(kept)")
    }

    @Test func theSameSeedWritesTheSameBytes() throws {
        let first = TestSupport.temporaryFolder("first")
        let second = TestSupport.temporaryFolder("second")
        for folder in [first, second] {
            _ = try CorpusGenerator(options: .init(records: 500, seed: 99, files: 2), gazetteer: TestSupport.gazetteer())
                .write(to: folder, progress: ProgressReporter(style: .silent))
        }
        for name in ["raw/records-001.csv", "raw/records-002.csv", "truth.csv"] {
            #expect(try Data(contentsOf: first.appendingPathComponent(name)) == Data(contentsOf: second.appendingPathComponent(name)), "\(name)")
        }
    }

    /// The shape the issue asks of the generator: slice proportions near the
    /// paper's, an intercity share rising from about 10% to about 31%.
    @Test func corpusHasThePapersShape() throws {
        let corpus = TestSupport.temporaryFolder("shape")
        _ = try CorpusGenerator(options: .init(records: 40000, seed: 5, files: 1), gazetteer: TestSupport.gazetteer())
            .write(to: corpus, progress: ProgressReporter(style: .silent))
        let table = try CSVTable.read(corpus.appendingPathComponent("truth.csv"))
        var perYear: [Int: (all: Int, intercity: Int)] = [:]
        for row in table.rows where row[2] == "none" {
            guard let year = Int(row[8]), let from = Int(row[4]), let to = Int(row[5]) else { continue }
            perYear[year, default: (0, 0)].all += 1
            if from != to { perYear[year, default: (0, 0)].intercity += 1 }
        }
        let sliceTotal = [2000, 2005, 2010, 2015, 2020].reduce(0) { $0 + perYear[$1, default: (0, 0)].all }
        let share2020 = Double(perYear[2020]!.all) / Double(sliceTotal)
        #expect(abs(share2020 - 5_894_787.0 / 11_954_035.0) < 0.02)
        let intercity2000 = Double(perYear[2000]!.intercity) / Double(perYear[2000]!.all)
        let intercity2020 = Double(perYear[2020]!.intercity) / Double(perYear[2020]!.all)
        #expect(abs(intercity2000 - 0.10) < 0.03, "2000: \(intercity2000)")
        #expect(abs(intercity2020 - 0.31) < 0.03, "2020: \(intercity2020)")
        let other = table.rows.filter { row in row[2] == "none" && ![2000, 2005, 2010, 2015, 2020].contains(Int(row[8]) ?? 0) }.count
        #expect(other > 0)
    }
}
