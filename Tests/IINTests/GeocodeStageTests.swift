import Foundation
import Testing
@testable import IIN

@Suite("Geocode stage", .serialized)
struct GeocodeStageTests {
    func geocodeResult(_ log: CollectingLog) throws -> StageResult {
        try #require(log.results.first { $0.kind == GeocodeStage.kind })
    }

    /// The default corpus has two ungeocodable records resolved by hand in
    /// fixtures/default/overrides.csv; the report counts them.
    @Test func overridesResolveWhatNothingElseCan() throws {
        let project = try TestSupport.scratchProject()
        let (log, _) = try TestSupport.workspace(project).runCollecting(release: project.appendingPathComponent("release"))
        let report = try GeocodingReport.read(from: try geocodeResult(log).artifact)
        #expect(report.resolvedBy["overrides"] == 2)
        #expect(report.comparedSides > 0 && report.comparedSides < report.sides)
        let truth = try CSVTable.read(TestSupport.fixtures.appendingPathComponent("default/truth.csv"))
        let ungeocodable = truth.rows.filter { $0[2] == "ungeocodable" }.count
        #expect(Workspace.accounting(of: log.results)?.total.rejections(.ungeocodable) == ungeocodable - 2)
    }

    /// Each override by name in the default table names the investee of one
    /// ungeocodable record, with the city the truth file gives it: after
    /// the corpus is regenerated, a stale table fails here.
    @Test func theDefaultOverridesMatchTheirRecordsTruth() throws {
        let overrides = try CSVTable.read(TestSupport.fixtures.appendingPathComponent("default/overrides.csv"))
        let truth = try CSVTable.read(TestSupport.fixtures.appendingPathComponent("default/truth.csv"))
        let truthByID = Dictionary(uniqueKeysWithValues: truth.rows.map { ($0[0], $0) })
        var investees: [String: [String]] = [:]
        for file in ["records-001.csv", "records-002.csv"] {
            // Read as plain lines: the corpus has malformed rows on purpose,
            // and no name holds a comma.
            let text = try String(contentsOf: TestSupport.fixtures.appendingPathComponent("default/raw/" + file), encoding: .utf8)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                if fields.count > 5 { investees[String(fields[5]), default: []].append(String(fields[0])) }
            }
        }
        let named = overrides.rows.filter { !$0[1].isEmpty }
        #expect(named.count == 2)
        for row in named {
            let ids = investees[row[1]] ?? []
            #expect(ids.count == 1, "\(row[1]) is the investee of \(ids)")
            let record = try #require(ids.first.flatMap { truthByID[$0] })
            #expect(record[2] == "ungeocodable" && record[5] == row[2], "\(row[1]): truth \(record), override \(row[2])")
        }
    }

    @Test func everyRecordEndsOnceAndSidesAreCountedOnce() throws {
        let project = try TestSupport.scratchProject()
        let (log, _) = try TestSupport.workspace(project).runCollecting(release: project.appendingPathComponent("release"))
        let result = try geocodeResult(log)
        let report = try GeocodingReport.read(from: result.artifact)
        let resolved = report.resolvedBy.values.reduce(0, +)
        // Every side was answered by one method (outside sides included)
        // or by none.
        #expect(resolved + report.unresolvedSides == report.sides)
        #expect(report.sides == 2 * (result.counts["records", default: 0] + result.counts["ungeocodable", default: 0] + result.counts["outside_mainland", default: 0]))
    }

    /// 12,000 records split into 4, 8 or 11 pieces by thread count, with
    /// different memos: the same bytes.
    @Test func theSameBytesForAnyThreadCount() throws {
        let corpus = TestSupport.temporaryFolder("threads-corpus")
        _ = try CorpusGenerator(options: .init(records: 12000, seed: 77, files: 2), gazetteer: TestSupport.gazetteer())
            .write(to: corpus, progress: ProgressReporter(style: .silent))
        var digests: [String] = []
        for threads in [1, 2, 5] {
            let project = try TestSupport.scratchProject("threads\(threads)")
            let workspace = try TestSupport.workspace(project, raw: corpus.appendingPathComponent("raw/*.csv").path)
            let log = CollectingLog()
            _ = try workspace.runner(log: log, progress: ProgressReporter(style: .silent))
                .run(threads: threads, releaseFolder: project.appendingPathComponent("release"))
            let folder = try geocodeResult(log).artifact
            var bytes = Data()
            let parts = (0..<2).flatMap { part in ["records", "keys"].map { GeocodedRecordsArtifact.fileName(role: $0, part: part) } }
            for name in parts + [GeocodingReport.fileName] {
                bytes += try Data(contentsOf: folder.appendingPathComponent(name))
            }
            digests.append(FingerprintComponents.digest(String(decoding: bytes.base64EncodedData(), as: UTF8.self)))
        }
        #expect(Set(digests).count == 1)
    }

    @Test func aBadOverrideNamesTheCell() throws {
        let folder = TestSupport.temporaryFolder("bad-override")
        let table = folder.appendingPathComponent("overrides.csv")
        try TestSupport.write("credit_code,name,city_code\n,某某有限公司,440300\n,另一家有限公司,999999\n", to: table)
        #expect(throws: IINError.invalidTableCell(path: table.path, row: 3, column: "city_code", value: "999999",
                                                  expected: "a 2020 city or county-level code (such as 440300 or 440305) or 'outside_mainland'")) {
            try GeocodeOverrides.load(table, gazetteer: try TestSupport.gazetteer())
        }
        try TestSupport.write("credit_code,name,city_code\n,某某有限公司,440300\n,某某 有限公司,440305\n", to: table)
        #expect(throws: IINError.self) { try GeocodeOverrides.load(table, gazetteer: try TestSupport.gazetteer()) }
    }

    @Test func overridesMatchByCreditCodeOrEnterpriseKey() throws {
        let folder = TestSupport.temporaryFolder("override-match")
        let table = folder.appendingPathComponent("overrides.csv")
        try TestSupport.write("credit_code,name,city_code,note\n91440300ma5g7k2x1a,,440300,by code\n,ＡＢＣ 科技有限公司,outside_mainland,by name\n", to: table)
        let overrides = try GeocodeOverrides.load(table, gazetteer: try TestSupport.gazetteer())
        let geocoder = try TestSupport.defaultGeocoder(overrides: overrides)
        #expect(geocoder.resolve(PartyText(name: "无名", creditCode: "91440300MA5G7K2X1A", region: "北京", address: "")).answer == .city(440300))
        #expect(geocoder.resolve(PartyText(name: "ABC科技有限公司", creditCode: "", region: "北京", address: "")).answer == .outsideMainland)
        #expect(geocoder.resolve(PartyText(name: "ABD科技有限公司", creditCode: "", region: "北京", address: "")).answer == .city(110000))
    }

    /// The external method in a pipeline run: asked only for sides nothing
    /// else resolved, each text once, and never again in a later run.
    @Test func theExternalServiceIsAskedOnlyForWhatIsLeftAndOnlyOnce() throws {
        let server = try FakeAmapServer()
        defer { server.stop() }
        let variable = "IIN_TEST_AMAP_KEY_\(getpid())"
        setenv(variable, "test-key-31c", 1)
        defer { unsetenv(variable) }
        let project = try TestSupport.scratchProject()
        let pipelineURL = project.appendingPathComponent("pipeline.json")
        func configure(compareEvery: Int) throws {
            var text = try String(contentsOf: pipelineURL, encoding: .utf8)
            let params = #""params": {"methods": ["overrides", "region", "credit_code", "address", "name", "external"], "compare_every": \#(compareEvery), "external": {"endpoint": "\#(server.endpoint)", "key_variable": "\#(variable)", "requests_per_second": 1000, "backoff_seconds": 0.01}}"#
            let range = try #require(text.range(of: #""params": {"methods": ["overrides", "region", "credit_code", "address", "name"]}"#))
            text.replaceSubrange(range, with: params)
            try text.write(to: pipelineURL, atomically: true, encoding: .utf8)
            try? FileManager.default.removeItem(at: project.appendingPathComponent("pipeline.json.orig"))
        }
        let original = try String(contentsOf: pipelineURL, encoding: .utf8)
        try configure(compareEvery: 16)
        let (first, _) = try TestSupport.workspace(project).runCollecting(release: project.appendingPathComponent("release"))
        let firstReport = try GeocodingReport.read(from: try geocodeResult(first).artifact)
        #expect(firstReport.externalRequests > 0)
        #expect(firstReport.externalRequests == server.totalAsked)
        #expect(firstReport.methods.last == "external")

        try original.write(to: pipelineURL, atomically: true, encoding: .utf8)
        try configure(compareEvery: 8)
        let (second, _) = try TestSupport.workspace(project).runCollecting(release: project.appendingPathComponent("release"))
        let secondReport = try GeocodingReport.read(from: try geocodeResult(second).artifact)
        #expect(secondReport.externalRequests == 0)
        #expect(secondReport.externalCacheHits == firstReport.externalRequests + firstReport.externalCacheHits)
        #expect(server.totalAsked == firstReport.externalRequests)
    }
}
