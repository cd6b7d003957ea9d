import Foundation
import Testing
@testable import IIN

/// The geocoder against the generator's truth file, whose clues were
/// judged from the source tables (`ClueTruth`), not by the geocoder: every
/// side whose fields name its city is resolved to it, and no side whose
/// only clues are ambiguous gets a city; at county level, every side
/// placed in its true city gets exactly the county-level unit its clues
/// name (none when they name only the city).
@Suite("Geocoding accuracy")
struct GeocodeAccuracyTests {
    @Test func resolvableSidesGetTheirTrueCityAndAmbiguousOnesNone() throws {
        let corpus = TestSupport.temporaryFolder("accuracy")
        _ = try CorpusGenerator(options: .init(records: 30000, seed: 404, files: 1), gazetteer: TestSupport.gazetteer())
            .write(to: corpus, progress: ProgressReporter(style: .silent))
        let truthTable = try CSVTable.read(corpus.appendingPathComponent("truth.csv"))
        let column = { (name: String) in truthTable.header.firstIndex(of: name)! }
        var truth: [String: [String]] = [:]
        for row in truthTable.rows { truth[row[column("record_id")]] = row }

        let project = try TestSupport.scratchProject("accuracy")
        let workspace = try TestSupport.workspace(project, raw: corpus.appendingPathComponent("raw/*.csv").path)
        let (log, _) = try workspace.runCollecting(release: project.appendingPathComponent("release"))
        let ingest = try #require(log.results.first { $0.kind == IngestStage.kind })
        let geocoder = try TestSupport.defaultGeocoder()

        var resolvable = 0, right = 0, ambiguous = 0, guessed = 0
        var misses: [String] = []
        var placed = 0, countyRight = 0, countyNamed = 0, countyMisses: [String] = []
        // The parser's slices point into the artifact's maps: it must outlive the loop.
        let artifact = try IngestedRecordsArtifact(folder: ingest.artifact)
        defer { withExtendedLifetime(artifact) {} }
        var parser = artifact.parser()
        var memo = RegionMemo<CompactAnswer>()
        var countyMemo = RegionMemo<Int32>()
        func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        while !parser.atEnd {
            let record = try parser.next()
            let recordID = text(record.recordID)
            guard let row = truth[recordID], row[column("defect")] != "outside_mainland" else { continue }
            for (side, cityColumn, evidenceColumn, countyColumn) in [(record.investor, "investor_city", "investor_evidence", "investor_county"),
                                                                     (record.investee, "investee_city", "investee_evidence", "investee_county")] {
                let outcome = geocoder.resolve(side, memo: &memo, compareAll: true)
                let party = "\(text(side.name)) / \(text(side.creditCode)) / \(text(side.region)) / \(text(side.address))"
                if let city = Int(row[column(cityColumn)]), outcome.answer == .city(city) {
                    placed += 1
                    let expected = Int(row[column(countyColumn)]) ?? 0
                    if expected != 0 { countyNamed += 1 }
                    let county = geocoder.county(side, city: city, memo: &countyMemo)
                    if county == expected {
                        countyRight += 1
                    } else if countyMisses.count < 10 {
                        countyMisses.append("\(recordID) \(party) -> county \(county), truth \(expected)")
                    }
                }
                if row[column(evidenceColumn)] == "clear" {
                    resolvable += 1
                    if outcome.answer == .city(Int(row[column(cityColumn)])!) {
                        right += 1
                    } else if misses.count < 10 {
                        misses.append("\(recordID) \(party) -> \(outcome.answer), truth \(row[column(cityColumn)])")
                    }
                } else {
                    ambiguous += 1
                    if case .city = outcome.answer { guessed += 1; misses.append("GUESS \(recordID) \(party) -> \(outcome.answer)") }
                }
            }
        }
        let share = Double(right) / Double(max(1, resolvable))
        print("geocoding accuracy: \(right) of \(resolvable) resolvable sides in their true city (\(String(format: "%.3f", share * 100))%); \(guessed) of \(ambiguous) ambiguous-only sides given a city")
        #expect(resolvable > 50000)
        #expect(ambiguous > 50)
        print("county level: \(countyRight) of \(placed) sides placed in their city have the truth's county (\(countyNamed) name one)")
        #expect(right == resolvable, "\(misses)")
        #expect(countyNamed > placed / 2 && countyNamed < placed)
        #expect(countyRight == placed, "\(countyMisses)")
        #expect(guessed == 0, "\(misses)")
    }
}
