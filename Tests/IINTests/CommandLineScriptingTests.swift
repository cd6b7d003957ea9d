import Foundation
import Testing
@testable import IIN

/// The command line as a nightly script uses it: exit codes it can branch
/// on, `status --check`, `run --dry-run`, JSON it can parse (checked
/// against the schemas in docs/schemas), and mistakes named as such.
@Suite("Command line for scripts")
struct CommandLineScriptingTests {
    static let schemas = TestSupport.repository.appendingPathComponent("docs/schemas")

    /// A whole project, as a user has one: the scratch project with the
    /// default raw records where pipeline.json looks for them.
    static func project(_ name: String = #function) throws -> URL {
        let project = try TestSupport.scratchProject(name)
        try FileManager.default.copyItem(at: TestSupport.fixtures.appendingPathComponent("default/raw"), to: project.appendingPathComponent("fixtures/default/raw"))
        return project
    }

    @Test func usageMistakesExit64AndSaySo() throws {
        let project = try Self.project()
        let force = try TestSupport.runIIN(["run", "--force", "nosuch"], in: project)
        #expect(force.status == 64 && force.errors.contains("--force 'nosuch'"), "\(force.status) \(force.errors)")
        let input = try TestSupport.runIIN(["status", "--input", "bogus=x.csv"], in: project)
        #expect(input.status == 64 && input.errors.contains("--input 'bogus=x.csv'"), "\(input.status) \(input.errors)")
        let missing = try TestSupport.runIIN(["status", "--pipeline", "missing.json"], in: project)
        #expect(missing.status == 64 && missing.errors.contains("missing.json") && missing.errors.contains("no such file"), "\(missing.errors)")
        #expect(!missing.errors.contains("stages"), "a missing pipeline file is not reported as a missing stages folder: \(missing.errors)")
        let geocode = try TestSupport.runIIN(["geocode", "北京市", "--pipeline", "missing.json"], in: project)
        #expect(geocode.status == 64 && geocode.errors.contains("no such file"), "\(geocode.errors)")
        let typo = try TestSupport.runIIN(["sttaus"], in: project)
        #expect(typo.status == 64 && typo.errors.contains("Did you mean 'status'?"), "\(typo.errors)")
        let nowhere = try TestSupport.runIIN(["status"], in: TestSupport.temporaryFolder())
        #expect(nowhere.status == 64 && nowhere.errors.contains("pipeline.json"), "\(nowhere.errors)")
    }

    /// Foundation's decoder would take the comma and hide whatever line
    /// was deleted after it.
    @Test func aTrailingCommaInThePipelineIsAnErrorWithItsLineAndColumn() throws {
        let project = try Self.project()
        let file = project.appendingPathComponent("pipeline.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        let edited = text.replacingOccurrences(of: #""max_year": 2025}"#, with: #""max_year": 2025,}"#)
        try #require(edited != text)
        try edited.write(to: file, atomically: true, encoding: .utf8)
        let lines = edited.components(separatedBy: "\n")
        let line = try #require(lines.firstIndex { $0.contains("2025,}") }) + 1
        let column = try #require(lines[line - 1].range(of: "2025,")).upperBound.utf16Offset(in: lines[line - 1])
        let result = try TestSupport.runIIN(["status"], in: project)
        #expect(result.status == 1)
        #expect(result.errors.contains("line \(line), column \(column): a comma before '}'"), "\(result.errors)")
        // A comment is refused the same way.
        try text.replacingOccurrences(of: "\"version\": 1,", with: "\"version\": 1, // the format").write(to: file, atomically: true, encoding: .utf8)
        let comment = try TestSupport.runIIN(["status"], in: project)
        #expect(comment.status == 1 && comment.errors.contains("a comment"), "\(comment.errors)")
        // A key given twice: Foundation keeps the first, Python the last.
        try text.replacingOccurrences(of: #""max_year": 2025}"#, with: #""max_year": 2025, "max_year": 2001}"#).write(to: file, atomically: true, encoding: .utf8)
        let twice = try TestSupport.runIIN(["status"], in: project)
        #expect(twice.status == 1 && twice.errors.contains("the key \"max_year\" a second time"), "\(twice.errors)")
        // What Foundation would report with no position gets one.
        for (broken, problem) in [(text.replacingOccurrences(of: #""max_year": 2025"#, with: #""max_year": NaN"#), "'N' outside a string"),
                                  (text.replacingOccurrences(of: #""encoding": "auto""#, with: #""encoding": 'auto'"#), "''' outside a string"),
                                  (String(text.prefix(200)), "the file ends"),
                                  ("\n  \n", "the file is empty")] {
            try broken.write(to: file, atomically: true, encoding: .utf8)
            let result = try TestSupport.runIIN(["status"], in: project)
            #expect(result.status == 1 && result.errors.contains(problem) && result.errors.contains("line "), "\(problem): \(result.errors)")
        }
        try ("\u{FEFF}" + text).write(to: file, atomically: true, encoding: .utf8)
        #expect(try TestSupport.runIIN(["dag"], in: project).status == 0, "a byte-order mark is no content")
    }

    /// A script reads the JSON of the run it started, failed or not, and
    /// learns of a place it cannot write before anything runs.
    @Test func aFailedRunWritesItsJSONAndAnUnwritableOneStopsItFirst() throws {
        let project = try Self.project()
        try "{\"old\": true}".write(to: project.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
        let file = project.appendingPathComponent("pipeline.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "\"years\": [2000, 2005, 2010, 2015, 2020]", with: "\"years\": [1985, 2020]")
            .write(to: file, atomically: true, encoding: .utf8)
        let failed = try TestSupport.runIIN(["run", "--json", "run.json"], in: project)
        #expect(failed.status == 1)
        let report = try JSONValue.parse(Data(contentsOf: project.appendingPathComponent("run.json")))
        #expect(report["error"]?["exit_code"]?.intValue == 1)
        #expect(report["error"]?["failed_stage"]?.stringValue == "aggregate", "\(report.canonical)")
        #expect(report["error"]?["message"]?.stringValue?.contains("1985") == true)
        // A run that stops before any stage carries no earlier run's stages,
        // and a pipeline that does not load is reported the same way.
        let nothing = try TestSupport.runIIN(["run", "--input", "raw=/nonexistent-folder/*.csv", "--json", "run.json"], in: project)
        #expect(nothing.status == 1)
        let none = try JSONValue.parse(Data(contentsOf: project.appendingPathComponent("run.json")))
        #expect(none["stages"]?.arrayValue?.isEmpty == true && none["error"]?["failed_stage"] == .null, "\(none.canonical)")
        try text.replacingOccurrences(of: #""max_year": 2025}"#, with: #""max_year": 2025,}"#).write(to: file, atomically: true, encoding: .utf8)
        #expect(try TestSupport.runIIN(["run", "--json", "run.json"], in: project).status == 1)
        let syntax = try JSONValue.parse(Data(contentsOf: project.appendingPathComponent("run.json")))
        #expect(syntax["error"]?["message"]?.stringValue?.contains("a comma before") == true, "\(syntax.canonical)")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let underAFile = try TestSupport.runIIN(["run", "--json", "pipeline.json/run.json"], in: project)
        #expect(underAFile.status == 64, "\(underAFile.errors)")
        let unwritable = try TestSupport.runIIN(["run", "--json", "/nonexistent-folder/run.json"], in: project)
        #expect(unwritable.status == 64 && unwritable.errors.contains("/nonexistent-folder"), "\(unwritable.errors)")
        #expect(!unwritable.output.contains("ran") && !FileManager.default.fileExists(atPath: project.appendingPathComponent("release").path), "nothing ran")
        #expect(try TestSupport.runIIN(["run", "--threads", "0"], in: project).status == 64)
        let audit = try TestSupport.runIIN(["audit", "no-such-release"], in: project)
        #expect(audit.status == 64 && audit.errors.contains("no such folder"), "\(audit.errors)")
    }

    @Test func statusCheckAndDryRunTellWithoutRunning() throws {
        let project = try Self.project()
        let never = try TestSupport.runIIN(["status", "--check"], in: project)
        #expect(never.status == 1, "nothing built yet is stale: \(never.output)")
        let dry = try TestSupport.runIIN(["run", "--dry-run", "--json", "-"], in: project)
        #expect(dry.status == 0, "\(dry.errors)")
        let plan = try JSONValue.parse(Data(dry.output.utf8))
        #expect(plan["dry_run"] == .bool(true))
        #expect(plan["stages"]?.arrayValue?.first?["status"]?.stringValue == "would_run")
        #expect(dry.errors.contains("ingest     would run"), "the text goes to standard error: \(dry.errors)")
        let artifacts = project.appendingPathComponent(".iin/artifacts")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: artifacts.path))?.isEmpty ?? true, "a dry run builds nothing")
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("release").path))

        let run = try TestSupport.runIIN(["run", "--quiet"], in: project)
        #expect(run.status == 0 && run.output.isEmpty, "--quiet prints nothing on success: \(run.output)")
        let fresh = try TestSupport.runIIN(["status", "--check"], in: project)
        #expect(fresh.status == 0, "\(fresh.output)")
        let forced = try TestSupport.runIIN(["run", "--dry-run", "--force", "publish"], in: project)
        #expect(forced.output.contains("ingest     cached") && forced.output.contains("publish    would run") && forced.output.contains("validate   would run"),
                "\(forced.output)")
        #expect(!forced.output.contains("\u{1B}["), "no colour off a terminal")
    }

    /// Every command's JSON against its schema, with the jsonschema
    /// package of the client venv.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["IIN_CLIENT_PYTHON"] != nil, "set IIN_CLIENT_PYTHON (.ci/run does)"))
    func everyJSONOutputMatchesItsSchema() throws {
        let project = try Self.project()
        func check(_ schema: String, _ document: URL) throws {
            let result = try TestSupport.runProgram(ProcessInfo.processInfo.environment["IIN_CLIENT_PYTHON"]!,
                                                    [TestSupport.repository.appendingPathComponent("Tests/clients/check_json.py").path,
                                                     Self.schemas.appendingPathComponent(schema).path, document.path], in: project)
            #expect(result.status == 0 && result.output.contains("valid"), "\(schema): \(result.output) \(result.errors)")
        }
        func json(_ name: String) -> URL { project.appendingPathComponent(name) }
        #expect(try TestSupport.runIIN(["run", "--dry-run", "--json", "dry.json"], in: project).status == 0)
        try check("run.schema.json", json("dry.json"))
        #expect(try TestSupport.runIIN(["run", "--json", "run.json"], in: project).status == 0)
        try check("run.schema.json", json("run.json"))
        let run = try JSONValue.parse(Data(contentsOf: json("run.json")))
        #expect(run["accounting"]?["holds"] == .bool(true))
        #expect(run["stages"]?.arrayValue?.count == 7)
        #expect(try TestSupport.runIIN(["status", "--json", "status.json"], in: project).status == 0)
        try check("status.schema.json", json("status.json"))
        #expect(try TestSupport.runIIN(["dag", "--json", "dag.json"], in: project).status == 0)
        try check("dag.schema.json", json("dag.json"))
        #expect(try TestSupport.runIIN(["audit", "release", "--json", "audit.json"], in: project).status == 0)
        try check("audit.schema.json", json("audit.json"))
        #expect(try TestSupport.runIIN(["compare", "release", "release", "--json", "compare.json"], in: project).status == 0)
        try check("compare.schema.json", json("compare.json"))
        for (name, text) in [("geocode-city.json", "贵州省遵义市红花岗区中华南路"), ("geocode-none.json", "某某公司"), ("geocode-hk.json", "香港特别行政区")] {
            #expect(try TestSupport.runIIN(["geocode", text, "--json", name], in: project).status == 0)
            try check("geocode.schema.json", json(name))
        }
        let city = try JSONValue.parse(Data(contentsOf: json("geocode-city.json")))
        #expect(city["result"]?["city"]?.stringValue == "520300")
    }

    @Test func sliceYearsWithoutRecordsFailBeforePublishing() throws {
        let project = try Self.project()
        let file = project.appendingPathComponent("pipeline.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "\"years\": [2000, 2005, 2010, 2015, 2020]", with: "\"years\": [1985, 2020, 2035]")
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try TestSupport.runIIN(["run"], in: project)
        #expect(result.status == 1)
        #expect(result.errors.contains("slice years 1985, 2035 hold no record: the kept records' investment years run from 1990 to 2024"), "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("release").path), "nothing was published")
    }

    @Test func gravityTakesPlacesByName() throws {
        let folder = TestSupport.temporaryFolder()
        try "name,mass\n上海,10\n苏州,6\n杭州,5\n".write(to: folder.appendingPathComponent("masses.csv"), atomically: true, encoding: .utf8)
        try "name,上海,苏州,杭州\n上海,,100,170\n苏州,100,,140\n杭州,170,140,\n".write(to: folder.appendingPathComponent("distances.csv"), atomically: true, encoding: .utf8)
        let result = try TestSupport.runIIN(["gravity", "--masses", "masses.csv", "--distances", "distances.csv", "--out", "out"], in: folder)
        #expect(result.status == 0, "\(result.errors)")
        let tree = try String(contentsOf: folder.appendingPathComponent("out/spanning-tree.csv"), encoding: .utf8)
        // F = M_i M_j / D^2: 上海-苏州 0.006, 苏州-杭州 0.00153, 上海-杭州 0.00173.
        #expect(tree.contains("上海,苏州,") && tree.contains("上海,杭州,") && !tree.contains("苏州,杭州,"), "\(tree)")
        // A name with a comma stays one cell; one a spreadsheet would run
        // is made text; a name with no mass is named, not dropped silently.
        try "name,mass\n\"Xi,an\",10\n=cmd,6\n".write(to: folder.appendingPathComponent("odd.csv"), atomically: true, encoding: .utf8)
        try "from,to,distance\n\"Xi,an\",=cmd,100\n\"Xi,an\",Lanzhou,500\n".write(to: folder.appendingPathComponent("odd-distances.csv"), atomically: true, encoding: .utf8)
        let odd = try TestSupport.runIIN(["gravity", "--masses", "odd.csv", "--distances", "odd-distances.csv", "--out", "odd"], in: folder)
        #expect(odd.status == 0 && odd.errors.contains("1 place(s)") && odd.errors.contains("Lanzhou"), "\(odd.errors)")
        let rows = try CSVTable.read(folder.appendingPathComponent("odd/gravity.csv")).rows
        #expect(rows.count == 1 && rows[0].count == 3 && rows[0][0] == "Xi,an" && rows[0][1] == "'=cmd", "\(rows)")
        try "place,mass\n上海,10\n".write(to: folder.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let bad = try TestSupport.runIIN(["gravity", "--masses", "bad.csv", "--distances", "distances.csv"], in: folder)
        #expect(bad.status == 1 && bad.errors.contains("city_code, city, name, id"), "\(bad.errors)")
    }

    @Test func progressSaysItsRateAndTheTimeLeft() {
        #expect(ProgressReporter.pace(done: 100 << 20, total: 300 << 20, unit: "bytes", seconds: 2) == ", 50.0 MB/s, about 4 s left")
        #expect(ProgressReporter.pace(done: 1000, total: 91_000, unit: "records", seconds: 1) == ", 1000 records/s, about 1 min 30 s left")
        #expect(ProgressReporter.pace(done: 0, total: 10, unit: "files", seconds: 1) == "")
        #expect(ProgressReporter.pace(done: 1, total: 4, unit: "steps", seconds: 2) == ", 0.5 steps/s, about 6 s left")
    }
}
