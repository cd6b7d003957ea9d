import Foundation
import Testing
@testable import IIN

/// The `iin` command as a user runs it.
@Suite("iin command line", .serialized)
struct EndToEndTests {
    static let golden = TestSupport.fixtures.appendingPathComponent("golden/default-release")

    /// The release of the embedded default data, file for file, against the
    /// golden copy in fixtures/golden/default-release. Set
    /// IIN_UPDATE_GOLDEN=1 to rewrite it after a deliberate change (the
    /// test then fails, asking for the diff to be reviewed).
    @Test func defaultRunMatchesTheGoldenRelease() throws {
        let project = try TestSupport.scratchProject()
        let result = try TestSupport.runIIN(["run", "--input", "raw=\(TestSupport.defaultRaw)"], in: project)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("accounting: rows read 4000 = kept"))
        #expect(result.output.contains("[holds]"))
        let release = project.appendingPathComponent("release")
        let produced = try ArtifactStore.listFiles(in: release) + ["manifest.json"]

        if try GoldenUpdate.requested() {
            try? FileManager.default.removeItem(at: Self.golden)
            try FileManager.default.createDirectory(at: Self.golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: release, to: Self.golden)
            GoldenUpdate.recordRewrite("fixtures/golden/default-release")
            return
        }
        let expected = try ArtifactStore.listFiles(in: Self.golden) + ["manifest.json"]
        #expect(produced.sorted() == expected.sorted())
        for name in expected {
            let want = try Data(contentsOf: Self.golden.appendingPathComponent(name))
            let got = try Data(contentsOf: release.appendingPathComponent(name))
            guard want != got else { continue }
            if let wantText = String(data: want, encoding: .utf8), let gotText = String(data: got, encoding: .utf8) {
                Issue.record("\(name) differs from the golden copy:\n\(Self.firstDifference(wantText, gotText))")
            } else {
                Issue.record("\(name) differs from the golden copy (\(want.count) bytes golden, \(got.count) produced)")
            }
        }
    }

    static func firstDifference(_ want: String, _ got: String) -> String {
        let wantLines = want.components(separatedBy: "\n")
        let gotLines = got.components(separatedBy: "\n")
        for index in 0..<max(wantLines.count, gotLines.count) {
            let left = index < wantLines.count ? wantLines[index] : "<end>"
            let right = index < gotLines.count ? gotLines[index] : "<end>"
            if left != right { return "line \(index + 1)\n- golden:   \(left)\n+ produced: \(right)" }
        }
        return "(no line differs)"
    }

    /// The published CSVs carry exactly the field names of outputs.md.
    @Test func publishedFieldNamesAreThoseOfTheContract() throws {
        let expectations: [(String, String)] = [
            (PublishStage.directedName, "CityDyad,InvestmentFrequency,InvestorCityCode,InvesteeCityCode,InvestorCity_LNG,InvestorCity_LAT,InvesteeCity_LNG,InvesteeCity_LAT,InvestorCityName_CN,InvestorCityName_EN,InvesteeCityName_CN,InvesteeCityName_EN,Distance_km,InvestmentYear"),
            (PublishStage.directedIntracityName, "CityDyad,InvestmentFrequency,InvestorCityCode,InvesteeCityCode,InvestorCity_LNG,InvestorCity_LAT,InvesteeCity_LNG,InvesteeCity_LAT,InvestorCityName_CN,InvestorCityName_EN,InvesteeCityName_CN,InvesteeCityName_EN,Distance_km,InvestmentYear"),
            (PublishStage.undirectedName, "CityDyad,InvestmentFrequency,CityACode,CityBCode,CityA_LNG,CityA_LAT,CityB_LNG,CityB_LAT,CityAname_CN,CityAname_EN,CityBname_CN,CityBname_EN,Distance_km,InvestmentYear"),
            (PublishStage.undirectedIntracityName, "CityDyad,InvestmentFrequency,CityACode,CityBCode,CityA_LNG,CityA_LAT,CityB_LNG,CityB_LAT,CityAname_CN,CityAname_EN,CityBname_CN,CityBname_EN,Distance_km,InvestmentYear"),
            (PublishStage.metricName, "CityCode,CityName_CN,CityName_EN,LNG,LAT,Outdegree,Indegree,NodeDegree,Rank_out,Rank_in,Rank_node,InvestmentYear"),
            (PublishStage.cityInfoName, "CityCode,CityName_CN,CityName_EN,ProvinceCode,ProvinceName_CN,Level,LNG,LAT"),
            (PublishStage.statisticsName, "Type,Year,Nodes,Dyads,Sum,Mean,Min,Median,Max,SD"),
            (PublishStage.accountingName, "File,RowsRead,Kept,Duplicate,Malformed,MissingName,BadDate,BadLinkType,SelfInvestment,OutsideMainland,Ungeocodable,InSlice,OutOfSlice"),
        ]
        for (name, header) in expectations {
            let text = try String(contentsOf: Self.golden.appendingPathComponent(name + ".csv"), encoding: .utf8)
            #expect(text.prefix { $0 != "\n" } == Substring(header), "\(name)")
        }
    }

    @Test func statusAndDagAfterARun() throws {
        let project = try TestSupport.scratchProject()
        let input = "raw=\(TestSupport.defaultRaw)"
        let before = try TestSupport.runIIN(["status", "--input", input], in: project)
        #expect(before.status == 0)
        #expect(before.output.contains("ingest     stale"))
        #expect(before.output.contains("because no earlier build"))
        #expect(before.output.contains("release    missing"))
        try TestSupport.runIIN(["run", "--input", input], in: project)
        let after = try TestSupport.runIIN(["status", "--input", input], in: project)
        #expect(!after.output.contains("stale"))
        #expect(after.output.contains("release    up to date"))
        let second = try TestSupport.runIIN(["run", "--input", input], in: project)
        #expect(second.output.contains("done: 0 stage(s) ran, 7 cached"))
        let dot = try TestSupport.runIIN(["dag", "--format", "dot"], in: project)
        #expect(dot.output.hasPrefix("digraph iin {"))
        #expect(dot.output.contains("\"aggregate\" -> \"degrees\""))
    }

    /// `iin geocode` answers with the city, the method and what it weighed;
    /// `--explain` adds every method's answer; the pipeline's overrides
    /// table is used.
    @Test func geocodeExplainsOneText() throws {
        let project = try TestSupport.scratchProject()
        let plain = try TestSupport.runIIN(["geocode", "贵州省遵义市红花岗区中华南路"], in: project)
        #expect(plain.status == 0, "\(plain.errors)")
        #expect(plain.output.contains("city: 520300 遵义市 (Zunyi)"))
        #expect(plain.output.contains("method: region"))
        #expect(plain.output.contains("红花岗区: county 520302 in 520300"))

        let ambiguous = try TestSupport.runIIN(["geocode", "朝阳区", "--explain"], in: project)
        #expect(ambiguous.output.contains("city: none"))
        #expect(ambiguous.output.contains("fits 2 cities (110000, 220100)"))
        #expect(ambiguous.output.contains("credit_code"))

        let overridden = try TestSupport.runIIN(["geocode", "--name", "嘉源供应链管理集团有限公司", "--address", "青山区万青路街道文化路123号"], in: project)
        #expect(overridden.output.contains("city: 150200"))
        #expect(overridden.output.contains("method: overrides"))

        let code = try TestSupport.runIIN(["geocode", "371202000654321"], in: project)
        #expect(code.output.contains("city: 370100"))
        #expect(code.output.contains("method: credit_code"))
    }

    @Test func aBadPipelineStopsWithItsJSONPath() throws {
        let project = try TestSupport.scratchProject()
        let file = project.appendingPathComponent("pipeline.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        try TestSupport.write(text.replacingOccurrences(of: "\"max_year\": 2025", with: "\"max_year\": \"2025\""), to: file)
        let result = try TestSupport.runIIN(["run"], in: project)
        #expect(result.status == 1)
        #expect(result.errors.contains("$.stages[0].params.max_year"))
        #expect(result.errors.contains("expected integer"))
    }

    @Test func aMissingInputIsNamed() throws {
        let project = try TestSupport.scratchProject()
        let result = try TestSupport.runIIN(["run", "--input", "raw=nowhere/*.csv"], in: project)
        #expect(result.status == 1)
        #expect(result.errors.contains("$.inputs.raw"))
        #expect(result.errors.contains("nowhere/*.csv"))
    }

    @Test func aBusyWorkFolderIsReportedWithTheHolder() throws {
        let project = try TestSupport.scratchProject()
        let work = project.appendingPathComponent(".iin")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let lock = try WorkLock(folder: work)
        defer { lock.release() }
        let result = try TestSupport.runIIN(["run", "--input", "raw=\(TestSupport.defaultRaw)"], in: project)
        #expect(result.status == 75)
        #expect(result.errors.contains("process \(getpid())"))
    }

    @Test func synthWritesACorpusAndTruth() throws {
        let folder = TestSupport.temporaryFolder()
        let result = try TestSupport.runIIN(["synth", "--records", "300", "--seed", "4", "--out", "corpus"], in: folder)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("wrote 300 records"))
        let truth = try CSVTable.read(folder.appendingPathComponent("corpus/truth.csv"))
        #expect(truth.rows.count == 300)
        // The committed default data is what the generator writes: the
        // command of docs/synth.md gives the records, the truth file and
        // the reference tables byte for byte.
        let again = try TestSupport.runIIN(["synth", "--records", "4000", "--seed", "2025", "--files", "2", "--out", "default"], in: folder)
        #expect(again.status == 0, "\(again.errors)")
        let made = try ArtifactStore.listFiles(in: folder.appendingPathComponent("default"))
        #expect(made == ["raw/records-001.csv", "raw/records-002.csv", "reference/\(ReferenceTables.gdpFile)", "reference/\(ReferenceTables.mobilityFile)",
                         "reference/\(ReferenceTables.topListsFile)", "truth.csv"].sorted(), "\(made)")
        for name in made {
            let bytes = try Data(contentsOf: folder.appendingPathComponent("default/\(name)"))
            let committed = try Data(contentsOf: TestSupport.fixtures.appendingPathComponent("default/\(name)"))
            #expect(bytes == committed, "\(name) differs from fixtures/default/\(name)")
        }
        let bad = try TestSupport.runIIN(["synth", "--records", "0", "--out", "x"], in: folder)
        #expect(bad.status == 64)
    }

    /// Each stage killed by SIGKILL at a fixed point, right after it has
    /// written half its output (the IIN_FAULT_KILL test hook), and the
    /// release placement likewise. After each kill the old release is whole,
    /// `artifacts/` holds only complete artifacts and the half-written
    /// output sits in `tmp/`; the next run clears `tmp/` and publishes the
    /// release an uninterrupted run publishes, byte for byte.
    @Test func aStageKilledHalfwayLeavesNothingALaterRunTrusts() throws {
        let project = try TestSupport.scratchProject()
        let raw = "raw=\(TestSupport.defaultRaw)"
        let reference = try TestSupport.runIIN(["run", "--input", raw, "--work", "reference-work", "--out", "reference"], in: project)
        #expect(reference.status == 0, "\(reference.errors)")
        let referenceRelease = try TestSupport.snapshot(project.appendingPathComponent("reference"))
        // The release in place before each killed run: the same figures
        // under another anonymisation key, so every byte a rerun must
        // replace differs.
        let otherKey = project.appendingPathComponent("other.key")
        try TestSupport.write("another key for the anonymised sample\n", to: otherKey)
        let previous = try TestSupport.runIIN(["run", "--input", raw, "--input", "anonymisation_key=\(otherKey.path)", "--work", "previous-work", "--out", "previous"],
                                              in: project)
        #expect(previous.status == 0, "\(previous.errors)")
        let previousRelease = try TestSupport.snapshot(project.appendingPathComponent("previous"))
        #expect(previousRelease != referenceRelease)

        // Half of what each stage writes: its artifact's files, less those
        // that are hard links to the input (ingest keeps the raw text so).
        var half: [String: Int] = [:]
        for stage in RunnerTests.allStages {
            let artifact = try Self.artifacts(of: stage, in: project.appendingPathComponent("reference-work"))
            let record = try #require(artifact.count == 1 ? artifact.first : nil, "\(stage): \(artifact.count) artifacts")
            half[stage] = record.files.filter { Self.linkCount(record.folder.appendingPathComponent($0.path)) == 1 }.reduce(0) { $0 + $1.size } / 2
        }
        half[ReleaseFolder.stagingStageName] = referenceRelease.values.reduce(0) { $0 + $1.count } / 2

        for stage in RunnerTests.allStages + [ReleaseFolder.stagingStageName] {
            let work = project.appendingPathComponent("work-\(stage)")
            let release = project.appendingPathComponent("release-\(stage)")
            try FileManager.default.copyItem(at: project.appendingPathComponent("previous"), to: release)
            let arguments = ["run", "--input", raw, "--work", work.path, "--out", release.path]
            let killed = try TestSupport.runIIN(arguments, in: project, environment: [DiskWrites.killVariable: "\(stage):\(half[stage]!)"])
            #expect(killed.status == 9, "\(stage): the hook did not kill the run (status \(killed.status)) \(killed.errors)")
            #expect(try TestSupport.snapshot(release) == previousRelease, "\(stage): the release in place changed")

            // Only whole artifacts, each at its recorded hashes, and none of
            // the killed stage.
            for other in RunnerTests.allStages {
                for artifact in try Self.artifacts(of: other, in: work) {
                    #expect(other != stage, "\(stage): an artifact of the killed stage is in artifacts/")
                    let listed = Set(artifact.files.map(\.path))
                    let present = try ArtifactStore.listFiles(in: artifact.folder)
                    #expect(Set(present) == listed, "\(other): \(present) \(listed)")
                    for file in artifact.files {
                        #expect(try FileHashCache.sha256(of: artifact.folder.appendingPathComponent(file.path)) == file.sha256, "\(other)/\(file.path)")
                    }
                }
            }
            // The kill came mid-stage: its half-written output is in tmp/
            // (for the release, beside the destination).
            let leftovers = stage == ReleaseFolder.stagingStageName
                ? try FileManager.default.contentsOfDirectory(atPath: project.path).filter { $0.hasPrefix(".\(release.lastPathComponent).partial-") }
                : try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("tmp").path).filter { $0.hasPrefix(stage + "-") && !$0.hasPrefix(stage + "-scratch-") }
            #expect(leftovers.count == 1, "\(stage): \(leftovers)")
            if let partial = leftovers.first {
                let folder = (stage == ReleaseFolder.stagingStageName ? project : work.appendingPathComponent("tmp")).appendingPathComponent(partial)
                let written = try ArtifactStore.listFiles(in: folder).reduce(0) { $0 + Self.size(folder.appendingPathComponent($1)) }
                #expect(written > half[stage]! / 2, "\(stage): \(written) bytes in \(partial), half the output is \(half[stage]!)")
            }

            let rerun = try TestSupport.runIIN(arguments, in: project)
            #expect(rerun.status == 0, "\(stage): \(rerun.errors)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("tmp").path).isEmpty, "\(stage): tmp/ not cleared")
            #expect(try FileManager.default.contentsOfDirectory(atPath: project.path).filter { $0.hasPrefix(".\(release.lastPathComponent).") }.isEmpty, "\(stage)")
            #expect(try TestSupport.snapshot(release) == referenceRelease, "\(stage): the rerun's release differs from an uninterrupted run's")
        }
    }

    /// A test hook with a value that names no stage or no byte count is
    /// refused before anything runs, naming the variable; one that is set
    /// says so, so a hook left in a nightly job's environment is never
    /// silent.
    @Test func aMalformedTestHookIsRefusedAndASetOneIsAnnounced() throws {
        let project = try TestSupport.scratchProject()
        let raw = "raw=\(TestSupport.defaultRaw)"
        for (variable, value) in [(DiskWrites.killVariable, "geocode:abc"), (DiskWrites.killVariable, "geocode:-5"), (DiskWrites.killVariable, "geocode"),
                                  (DiskWrites.killVariable, "geocode:99999999999999999999"), (DiskWrites.killVariable, "nosuchstage:10"),
                                  (DiskWrites.killVariable, "GEOCODE:10"), (DiskWrites.faultVariable, ":100"), (DiskWrites.faultVariable, "publish:1:2")] {
            let result = try TestSupport.runIIN(["run", "--input", raw], in: project, environment: [variable: value])
            #expect(result.status == 1, "\(variable)=\(value): \(result.status) \(result.errors)")
            #expect(result.errors.contains("error: \(variable) '\(value)': expected STAGE"), "\(variable)=\(value): \(result.errors)")
        }
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("release").path), "a refused hook ran the pipeline")
        let announced = try TestSupport.runIIN(["run", "--input", raw], in: project, environment: [DiskWrites.killVariable: "publish:999999999"])
        #expect(announced.status == 0, "\(announced.errors)")
        #expect(announced.errors.contains("test hook IIN_FAULT_KILL=publish:999999999 is set: if stage publish runs and writes more than 999999999 bytes, it is killed with SIGKILL"),
                "\(announced.errors)")
    }

    struct StoredArtifact {
        var folder: URL
        var files: [ArtifactRecord.FileEntry]
    }

    /// The artifacts of a stage in a work folder, with what each records.
    static func artifacts(of stage: String, in work: URL) throws -> [StoredArtifact] {
        let folder = work.appendingPathComponent("artifacts/\(stage)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return try names.sorted().map { name in
            let artifact = folder.appendingPathComponent(name)
            let record = try JSONDecoder().decode(ArtifactRecord.self, from: Data(contentsOf: artifact.appendingPathComponent("artifact.json")))
            return StoredArtifact(folder: artifact, files: record.files)
        }
    }

    static func size(_ url: URL) -> Int {
        var status = stat()
        return stat(url.path, &status) == 0 ? Int(status.st_size) : 0
    }

    static func linkCount(_ url: URL) -> Int {
        var status = stat()
        return stat(url.path, &status) == 0 ? Int(status.st_nlink) : 0
    }
}
