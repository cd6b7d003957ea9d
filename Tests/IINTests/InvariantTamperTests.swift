import Foundation
import Testing
@testable import IIN

/// Each section-1 invariant check fed a release broken in exactly the way it
/// guards against, by one cell edited in a published CSV: that check fails,
/// naming the numbers, and every other check still passes (so each tamper is
/// caught by the check meant for it, not by accident).
@Suite("Invariant checks on tampered releases")
struct InvariantTamperTests {
    static let directed = PublishStage.directedName + ".csv"
    static let metric = PublishStage.metricName + ".csv"
    static let accounting = PublishStage.accountingName + ".csv"

    /// The checks of a tampered release: the one named must fail, the rest
    /// pass. Returns the failing check.
    static func onlyFailing(_ id: String, in release: URL) throws -> CheckResult {
        let checks = try InvariantChecks(release: release, gazetteer: TestSupport.gazetteer()).run()
        #expect(checks.map(\.id) == ["directed_equals_undirected", "degree_sums", "no_intracity_in_intercity", "known_city_codes", "accounting_identity"])
        #expect(checks.filter { !$0.passed }.map(\.id) == [id], "\(checks.filter { !$0.passed }.map { "\($0.id): \($0.failures)" })")
        let failing = try #require(checks.first { $0.id == id })
        #expect(!failing.passed && !failing.skipped)
        return failing
    }

    @Test func theUntouchedReleasePassesEveryCheck() throws {
        let release = try TestSupport.goldenReleaseCopy()
        let checks = try InvariantChecks(release: release, gazetteer: TestSupport.gazetteer()).run()
        #expect(checks.count == 5)
        for check in checks {
            #expect(check.passed && !check.skipped && check.failures.isEmpty, "\(check.id): \(check.failures)")
            #expect(!check.details.isEmpty, "\(check.id) looked at nothing")
        }
    }

    /// One undirected intercity weight raised by one: the directed and
    /// undirected sums of that slice differ by exactly one.
    @Test func directedEqualsUndirected() throws {
        let release = try TestSupport.goldenReleaseCopy()
        let row = try TestSupport.editCell(release.appendingPathComponent(PublishStage.undirectedName + ".csv"), column: "InvestmentFrequency",
                                           where: { $0["InvestmentYear"] == "2005" }) { String(Int($0["InvestmentFrequency"]!)! + 1) }
        let failing = try Self.onlyFailing("directed_equals_undirected", in: release)
        let line = try #require(failing.failures.count == 1 ? failing.failures.first : nil, "\(failing.failures)")
        #expect(line.hasPrefix("investment intercity 2005: directed "), "\(line) (edited \(row["CityDyad"]!))")
        let numbers = line.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Int($0) }
        #expect(numbers.count == 2 && numbers[1] == numbers[0] + 1, "\(line)")
    }

    /// One city's outdegree raised by one in 2020: outdegrees no longer add
    /// up to indegrees or to the directed intercity sum.
    @Test func degreeSums() throws {
        let release = try TestSupport.goldenReleaseCopy()
        let row = try TestSupport.editCell(release.appendingPathComponent(Self.metric), column: "Outdegree", where: { $0["InvestmentYear"] == "2020" }) {
            String(Int($0["Outdegree"]!)! + 1)
        }
        let failing = try Self.onlyFailing("degree_sums", in: release)
        #expect(failing.failures.count == 1)
        let line = try #require(failing.failures.first)
        #expect(line.hasPrefix("investment 2020: outdegrees "), "\(line)")
        // The edited row's city is named nowhere, but the sums are: outdegrees
        // exceed indegrees by exactly one.
        let numbers = line.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Int($0) }
        #expect(numbers.count == 3 && numbers[0] == numbers[1] + 1 && numbers[1] == numbers[2], "\(line) (edited \(row["CityCode"]!))")
    }

    /// Outdegree and indegree of one city both raised by one: they still
    /// agree with each other, but no longer with the directed intercity sum.
    @Test func degreeSumsAgainstTheDirectedSum() throws {
        let release = try TestSupport.goldenReleaseCopy()
        let file = release.appendingPathComponent(Self.metric)
        let row = try TestSupport.editCell(file, column: "Outdegree", where: { $0["InvestmentYear"] == "2015" }) { String(Int($0["Outdegree"]!)! + 1) }
        try TestSupport.editCell(file, column: "Indegree", where: { $0["InvestmentYear"] == "2015" && $0["CityCode"] == row["CityCode"] }) {
            String(Int($0["Indegree"]!)! + 1)
        }
        let failing = try Self.onlyFailing("degree_sums", in: release)
        let line = try #require(failing.failures.count == 1 ? failing.failures.first : nil, "\(failing.failures)")
        let numbers = line.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Int($0) }
        #expect(line.hasPrefix("investment 2015: outdegrees ") && numbers.count == 3 && numbers[0] == numbers[1] && numbers[1] == numbers[2] + 1, "\(line)")
    }

    /// The sums of the tables that include intracity links are compared too.
    @Test func directedEqualsUndirectedIncludingIntracity() throws {
        let release = try TestSupport.goldenReleaseCopy()
        try TestSupport.editCell(release.appendingPathComponent(PublishStage.undirectedIntracityName + ".csv"), column: "InvestmentFrequency",
                                 where: { $0["InvestmentYear"] == "2010" }) { String(Int($0["InvestmentFrequency"]!)! + 1) }
        let failing = try Self.onlyFailing("directed_equals_undirected", in: release)
        #expect(failing.failures.count == 1 && failing.failures[0].hasPrefix("investment including intracity 2010: directed "), "\(failing.failures)")
    }

    /// A self-link in the undirected intercity table (sums unchanged).
    @Test func noIntracityInTheUndirectedTable() throws {
        let release = try TestSupport.goldenReleaseCopy()
        let row = try TestSupport.editCell(release.appendingPathComponent(PublishStage.undirectedName + ".csv"), column: "CityBCode",
                                           where: { $0["InvestmentYear"] == "2020" }) { $0["CityACode"]! }
        let failing = try Self.onlyFailing("no_intracity_in_intercity", in: release)
        #expect(failing.failures == ["investment \(PublishStage.undirectedName): 1 rows link a city to itself, e.g. \(row["CityACode"]!) in 2020"])
    }

    /// An unknown code in each of the other edge tables.
    @Test(arguments: [PublishStage.undirectedName, PublishStage.directedIntracityName, PublishStage.undirectedIntracityName])
    func knownCityCodesInEveryEdgeTable(table: String) throws {
        let release = try TestSupport.goldenReleaseCopy("known-\(table.count)")
        let column = table.hasPrefix("Undirected") ? "CityBCode" : "InvesteeCityCode"
        try TestSupport.editCell(release.appendingPathComponent(table + ".csv"), column: column) { _ in "990300" }
        let failing = try Self.onlyFailing("known_city_codes", in: release)
        #expect(failing.failures == ["investment \(table): unknown city codes 990300"])
    }

    /// A slice that only one of the two tables has is compared too: one
    /// directed row moved to 2016, a year the undirected table lacks.
    @Test func aSliceInOnlyOneTableIsCompared() throws {
        let release = try TestSupport.goldenReleaseCopy()
        let row = try TestSupport.editCell(release.appendingPathComponent(Self.directed), column: "InvestmentYear", where: { $0["InvestmentYear"] == "2015" }) { _ in "2016" }
        let checks = try InvariantChecks(release: release, gazetteer: TestSupport.gazetteer()).run()
        let sums = try #require(checks.first { $0.id == "directed_equals_undirected" })
        #expect(sums.failures.contains("investment intercity 2016: directed \(row["InvestmentFrequency"]!), undirected 0"), "\(sums.failures)")
    }

    /// A metric cell that is no number is a broken table, never a zero.
    @Test func anUnreadableMetricCellIsAnError() throws {
        let release = try TestSupport.goldenReleaseCopy()
        try TestSupport.editCell(release.appendingPathComponent(Self.metric), column: "Indegree", where: { $0["InvestmentYear"] == "2020" }) { _ in "abc" }
        let error = #expect(throws: IINError.self) { try InvariantChecks(release: release, gazetteer: TestSupport.gazetteer()).run() }
        let message = error.map { String(describing: $0) } ?? ""
        #expect(message.contains(PublishStage.metricName) && message.contains("unreadable numbers"), "\(message)")
    }

    /// An unknown code in the metric table, the other table the check reads.
    @Test func knownCityCodesInTheMetricTable() throws {
        let release = try TestSupport.goldenReleaseCopy()
        try TestSupport.editCell(release.appendingPathComponent(Self.metric), column: "CityCode", where: { $0["InvestmentYear"] == "2005" }) { _ in "990200" }
        let failing = try Self.onlyFailing("known_city_codes", in: release)
        #expect(failing.failures == ["investment \(PublishStage.metricName): unknown city codes 990200"])
    }

    /// A directed intercity row whose investee is turned into its investor:
    /// the sums stay the same, so only the self-link check can see it.
    @Test func noIntracityInIntercity() throws {
        let release = try TestSupport.goldenReleaseCopy()
        let row = try TestSupport.editCell(release.appendingPathComponent(Self.directed), column: "InvesteeCityCode", where: { $0["InvestmentYear"] == "2015" }) {
            $0["InvestorCityCode"]!
        }
        let failing = try Self.onlyFailing("no_intracity_in_intercity", in: release)
        #expect(failing.failures == ["investment \(PublishStage.directedName): 1 rows link a city to itself, e.g. \(row["InvestorCityCode"]!) in 2015"])
    }

    /// A code that is none of the 367 cities, in the directed intercity table
    /// (the row stays intercity and its weight stays, so no sum moves).
    @Test func knownCityCodes() throws {
        let release = try TestSupport.goldenReleaseCopy()
        try TestSupport.editCell(release.appendingPathComponent(Self.directed), column: "InvesteeCityCode") { _ in "990100" }
        let failing = try Self.onlyFailing("known_city_codes", in: release)
        #expect(failing.failures == ["investment \(PublishStage.directedName): unknown city codes 990100"])
    }

    /// One file's kept count raised by one: that file's rows no longer add
    /// up, and neither does the TOTAL row's Kept.
    @Test func accountingIdentity() throws {
        let release = try TestSupport.goldenReleaseCopy()
        let row = try TestSupport.editCell(release.appendingPathComponent(Self.accounting), column: "Kept", where: { $0["File"] == "records-002.csv" }) {
            String(Int($0["Kept"]!)! + 1)
        }
        let failing = try Self.onlyFailing("accounting_identity", in: release)
        let kept = Int(row["Kept"]!)!
        let table = try CSVTable.read(release.appendingPathComponent(Self.accounting))
        let keptColumn = try table.columnIndex("Kept")
        let firstFileKept = try #require(table.rows.first { $0[0] == "records-001.csv" }.flatMap { Int($0[keptColumn]) })
        let total = try #require(table.rows.last.flatMap { Int($0[keptColumn]) })
        #expect(total == kept + firstFileKept, "the TOTAL row is the untouched sum")
        #expect(failing.failures.count == 2, "\(failing.failures)")
        #expect(failing.failures.first == "records-002.csv: rows read 2000, kept + duplicates + rejected 2001")
        #expect(failing.failures.last == "TOTAL Kept is \(total) but the files add up to \(total + 1)", "\(failing.failures)")
    }

    /// A publish stage that wrote inconsistent tables, as a bug would: its
    /// cached artifact is edited and re-signed so the store trusts it, and
    /// validate is rerun. The run stops with exit 3 naming the check, and the
    /// release already in place stays byte for byte as it was.
    @Test func aRunWithABrokenInvariantLeavesTheReleaseAsItWas() throws {
        let project = try TestSupport.scratchProject()
        let input = "raw=\(TestSupport.defaultRaw)"
        let first = try TestSupport.runIIN(["run", "--input", input], in: project)
        #expect(first.status == 0, "\(first.errors)")
        let release = project.appendingPathComponent("release")
        let before = try TestSupport.snapshot(release)

        let publishArtifacts = project.appendingPathComponent(".iin/artifacts/publish")
        let fingerprints = try FileManager.default.contentsOfDirectory(atPath: publishArtifacts.path)
        try #require(fingerprints.count == 1)
        let artifact = publishArtifacts.appendingPathComponent(fingerprints[0])
        let table = artifact.appendingPathComponent(Self.metric)
        try TestSupport.editCell(table, column: "Indegree", where: { $0["InvestmentYear"] == "2010" && $0["Indegree"] != "0" }) {
            String(Int($0["Indegree"]!)! - 1)
        }
        try Self.resign(artifact, file: Self.metric)

        let broken = try TestSupport.runIIN(["run", "--input", input, "--force", "validate"], in: project)
        #expect(broken.status == 3, "\(broken.output)\n\(broken.errors)")
        #expect(broken.errors.contains("degree_sums: investment 2010: outdegrees"), "\(broken.errors)")
        #expect(!broken.output.contains("stale") && !broken.errors.contains("damaged"), "the re-signed artifact was trusted")
        #expect(try TestSupport.snapshot(release) == before, "the release was changed by a run whose invariants broke")
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent(".iin/reports/validation-failed.json").path))
    }

    /// Rewrites the size and SHA-256 of one file in an artifact's record.
    static func resign(_ artifact: URL, file: String) throws {
        let recordFile = artifact.appendingPathComponent("artifact.json")
        var record = try JSONDecoder().decode(ArtifactRecord.self, from: Data(contentsOf: recordFile))
        let url = artifact.appendingPathComponent(file)
        let index = try #require(record.files.firstIndex { $0.path == file })
        record.files[index].size = try Data(contentsOf: url).count
        record.files[index].sha256 = try FileHashCache.sha256(of: url)
        try JSONEncoder().encode(record).write(to: recordFile)
    }
}

@Suite("Golden update mode")
struct GoldenUpdateTests {
    /// An inherited IIN_UPDATE_GOLDEN must not turn CI's golden comparisons
    /// into self-comparisons.
    @Test func refusedUnderCIAndOffByDefault() throws {
        #expect(try GoldenUpdate.requested([:]) == false)
        #expect(try GoldenUpdate.requested(["IIN_UPDATE_GOLDEN": "0"]) == false)
        #expect(try GoldenUpdate.requested(["IIN_UPDATE_GOLDEN": "1"]) == true)
        #expect(try GoldenUpdate.requested(["IIN_UPDATE_GOLDEN": "1", "CI": "false"]) == true)
        for ci in ["1", "true", "yes"] {
            #expect(throws: TestFailure.self) { try GoldenUpdate.requested(["IIN_UPDATE_GOLDEN": "1", "CI": ci]) }
        }
    }
}
