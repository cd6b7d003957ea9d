import Foundation
import Testing
@testable import IIN

/// The caching promises of docs/pipeline.md, one test each: what a rebuild
/// reruns, why it says it does, and what it leaves alone.
@Suite("Caching promises")
struct CachingPromiseTests {
    static let pointSlices = "{\"mode\": \"point\", \"years\": [2000, 2005, 2010, 2015, 2020]}"

    /// Rewrites the aggregate stage's slice parameters in a project.
    static func setSlices(_ project: URL, _ slices: String) throws {
        let file = project.appendingPathComponent("pipeline.json")
        var text = try String(contentsOf: file, encoding: .utf8)
        let line = try #require(text.components(separatedBy: "\n").first { $0.contains("\"kind\": \"aggregate\"") })
        let start = try #require(line.range(of: "{\"slices\": "))
        let replacement = line[..<start.upperBound] + slices + "}},"
        text = text.replacingOccurrences(of: line, with: String(replacement))
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    static func plans(_ workspace: Workspace, gazetteer: Gazetteer? = nil) throws -> [String: StagePlan] {
        let runner = Runner(pipeline: workspace.pipeline, catalog: workspace.catalog, workFolder: workspace.workFolder, gazetteer: gazetteer ?? workspace.gazetteer,
                            log: CollectingLog(), progress: ProgressReporter(style: .silent))
        let store = ArtifactStore(workFolder: workspace.workFolder)
        let plans = try runner.plan(check: .content, hashCache: FileHashCache(storeURL: store.stateFolder.appendingPathComponent("file-hashes.json")))
        return Dictionary(uniqueKeysWithValues: plans.map { ($0.stage.name, $0) })
    }

    static func artifactFolders(_ project: URL, stage: String) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: project.appendingPathComponent(".iin/artifacts/\(stage)").path))
    }

    /// Switching a parameter back finds its artifacts still in the store: no
    /// stage runs and the release is the first one again. The store keeps
    /// the three most recently used artifacts per stage and prunes the rest.
    @Test func switchingAParameterBackIsACacheHitAndThreeArtifactsAreKept() throws {
        let project = try TestSupport.scratchProject()
        let variants = [Self.pointSlices,
                        "{\"mode\": \"window\", \"years\": [2000, 2005, 2010, 2015, 2020], \"width\": 5}",
                        "{\"mode\": \"window\", \"years\": [2000, 2005, 2010, 2015, 2020], \"width\": 3}",
                        "{\"mode\": \"window\", \"years\": [2000, 2005, 2010, 2015, 2020], \"width\": 2}"]
        func run(_ variant: Int, _ release: String) throws -> (CollectingLog, Data) {
            try Self.setSlices(project, variants[variant])
            let folder = project.appendingPathComponent(release)
            let (log, _) = try TestSupport.workspace(project).runCollecting(release: folder)
            return (log, try Data(contentsOf: folder.appendingPathComponent("manifest.json")))
        }
        let (_, pointManifest) = try run(0, "release-point")
        let pointAggregate = try Self.artifactFolders(project, stage: "aggregate")
        let (window, _) = try run(1, "release-window5")
        #expect(window.ran == ["aggregate", "degrees", "publish", "validate"])
        let windowAggregate = try Self.artifactFolders(project, stage: "aggregate").subtracting(pointAggregate)

        let (back, backManifest) = try run(0, "release-point-again")
        #expect(back.ran.isEmpty, "switching back reran \(back.ran)")
        #expect(back.cached == RunnerTests.allStages)
        #expect(backManifest == pointManifest)

        // Two more variants: window 5 is now the least recently used.
        _ = try run(2, "release-window3")
        _ = try run(3, "release-window2")
        for stage in ["aggregate", "degrees", "publish", "validate"] {
            #expect(try Self.artifactFolders(project, stage: stage).count == 3, "\(stage) keeps three artifacts")
        }
        for stage in ["ingest", "geocode", "dedupe"] {
            #expect(try Self.artifactFolders(project, stage: stage).count == 1, "\(stage) built once")
        }
        let kept = try Self.artifactFolders(project, stage: "aggregate")
        #expect(kept.isSuperset(of: pointAggregate) && kept.isDisjoint(with: windowAggregate), "\(kept)")
        try Self.setSlices(project, variants[0])
        #expect(try Self.plans(TestSupport.workspace(project))["aggregate"]?.upToDate == true)
        try Self.setSlices(project, variants[1])
        let pruned = try #require(try Self.plans(TestSupport.workspace(project))["aggregate"])
        #expect(pruned.reasons == [.parameterChanged(path: "slices.width", from: "2", to: "5")], "window 5 was pruned: \(pruned.reasons)")
    }

    /// A deleted artifact is rebuilt for that reason alone, and what
    /// depends on it is not rerun: the rebuild writes the same bytes, and
    /// the stages after it are keyed on those bytes (early cutoff).
    @Test func aMissingArtifactIsRebuiltAlone() throws {
        let project = try TestSupport.scratchProject()
        let release = project.appendingPathComponent("release")
        _ = try TestSupport.workspace(project).runCollecting(release: release)
        let manifest = try Data(contentsOf: release.appendingPathComponent("manifest.json"))
        try FileManager.default.removeItem(at: project.appendingPathComponent(".iin/artifacts/degrees"))

        let plans = try Self.plans(TestSupport.workspace(project))
        #expect(plans["degrees"]?.reasons == [.artifactMissing])
        #expect(plans.values.filter { !$0.reasons.isEmpty }.map(\.stage.name) == ["degrees"])
        #expect(plans["publish"]?.waitingOn == ["degrees"] && plans["validate"]?.waitingOn == ["publish"])
        #expect(plans["aggregate"]?.upToDate == true && plans["aggregate"]?.waitingOn == [])
        let (log, _) = try TestSupport.workspace(project).runCollecting(release: release)
        #expect(log.ran == ["degrees"])
        #expect(log.cached == ["ingest", "geocode", "dedupe", "aggregate", "publish", "validate"])
        let sentence = "degrees reran; its output is unchanged, so publish, validate are cached"
        #expect(ArtifactStore(workFolder: project.appendingPathComponent(".iin")).lastRun()?.cutoffs == [sentence])
        let status = try TestSupport.runIIN(["status", "--input", "raw=\(TestSupport.defaultRaw)"], in: project)
        #expect(status.status == 0 && status.output.contains(sentence), "\(status.output)\n\(status.errors)")
        #expect(try Data(contentsOf: release.appendingPathComponent("manifest.json")) == manifest)
    }

    /// The input's files in another order (two crawl folders whose names
    /// now sort the other way) change record order, so ingest reruns and
    /// says why; the same files moved to another place rebuild nothing.
    @Test func inputOrderMattersAndAMoveDoesNot() throws {
        let project = try TestSupport.scratchProject()
        let crawl = project.appendingPathComponent("crawl")
        let raw = TestSupport.fixtures.appendingPathComponent("default/raw")
        try FileManager.default.createDirectory(at: crawl.appendingPathComponent("a"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: crawl.appendingPathComponent("b"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: raw.appendingPathComponent("records-002.csv"), to: crawl.appendingPathComponent("a/records-002.csv"))
        try FileManager.default.copyItem(at: raw.appendingPathComponent("records-001.csv"), to: crawl.appendingPathComponent("b/records-001.csv"))
        let release = project.appendingPathComponent("release")
        let glob = crawl.path + "/*/*.csv"
        let (first, _) = try TestSupport.workspace(project, raw: glob).runCollecting(release: release)
        #expect(first.ran.count == 7)

        // Moved, names and bytes unchanged: nothing is rebuilt.
        let moved = project.appendingPathComponent("elsewhere/crawl")
        try FileManager.default.createDirectory(at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: crawl, to: moved)
        let movedGlob = moved.path + "/*/*.csv"
        #expect(try Self.plans(TestSupport.workspace(project, raw: movedGlob)).values.allSatisfy(\.upToDate))
        let (afterMove, _) = try TestSupport.workspace(project, raw: movedGlob).runCollecting(release: release)
        #expect(afterMove.ran.isEmpty, "moving the raw files reran \(afterMove.ran)")

        // Folder a renamed c: records-001.csv now comes first.
        try FileManager.default.moveItem(at: moved.appendingPathComponent("a"), to: moved.appendingPathComponent("c"))
        let plans = try Self.plans(TestSupport.workspace(project, raw: movedGlob))
        #expect(plans["ingest"]?.reasons == [.inputOrderChanged(input: "raw")])
        #expect(RerunReason.inputOrderChanged(input: "raw").description == "input raw: file order changed")
    }

    /// Another gazetteer (one city's coordinates moved) reruns exactly the
    /// stages that read it, for that reason.
    @Test func aChangedGazetteerIsAReason() throws {
        let project = try TestSupport.scratchProject()
        _ = try TestSupport.workspace(project).runCollecting(release: project.appendingPathComponent("release"))
        let tables = TestSupport.temporaryFolder("gazetteer")
        for name in Gazetteer.dataFiles {
            try FileManager.default.copyItem(at: Gazetteer.resourceFolder.appendingPathComponent(name), to: tables.appendingPathComponent(name))
        }
        let cities = tables.appendingPathComponent("cities.csv")
        let text = try String(contentsOf: cities, encoding: .utf8)
        #expect(text.contains(",116.407394,39.904211"))
        try text.replacingOccurrences(of: ",116.407394,39.904211", with: ",116.407394,39.904212").write(to: cities, atomically: true, encoding: .utf8)
        let moved = try Gazetteer.load(from: tables)
        #expect(moved.digest != (try TestSupport.gazetteer()).digest)

        let plans = try Self.plans(TestSupport.workspace(project), gazetteer: moved)
        for stage in ["geocode", "publish", "validate"] {
            #expect(plans[stage]?.reasons.contains(.gazetteerChanged) == true, "\(stage): \(plans[stage]?.reasons ?? [])")
        }
        #expect(plans["geocode"]?.reasons == [.gazetteerChanged])
        #expect(plans["ingest"]?.upToDate == true)
        // Whether dedupe reruns depends on whether geocode's output changes.
        #expect(plans["dedupe"]?.reasons == [] && plans["dedupe"]?.waitingOn == ["geocode"])
    }

    /// A destination that already holds this release is not rewritten, even
    /// when the stages behind it ran again: same folder, same files, same
    /// modification times.
    @Test func aDestinationHoldingThisReleaseIsLeftUntouched() throws {
        let project = try TestSupport.scratchProject()
        let release = project.appendingPathComponent("release")
        _ = try TestSupport.workspace(project).runCollecting(release: release)
        let before = try Self.identities(release)
        let (log, _) = try TestSupport.workspace(project).runCollecting(force: ["publish"], release: release)
        #expect(log.ran == ["publish", "validate"])
        #expect(try Self.identities(release) == before)
    }

    /// Inode and modification time of the folder and of every file in it.
    static func identities(_ folder: URL) throws -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        for name in [""] + (try ArtifactStore.listFiles(in: folder)) + ["manifest.json"] {
            var status = stat()
            try #require(stat(folder.appendingPathComponent(name).path, &status) == 0)
            result[name] = [Int(status.st_ino), Int(status.st_mtim.tv_sec), Int(status.st_mtim.tv_nsec)]
        }
        return result
    }
}
