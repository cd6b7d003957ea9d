import Foundation
import Testing
@testable import IIN

@Suite("Runner: caching, reasons, damage, locking")
struct RunnerTests {
    static let allStages = ["ingest", "geocode", "dedupe", "aggregate", "degrees", "publish", "validate"]

    @Test func secondRunIsAllCachedAndReleaseUnchanged() throws {
        let project = try TestSupport.scratchProject()
        let workspace = try TestSupport.workspace(project)
        let release = project.appendingPathComponent("release")
        let (first, _) = try workspace.runCollecting(release: release)
        #expect(first.ran == Self.allStages)
        #expect(first.results.allSatisfy { $0.reasons == [.neverBuilt] })
        let manifest = try Data(contentsOf: release.appendingPathComponent("manifest.json"))
        let (second, _) = try workspace.runCollecting(release: release)
        #expect(second.cached == Self.allStages)
        #expect(second.ran.isEmpty)
        #expect(try Data(contentsOf: release.appendingPathComponent("manifest.json")) == manifest)
        #expect(second.results.first { $0.stage == "ingest" }?.counts["rows_read"] == 4000)
    }

    @Test func changingAnAggregateParameterRerunsExactlyItsDownstream() throws {
        let project = try TestSupport.scratchProject()
        let release = project.appendingPathComponent("release")
        _ = try TestSupport.workspace(project).runCollecting(release: release)

        let file = project.appendingPathComponent("pipeline.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        try TestSupport.write(text.replacingOccurrences(of: "\"mode\": \"point\"", with: "\"mode\": \"window\""), to: file)
        let workspace = try TestSupport.workspace(project)
        let store = ArtifactStore(workFolder: workspace.workFolder)
        let plans = try workspace.runner(log: CollectingLog(), progress: ProgressReporter(style: .silent))
            .plan(check: .sizes, hashCache: FileHashCache(storeURL: store.stateFolder.appendingPathComponent("file-hashes.json")))
        #expect(plans.filter { !$0.upToDate }.map(\.stage.name) == ["aggregate", "degrees", "publish", "validate"])
        #expect(plans.first { $0.stage.name == "aggregate" }?.reasons == [.parameterChanged(path: "slices.mode", from: "\"point\"", to: "\"window\"")])

        let (log, _) = try workspace.runCollecting(release: release)
        #expect(log.ran == ["aggregate", "degrees", "publish", "validate"])
        #expect(log.cached == ["ingest", "geocode", "dedupe"])
    }

    @Test func forceRerunsTheStageAndItsDependents() throws {
        let project = try TestSupport.scratchProject()
        let workspace = try TestSupport.workspace(project)
        let release = project.appendingPathComponent("release")
        _ = try workspace.runCollecting(release: release)
        let (log, _) = try workspace.runCollecting(force: ["degrees"], release: release)
        #expect(log.ran == ["degrees", "publish", "validate"])
        #expect(log.results.first { $0.stage == "degrees" }?.reasons.first == .forced)
        #expect(throws: IINError.self) { try workspace.runCollecting(force: ["nonsense"], release: release) }
    }

    @Test func damagedArtifactIsDiscardedWithAWarningAndRebuilt() throws {
        let project = try TestSupport.scratchProject()
        let workspace = try TestSupport.workspace(project)
        let release = project.appendingPathComponent("release")
        let (first, _) = try workspace.runCollecting(release: release)
        let manifest = try Data(contentsOf: release.appendingPathComponent("manifest.json"))
        let dedupe = try #require(first.results.first { $0.stage == "dedupe" })
        let kept = dedupe.artifact.appendingPathComponent(DuplicateBitmap.fileName)
        var bytes = try Data(contentsOf: kept)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: kept)

        let (log, _) = try workspace.runCollecting(release: release)
        #expect(log.ran == ["dedupe"])
        #expect(log.warnings.contains { $0.contains("dedupe") && $0.contains("damaged") })
        #expect(try Data(contentsOf: release.appendingPathComponent("manifest.json")) == manifest)
    }

    /// Artifacts are hashed as they are written, never read back: each
    /// recorded hash must still be the hash of the bytes on disk, and of
    /// the file as `stat` sees it.
    @Test func everyRecordedHashIsTheFileAsWritten() throws {
        let project = try TestSupport.scratchProject()
        let (log, _) = try TestSupport.workspace(project).runCollecting(release: project.appendingPathComponent("release"))
        var files = 0
        for result in log.results {
            let record = try JSONDecoder().decode(ArtifactRecord.self, from: Data(contentsOf: result.artifact.appendingPathComponent("artifact.json")))
            #expect(result.outputDigest == record.contentDigest)
            for entry in record.files {
                let url = result.artifact.appendingPathComponent(entry.path)
                #expect(entry.sha256 == (try FileHashCache.sha256(of: url)), "\(result.stage)/\(entry.path)")
                #expect(entry.identity == FileIdentity.of(path: url.path), "\(result.stage)/\(entry.path)")
                files += 1
            }
        }
        #expect(files >= 20)
    }

    /// A cache hit trusts a file whose size, modification time and inode
    /// are those recorded; `--verify` trusts nothing. An edit that restores
    /// the modification time is the one damage only `--verify` finds.
    @Test func verifyRehashesWhatAStatCheckTrusts() throws {
        let project = try TestSupport.scratchProject()
        let workspace = try TestSupport.workspace(project)
        let release = project.appendingPathComponent("release")
        let (first, _) = try workspace.runCollecting(release: release)
        let aggregate = try #require(first.results.first { $0.stage == "aggregate" })
        let table = aggregate.artifact.appendingPathComponent(LinkTable.fileName)
        try TestSupport.editKeepingStat(table, offset: Int(FileIdentity.of(path: table.path)?.size ?? 0) / 2)

        let (trusting, _) = try workspace.runCollecting(release: release)
        #expect(trusting.ran.isEmpty, "the stat check re-read a file it had no reason to doubt")
        let (verifying, _) = try workspace.runCollecting(verify: true, release: release)
        #expect(verifying.ran == ["aggregate"], "the damaged table is rebuilt, and the same bytes leave the rest cached")
        #expect(verifying.warnings.contains { $0.contains("aggregate") && $0.contains("content hash differs") })

        // A changed modification time alone re-hashes the file, finds it
        // intact, and rebuilds nothing.
        let rebuilt = try #require(verifying.results.first { $0.stage == "aggregate" })
        let fresh = rebuilt.artifact.appendingPathComponent(LinkTable.fileName)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: fresh.path)
        let (touched, _) = try workspace.runCollecting(release: release)
        #expect(touched.ran.isEmpty)

        // An ordinary edit changes the modification time: a plain run
        // re-hashes the file and rebuilds the artifact.
        var edited = try Data(contentsOf: fresh)
        edited[edited.count / 2] ^= 0x01
        try edited.write(to: fresh)
        let (plain, _) = try workspace.runCollecting(release: release)
        #expect(plain.ran == ["aggregate"])
    }

    /// The same for the release a rerun finds already in place: files it
    /// placed are trusted while their `stat` is unchanged, and `--verify`
    /// re-hashes them and puts the release right.
    @Test func verifyRehashesThePlacedRelease() throws {
        let project = try TestSupport.scratchProject()
        let workspace = try TestSupport.workspace(project)
        let release = project.appendingPathComponent("release")
        _ = try workspace.runCollecting(release: release)
        let table = release.appendingPathComponent(PublishStage.directedName + ".csv")
        let original = try Data(contentsOf: table)
        let bytes = try TestSupport.editKeepingStat(table, offset: -2)

        _ = try workspace.runCollecting(release: release)
        #expect(try Data(contentsOf: table) == bytes, "a run re-read a release file whose stat it had recorded")
        _ = try workspace.runCollecting(verify: true, release: release)
        #expect(try Data(contentsOf: table) == original, "--verify did not find the edit")
        #expect(ReleaseIntegrity.check(release)?.passed == true)

        // An ordinary edit changes the modification time: a plain run finds it.
        try bytes.write(to: table)
        _ = try workspace.runCollecting(release: release)
        #expect(try Data(contentsOf: table) == original, "a plain run trusted a release file whose stat had changed")
    }

    /// The case early cutoff exists for: a stage reruns (a parameter of its
    /// own changed) and writes the same bytes, so every stage after it hits
    /// its cache, and the run says so.
    @Test func aRerunWithTheSameOutputLeavesEverythingAfterItCached() throws {
        let project = try TestSupport.scratchProject()
        let release = project.appendingPathComponent("release")
        _ = try TestSupport.workspace(project).runCollecting(release: release)
        let manifest = try Data(contentsOf: release.appendingPathComponent("manifest.json"))
        let file = project.appendingPathComponent("pipeline.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        let changed = text.replacingOccurrences(of: "\"max_year\": 2025}", with: "\"max_year\": 2025, \"columns\": {\"备用编号\": \"record_id\"}}")
        #expect(changed != text)
        try TestSupport.write(changed, to: file)

        let (log, _) = try TestSupport.workspace(project).runCollecting(release: release)
        #expect(log.ran == ["ingest"])
        #expect(log.results.first?.reasons == [.parameterChanged(path: "columns.备用编号", from: "null", to: "\"record_id\"")])
        #expect(log.cached == ["geocode", "dedupe", "aggregate", "degrees", "publish", "validate"])
        #expect(ArtifactStore(workFolder: project.appendingPathComponent(".iin")).lastRun()?.cutoffs
            == ["ingest reran; its output is unchanged, so geocode, dedupe, aggregate, degrees, publish, validate are cached"])
        #expect(try Data(contentsOf: release.appendingPathComponent("manifest.json")) != manifest, "the manifest names the new ingest fingerprint")
    }

    @Test func aSecondRunOnTheSameWorkFolderIsRefused() throws {
        let project = try TestSupport.scratchProject()
        let workspace = try TestSupport.workspace(project)
        try FileManager.default.createDirectory(at: workspace.workFolder, withIntermediateDirectories: true)
        let held = try WorkLock(folder: workspace.workFolder)
        #expect(throws: IINError.workFolderLocked(folder: workspace.workFolder.path, holderPID: getpid())) {
            try workspace.runCollecting(release: project.appendingPathComponent("release"))
        }
        held.release()
        let (log, _) = try workspace.runCollecting(release: project.appendingPathComponent("release"))
        #expect(log.ran.count == 7)
    }

    @Test func aLockLeftByADeadProcessIsTakenOver() throws {
        let project = try TestSupport.scratchProject()
        let workspace = try TestSupport.workspace(project)
        try FileManager.default.createDirectory(at: workspace.workFolder, withIntermediateDirectories: true)
        // What a killed run leaves: its pid in the file, no flock held.
        try TestSupport.write("999999\n", to: workspace.workFolder.appendingPathComponent("lock"))
        let (log, _) = try workspace.runCollecting(release: project.appendingPathComponent("release"))
        #expect(log.warnings.contains { $0.contains("999999") })
        #expect(log.ran.count == 7)
    }

    @Test func aFolderThatIsNotAReleaseIsNotReplaced() throws {
        let project = try TestSupport.scratchProject()
        let precious = project.appendingPathComponent("precious")
        try TestSupport.write("keep me", to: precious.appendingPathComponent("notes.txt"))
        #expect(throws: IINError.releaseFolderNotOurs(path: precious.path, reason: "it has no manifest.json written by iin")) {
            try TestSupport.workspace(project).runCollecting(release: precious)
        }
        #expect(FileManager.default.fileExists(atPath: precious.appendingPathComponent("notes.txt").path))
    }
}

/// A stage whose output bytes change must get a new code version, or every
/// work folder keeps serving the old output from its cache. This pins, on
/// the default data, each stage's output digest to its code version and
/// fingerprint (inputs, parameters, upstream, gazetteer): outputs that
/// change while both stay the same mean the code changed without a new
/// version, and fail here. After a deliberate change, bump the version and
/// run with IIN_UPDATE_GOLDEN=1; a changed input or upstream stage changes
/// the fingerprint and is recorded the same way.
@Suite("Stage code versions")
struct StageVersionTests {
    static let file = TestSupport.fixtures.appendingPathComponent("golden/stage-versions.json")

    @Test func outputChangesComeWithANewCodeVersion() throws {
        let project = try TestSupport.scratchProject()
        let (log, _) = try TestSupport.workspace(project).runCollecting(release: project.appendingPathComponent("release"))
        var current: [String: JSONValue] = [:]
        for result in log.results {
            let record = try JSONDecoder().decode(ArtifactRecord.self, from: Data(contentsOf: result.artifact.appendingPathComponent("artifact.json")))
            let digest = record.files.map { "\($0.path):\($0.sha256)" }.joined(separator: "\n")
            current[result.kind] = .object(["code_version": .integer(record.components.codeVersion), "fingerprint": .string(record.fingerprint),
                                            "outputs": .string(FingerprintComponents.digest(digest))])
        }
        // Same code, same inputs, other bytes: the one mistake to catch.
        func unbumped(_ recorded: [String: JSONValue]) -> [String] {
            current.keys.sorted().filter { kind in
                recorded[kind]?["code_version"] == current[kind]?["code_version"] && recorded[kind]?["fingerprint"] == current[kind]?["fingerprint"]
                    && recorded[kind]?["outputs"] != current[kind]?["outputs"]
            }
        }
        if try GoldenUpdate.requested() {
            // A missing or broken file is simply written anew.
            let recorded = (try? JSONValue.parse(Data(contentsOf: Self.file)))?.objectValue ?? [:]
            let stale = unbumped(recorded)
            guard stale.isEmpty else {
                Issue.record("not rewritten: the output of \(stale.joined(separator: ", ")) changed under the same code version and inputs; bump codeVersion first")
                return
            }
            try Data((JSONValue.object(current).prettyPrinted() + "\n").utf8).write(to: Self.file)
            GoldenUpdate.recordRewrite("fixtures/golden/stage-versions.json")
            return
        }
        let recorded = try #require(try JSONValue.parse(Data(contentsOf: Self.file)).objectValue, "\(Self.file.path) is not a JSON object")
        #expect(Set(recorded.keys) == Set(current.keys), "stages recorded but not built, or built but not recorded")
        let stale = Set(unbumped(recorded))
        for (kind, now) in current.sorted(by: { $0.key < $1.key }) {
            guard let before = recorded[kind] else { Issue.record("\(kind): not recorded; run with IIN_UPDATE_GOLDEN=1"); continue }
            if stale.contains(kind) {
                Issue.record("stage \(kind): its output changed but its codeVersion and inputs did not; bump codeVersion")
            } else if before != now {
                let versions = "\(before["code_version"]?.canonical ?? "none") -> \(now["code_version"]?.canonical ?? "none")"
                let fingerprint = before["fingerprint"] == now["fingerprint"] ? "unchanged" : "changed"
                Issue.record("stage \(kind): code version \(versions), fingerprint \(fingerprint); record it with IIN_UPDATE_GOLDEN=1")
            }
        }
    }
}

@Suite("Determinism")
struct DeterminismTests {
    /// Same inputs, same bytes out, whatever the thread count: every
    /// artifact and the release, on a corpus of several files.
    @Test func oneThreadAndTwoGiveTheSameBytes() throws {
        let corpus = TestSupport.temporaryFolder("determinism")
        _ = try CorpusGenerator(options: .init(records: 6000, seed: 31, files: 3), gazetteer: TestSupport.gazetteer())
            .write(to: corpus, progress: ProgressReporter(style: .silent))
        var manifests: [Data] = []
        var artifacts: [[String: String]] = []
        for threads in [1, 2] {
            let project = try TestSupport.scratchProject("determinism\(threads)")
            let workspace = try TestSupport.workspace(project, raw: corpus.appendingPathComponent("raw/*.csv").path)
            let log = CollectingLog()
            let release = project.appendingPathComponent("release")
            _ = try workspace.runner(log: log, progress: ProgressReporter(style: .silent)).run(threads: threads, releaseFolder: release)
            manifests.append(try Data(contentsOf: release.appendingPathComponent("manifest.json")))
            var digests: [String: String] = [:]
            for result in log.results {
                let record = try JSONDecoder().decode(ArtifactRecord.self, from: Data(contentsOf: result.artifact.appendingPathComponent("artifact.json")))
                for file in record.files { digests["\(result.stage)/\(file.path)"] = file.sha256 }
            }
            artifacts.append(digests)
        }
        #expect(manifests[0] == manifests[1])
        #expect(artifacts[0] == artifacts[1])
    }
}
