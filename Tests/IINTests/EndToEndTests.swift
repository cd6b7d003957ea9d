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

        let overridden = try TestSupport.runIIN(["geocode", "--name", "航达食品有限责任公司", "--address", "青山区冶金街道胜利路228号"], in: project)
        #expect(overridden.output.contains("city: 420100"))
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
        // corpus's seed and size give the reference tables byte for byte.
        let again = try TestSupport.runIIN(["synth", "--records", "4000", "--seed", "2025", "--files", "2", "--out", "default"], in: folder)
        #expect(again.status == 0, "\(again.errors)")
        for name in [ReferenceTables.mobilityFile, ReferenceTables.gdpFile, ReferenceTables.topListsFile] {
            let made = try Data(contentsOf: folder.appendingPathComponent("default/reference/\(name)"))
            let committed = try Data(contentsOf: TestSupport.fixtures.appendingPathComponent("default/reference/\(name)"))
            #expect(made == committed, "\(name) differs from fixtures/default/reference")
        }
        let bad = try TestSupport.runIIN(["synth", "--records", "0", "--out", "x"], in: folder)
        #expect(bad.status == 64)
    }

    /// kill -9 in the middle of each stage, then `iin run`: the release is
    /// byte-identical to an uninterrupted run's.
    @Test func killedRunsLeaveNothingALaterRunTrusts() throws {
        let folder = TestSupport.temporaryFolder()
        let corpus = folder.appendingPathComponent("corpus")
        _ = try CorpusGenerator(options: .init(records: 40000, seed: 21, files: 2), gazetteer: TestSupport.gazetteer())
            .write(to: corpus, progress: ProgressReporter(style: .silent))
        let project = try TestSupport.scratchProject()
        let input = "raw=\(corpus.path)/raw/*.csv"
        let reference = try TestSupport.runIIN(["run", "--input", input, "--work", "reference-work", "--out", "reference"], in: project)
        #expect(reference.status == 0, "\(reference.errors)")
        let referenceManifest = try Data(contentsOf: project.appendingPathComponent("reference/manifest.json"))

        var interrupted: [String] = []
        for stage in RunnerTests.allStages {
            let work = project.appendingPathComponent("work-\(stage)")
            let process = Process()
            process.executableURL = try TestSupport.executable()
            process.arguments = ["run", "--input", input, "--work", work.path, "--out", "release-\(stage)"]
            process.currentDirectoryURL = project
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let temporary = work.appendingPathComponent("tmp")
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning && Date() < deadline {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
                if entries.contains(where: { $0.hasPrefix(stage + "-") }) { break }
                usleep(1000)
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                interrupted.append(stage)
            }
            process.waitUntilExit()
            let rerun = try TestSupport.runIIN(["run", "--input", input, "--work", work.path, "--out", "release-\(stage)"], in: project)
            #expect(rerun.status == 0, "\(stage): \(rerun.errors)")
            #expect(try Data(contentsOf: project.appendingPathComponent("release-\(stage)/manifest.json")) == referenceManifest, "\(stage)")
        }
        // The stages that run long enough to be caught must have been.
        #expect(interrupted.contains("ingest") && interrupted.contains("geocode") && interrupted.contains("publish"), "\(interrupted)")
    }
}
