import Foundation
import Testing
@testable import IIN

@Suite("pipeline.json checks")
struct PipelineTests {
    /// Loads a pipeline text from a scratch folder with the real stage
    /// definitions and the default fixture as raw input.
    func load(_ text: String) throws(IINError) -> Pipeline {
        let folder = TestSupport.temporaryFolder()
        let file = folder.appendingPathComponent("pipeline.json")
        try? TestSupport.write(text.replacingOccurrences(of: "RAW", with: TestSupport.fixtures.appendingPathComponent("default/raw/*.csv").path), to: file)
        let pipeline = try Pipeline.load(file: file, stageFolder: TestSupport.stages, catalog: .standard)
        for stage in pipeline.stages { for input in stage.inputs { _ = try pipeline.files(forInput: input) } }
        return pipeline
    }

    func error(_ text: String) -> IINError? {
        do { _ = try load(text); return nil } catch { return error }
    }

    static let good = """
    {"version": 1, "inputs": {"raw": "RAW"}, "stages": [
      {"name": "ingest", "kind": "ingest", "inputs": ["raw"]},
      {"name": "geocode", "kind": "geocode", "needs": ["ingest"]},
      {"name": "dedupe", "kind": "dedupe", "needs": ["geocode"]},
      {"name": "aggregate", "kind": "aggregate", "needs": ["geocode", "dedupe"], "params": {"slices": {"mode": "window"}}}
    ]}
    """

    @Test func defaultsAreFilledIn() throws {
        let pipeline = try load(Self.good)
        let aggregate = try #require(pipeline.stage(named: "aggregate"))
        #expect(aggregate.parameters["slices"]?["mode"] == .string("window"))
        #expect(aggregate.parameters["slices"]?["years"] == .array([2000, 2005, 2010, 2015, 2020].map(JSONValue.integer)))
        #expect(pipeline.stage(named: "ingest")?.parameters["max_year"] == .integer(2025))
    }

    /// `release` names the placing of the release (in the run log and the
    /// test hooks), so no stage may be called that.
    @Test func aStageCannotBeCalledRelease() {
        let text = Self.good.replacingOccurrences(of: "{\"name\": \"dedupe\", \"kind\": \"dedupe\", \"needs\": [\"geocode\"]}",
                                                  with: "{\"name\": \"release\", \"kind\": \"dedupe\", \"needs\": [\"geocode\"]}")
        #expect(text != Self.good)
        let failure = error(text)
        guard case let .pipeline(_, jsonPath, problem, _) = failure else { Issue.record("\(String(describing: failure))"); return }
        #expect(jsonPath == "$.stages[2].name" && problem == "a stage named 'release'")
    }

    @Test func stagesAreOrderedByNeeds() throws {
        let pipeline = try load("""
        {"version": 1, "inputs": {"raw": "RAW"}, "stages": [
          {"name": "geocode", "kind": "geocode", "needs": ["ingest"]},
          {"name": "ingest", "kind": "ingest", "inputs": ["raw"]}
        ]}
        """)
        #expect(pipeline.stages.map(\.name) == ["ingest", "geocode"])
    }

    @Test func theRepositoryPipelineLoads() throws {
        let pipeline = try Pipeline.load(file: TestSupport.pipelineFile, stageFolder: TestSupport.stages, catalog: .standard)
        #expect(pipeline.stages.map(\.kind) == ["ingest", "geocode", "dedupe", "aggregate", "degrees", "publish", "validate"])
        #expect(pipeline.downstream(of: "aggregate") == ["aggregate", "degrees", "publish", "validate"])
    }

    @Test func unknownStageKindNamesItsPath() {
        let error = error(Self.good.replacingOccurrences(of: "\"kind\": \"dedupe\"", with: "\"kind\": \"dedup\""))
        guard case let .pipeline(_, path, problem, fix)? = error else { Issue.record("expected a pipeline error, got \(String(describing: error))"); return }
        #expect(path == "$.stages[2].kind")
        #expect(problem.contains("dedup"))
        #expect(fix.contains("dedupe"))
    }

    @Test func cycleIsNamed() {
        let error = error(Self.good.replacingOccurrences(of: "{\"name\": \"ingest\", \"kind\": \"ingest\", \"inputs\": [\"raw\"]}",
                                                        with: "{\"name\": \"ingest\", \"kind\": \"ingest\", \"inputs\": [\"raw\"], \"needs\": [\"dedupe\"]}"))
        guard case let .pipeline(_, path, problem, _)? = error else { Issue.record("expected a pipeline error, got \(String(describing: error))"); return }
        #expect(path.hasPrefix("$.stages["))
        #expect(problem.contains("cycle"))
        #expect(problem.contains("ingest") && problem.contains("geocode") && problem.contains("dedupe"))
    }

    @Test func missingInputFileNamesTheInput() {
        let error = error(Self.good.replacingOccurrences(of: "\"RAW\"", with: "\"/nonexistent/*.csv\""))
        guard case let .pipeline(_, path, problem, fix)? = error else { Issue.record("expected a pipeline error, got \(String(describing: error))"); return }
        #expect(path == "$.inputs.raw")
        #expect(problem.contains("/nonexistent/*.csv"))
        #expect(fix.contains("--input raw="))
    }

    @Test func wrongParameterTypeNamesThePath() {
        let error = error(Self.good.replacingOccurrences(of: "{\"mode\": \"window\"}", with: "{\"mode\": \"window\", \"years\": \"2000\"}"))
        guard case let .pipeline(_, path, problem, _)? = error else { Issue.record("expected a pipeline error, got \(String(describing: error))"); return }
        #expect(path == "$.stages[3].params.slices.years")
        #expect(problem.contains("expected array"))
    }

    /// The release guard's limit: a share, read from `$.guard`, and any
    /// other value or key named by its path.
    @Test func theGuardLimitIsReadAndCheckedByPath() throws {
        let with = { (guardJSON: String) in Self.good.replacingOccurrences(of: "{\"version\": 1,", with: "{\"version\": 1, \"guard\": \(guardJSON),") }
        func limits(_ pipeline: Pipeline) throws -> ReleaseGuard.Limits {
            try pipeline.settings[ReleaseGuard.settingKey].map { try ReleaseGuard.Limits($0, file: "test") } ?? ReleaseGuard.Limits()
        }
        #expect(try limits(load(Self.good)).maxDrop == 0.2)
        #expect(try limits(load(with("{\"max_drop\": 0.05}"))).maxDrop == 0.05)
        for (bad, path) in [("{\"max_drop\": 1.5}", "$.guard.max_drop"), ("{\"max_drop\": \"20%\"}", "$.guard.max_drop"), ("{\"maxdrop\": 0.2}", "$.guard.maxdrop"),
                            ("0.2", "$.guard")] {
            guard case let .pipeline(_, found, _, _)? = error(with(bad)) else { Issue.record("\(bad) was accepted"); continue }
            #expect(found == path)
        }
    }

    @Test func unknownParameterAndBadEnumAreRefused() {
        let unknown = error(Self.good.replacingOccurrences(of: "{\"mode\": \"window\"}", with: "{\"mode\": \"window\", \"yeras\": []}"))
        guard case let .pipeline(_, path, _, fix)? = unknown else { Issue.record("expected a pipeline error"); return }
        #expect(path == "$.stages[3].params.slices.yeras")
        #expect(fix.contains("years"))
        let badEnum = error(Self.good.replacingOccurrences(of: "\"window\"", with: "\"rolling\""))
        guard case let .pipeline(_, enumPath, _, enumFix)? = badEnum else { Issue.record("expected a pipeline error"); return }
        #expect(enumPath == "$.stages[3].params.slices.mode")
        #expect(enumFix.contains("point") && enumFix.contains("window"))
    }

    @Test func unknownNeedAndDuplicateNameAreRefused() {
        guard case let .pipeline(_, path, _, _)? = error(Self.good.replacingOccurrences(of: "\"needs\": [\"geocode\"]", with: "\"needs\": [\"geocoder\"]")) else {
            Issue.record("expected a pipeline error"); return
        }
        #expect(path == "$.stages[2].needs[0]")
        guard case let .pipeline(_, duplicatePath, _, _)? = error(Self.good.replacingOccurrences(of: "\"name\": \"dedupe\"", with: "\"name\": \"geocode\"")) else {
            Issue.record("expected a pipeline error"); return
        }
        #expect(duplicatePath == "$.stages[2].name")
    }

    @Test func invalidJSONIsReported() {
        guard case let .pipeline(_, path, _, _)? = error("{\"version\": 1,") else { Issue.record("expected a pipeline error"); return }
        #expect(path == "$")
    }
}
