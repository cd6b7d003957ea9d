import Foundation
import Testing
@testable import IIN

/// Ingest and geocode work file by file: a nightly rerun reads again only
/// the input files that changed, and the release it places must be, byte
/// for byte, the one a cold build of the same inputs places.
@Suite("Incremental by file")
struct IncrementalByFileTests {
    /// A scratch project whose raw records are copies of `files`, each at
    /// its path under `raw/`.
    static func project(_ name: String, files: [(source: URL, path: String)]) throws -> URL {
        let project = try TestSupport.scratchProject(name)
        for (source, path) in files {
            let destination = project.appendingPathComponent("raw").appendingPathComponent(path)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source, to: destination)
        }
        return project
    }

    static let glob = "raw/*/*.csv"

    static func run(_ project: URL, force: [String] = [], verify: Bool = false,
                    overrides: String = TestSupport.defaultOverrides) throws -> (log: CollectingLog, release: [String: Data]) {
        let release = project.appendingPathComponent("release")
        let workspace = try TestSupport.workspace(project, raw: project.appendingPathComponent(glob).path, overrides: overrides)
        let (log, _) = try workspace.runCollecting(force: force, verify: verify, release: release)
        return (log, try TestSupport.snapshot(release))
    }

    /// The release a fresh work folder builds from the project's raw files
    /// as they are now.
    static func coldRelease(of project: URL, overrides: String = TestSupport.defaultOverrides, _ name: String = #function) throws -> [String: Data] {
        let cold = try TestSupport.scratchProject(name + "-cold")
        // The same pipeline file: the manifest records its hash.
        try FileManager.default.removeItem(at: cold.appendingPathComponent("pipeline.json"))
        try FileManager.default.copyItem(at: project.appendingPathComponent("pipeline.json"), to: cold.appendingPathComponent("pipeline.json"))
        let release = cold.appendingPathComponent("release")
        let (log, _) = try TestSupport.workspace(cold, raw: project.appendingPathComponent(glob).path, overrides: overrides).runCollecting(release: release)
        #expect(log.ran.count == 7)
        return try TestSupport.snapshot(release)
    }

    static func reused(_ log: CollectingLog, _ stage: String) -> Int? {
        log.results.first { $0.stage == stage }?.counts["files_reused"]
    }

    /// The paths whose bytes differ, so a failure names them rather than
    /// printing two releases.
    static func differences(_ incremental: [String: Data], _ cold: [String: Data]) -> [String] {
        Set(incremental.keys).union(cold.keys).filter { incremental[$0] != cold[$0] }.sorted()
    }

    static let first = TestSupport.fixtures.appendingPathComponent("default/raw/records-001.csv")
    static let second = TestSupport.fixtures.appendingPathComponent("default/raw/records-002.csv")

    @Test func aChangedFileIsTheOnlyOneReadAgain() throws {
        let project = try Self.project(#function, files: [(Self.first, "a/records-001.csv"), (Self.second, "b/records-002.csv")])
        let (_, before) = try Self.run(project)
        // A date the contract rejects: the accounting, and so the release, changes.
        try TestSupport.editCell(project.appendingPathComponent("raw/b/records-002.csv"), column: "出资日期") { _ in "not a date" }

        let (log, after) = try Self.run(project)
        #expect(Self.reused(log, "ingest") == 1)
        #expect(Self.reused(log, "geocode") == 1)
        // The first file's kept records are as they were: its link counts
        // are taken from the last build.
        #expect(Self.reused(log, "aggregate") == 1)
        #expect(log.ran == ["ingest", "geocode", "dedupe", "aggregate", "degrees", "publish", "validate"])
        #expect(after != before, "the edit must reach the release, or this test compares nothing")
        let cold = try Self.coldRelease(of: project)
        #expect(!cold.isEmpty)
        #expect(Self.differences(after, cold) == [])
    }

    /// A row of the second file copied into the first: the second file is
    /// unchanged, yet its copy of the row is now a duplicate, so its link
    /// counts must not be taken from the last build.
    @Test func aFileWhoseRecordsBecameDuplicatesIsCountedAgain() throws {
        let project = try Self.project(#function, files: [(Self.first, "a/records-001.csv"), (Self.second, "b/records-002.csv")])
        let (_, before) = try Self.run(project)
        let secondLines = try String(contentsOf: Self.second, encoding: .utf8).split(separator: "\n")
        let handle = try FileHandle(forWritingTo: project.appendingPathComponent("raw/a/records-001.csv"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((secondLines[1...40].joined(separator: "\n") + "\n").utf8))
        try handle.close()

        let (log, after) = try Self.run(project)
        #expect(Self.reused(log, "geocode") == 1)
        #expect(Self.reused(log, "aggregate") == 0, "both files' kept records changed")
        #expect(after["Record accounting.csv"] != before["Record accounting.csv"])
        #expect(Self.differences(after, try Self.coldRelease(of: project)) == [])
    }

    @Test func anAddedFileIsTheOnlyOneRead() throws {
        let project = try Self.project(#function, files: [(Self.first, "a/records-001.csv")])
        _ = try Self.run(project)
        try FileManager.default.createDirectory(at: project.appendingPathComponent("raw/b"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.second, to: project.appendingPathComponent("raw/b/records-002.csv"))

        let (log, after) = try Self.run(project)
        #expect(log.results.first { $0.stage == "ingest" }?.counts["files"] == 2)
        #expect(Self.reused(log, "ingest") == 1)
        #expect(Self.reused(log, "geocode") == 1)
        #expect(Self.differences(after, try Self.coldRelease(of: project)) == [])
        // Both files of the default corpus: the golden release's tables.
        let golden = try TestSupport.snapshot(TestSupport.fixtures.appendingPathComponent("golden/default-release"))
        #expect(Self.differences(after.filter { $0.key != "manifest.json" }, golden.filter { $0.key != "manifest.json" }) == [])
    }

    @Test func aRemovedFileLeavesTheOthersReused() throws {
        let project = try Self.project(#function, files: [(Self.first, "a/records-001.csv"), (Self.second, "b/records-002.csv")])
        // Half the rows go: the release guard must be told that is meant.
        let pipeline = project.appendingPathComponent("pipeline.json")
        let text = try String(contentsOf: pipeline, encoding: .utf8)
        try TestSupport.write(text.replacingOccurrences(of: "\"max_drop\": 0.2", with: "\"max_drop\": 0.6"), to: pipeline)
        #expect(try String(contentsOf: pipeline, encoding: .utf8) != text)
        _ = try Self.run(project)
        try FileManager.default.removeItem(at: project.appendingPathComponent("raw/a"))

        let (log, after) = try Self.run(project)
        #expect(log.results.first { $0.stage == "ingest" }?.counts["files"] == 1)
        #expect(Self.reused(log, "ingest") == 1)
        #expect(Self.reused(log, "geocode") == 1)
        #expect(Self.differences(after, try Self.coldRelease(of: project)) == [])
    }

    /// Moving files between folders swaps their input order without
    /// renaming them: both parts are reused, in the new order, and "first
    /// in input order" is decided on the new order.
    @Test func aReorderedGlobReusesEveryFileInItsNewPlace() throws {
        let project = try Self.project(#function, files: [(Self.first, "1/records-001.csv"), (Self.second, "2/records-002.csv")])
        let (_, before) = try Self.run(project)
        let raw = project.appendingPathComponent("raw")
        try FileManager.default.moveItem(at: raw.appendingPathComponent("1/records-001.csv"), to: raw.appendingPathComponent("3/records-001.csv", isDirectory: false).creatingParent())

        let (log, after) = try Self.run(project)
        #expect(log.results.first?.reasons == [.inputOrderChanged(input: "raw")])
        #expect(Self.reused(log, "ingest") == 2)
        #expect(Self.reused(log, "geocode") == 2)
        #expect(after != before, "the per-file accounting lists the files in the new order")
        #expect(Self.differences(after, try Self.coldRelease(of: project)) == [])
    }

    /// A damaged part of an earlier artifact is read again, never linked
    /// into the new one; `--force` reuses nothing.
    @Test func aDamagedPartIsRedoneAndForceRedoesEveryFile() throws {
        let project = try Self.project(#function, files: [(Self.first, "a/records-001.csv"), (Self.second, "b/records-002.csv")])
        let (first, _) = try Self.run(project)
        let ingest = try #require(first.results.first { $0.stage == "ingest" }?.artifact)
        // Same size, other bytes: only the hash tells.
        let part = ingest.appendingPathComponent("records-000.bin")
        var bytes = try Data(contentsOf: part)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: part)
        try TestSupport.editCell(project.appendingPathComponent("raw/b/records-002.csv"), column: "出资日期") { _ in "not a date" }

        let (log, after) = try Self.run(project)
        #expect(Self.reused(log, "ingest") == 0, "the damaged part must be read again")
        #expect(Self.differences(after, try Self.coldRelease(of: project)) == [])

        let (forced, _) = try Self.run(project, force: ["ingest"])
        #expect(Self.reused(forced, "ingest") == 0)
        #expect(Self.reused(forced, "geocode") == 0, "--force ingest forces the stages after it too")
    }

    /// The accounting and the rejects name the file, so its name is in
    /// the key: a renamed file is read again, and the release names it.
    @Test func aRenamedFileIsReadAgainUnderItsNewName() throws {
        let project = try Self.project(#function, files: [(Self.first, "a/records-001.csv"), (Self.second, "b/records-002.csv")])
        _ = try Self.run(project)
        let raw = project.appendingPathComponent("raw/b")
        try FileManager.default.moveItem(at: raw.appendingPathComponent("records-002.csv"), to: raw.appendingPathComponent("records-009.csv"))

        let (log, after) = try Self.run(project)
        #expect(Self.reused(log, "ingest") == 1)
        #expect(Self.reused(log, "geocode") == 1)
        let accounting = String(decoding: try #require(after["Record accounting.csv"]), as: UTF8.self)
        #expect(accounting.contains("records-009.csv") && !accounting.contains("records-002.csv"))
        #expect(Self.differences(after, try Self.coldRelease(of: project)) == [])
    }

    /// Geocode's parts are keyed by its parameters and its overrides as
    /// well as by ingest's parts: a change to either redoes every file.
    @Test func aGeocodeParameterOrOverridesChangeRedoesEveryGeocodePart() throws {
        let project = try Self.project(#function, files: [(Self.first, "a/records-001.csv"), (Self.second, "b/records-002.csv")])
        let overrides = project.appendingPathComponent("overrides.csv")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: TestSupport.defaultOverrides), to: overrides)
        _ = try Self.run(project, overrides: overrides.path)

        let pipeline = project.appendingPathComponent("pipeline.json")
        let text = try String(contentsOf: pipeline, encoding: .utf8)
        let reordered = text.replacingOccurrences(of: "\"address\", \"name\"]", with: "\"name\", \"address\"]")
        #expect(reordered != text)
        try TestSupport.write(reordered, to: pipeline)
        let (byMethods, afterMethods) = try Self.run(project, overrides: overrides.path)
        #expect(byMethods.cached.contains("ingest"))
        #expect(Self.reused(byMethods, "geocode") == 0)
        #expect(Self.differences(afterMethods, try Self.coldRelease(of: project, overrides: overrides.path, "methods")) == [])

        let table = try String(contentsOf: overrides, encoding: .utf8)
        try TestSupport.write(table + ",深圳测试有限公司,440300,a test entry that matches no record\n", to: overrides)
        let (byOverrides, afterOverrides) = try Self.run(project, overrides: overrides.path)
        #expect(Self.reused(byOverrides, "geocode") == 0)
        #expect(Self.differences(afterOverrides, try Self.coldRelease(of: project, overrides: overrides.path, "overrides")) == [])
    }

    /// An earlier part edited at the same size with its modification time
    /// put back passes the stat check; `--verify` reads it and redoes it.
    @Test func verifyRehashesEarlierPartsAStatCheckTrusts() throws {
        let project = try Self.project(#function, files: [(Self.first, "a/records-001.csv"), (Self.second, "b/records-002.csv")])
        let (first, _) = try Self.run(project)
        let ingest = try #require(first.results.first { $0.stage == "ingest" }?.artifact)
        let part = ingest.appendingPathComponent("records-000.bin")
        try TestSupport.editKeepingStat(part, offset: Int(FileIdentity.of(path: part.path)?.size ?? 0) / 2)
        try TestSupport.editCell(project.appendingPathComponent("raw/b/records-002.csv"), column: "出资日期") { _ in "not a date" }

        let (verified, after) = try Self.run(project, verify: true)
        #expect(Self.reused(verified, "ingest") == 0, "--verify must not link a part it has not read")
        #expect(Self.differences(after, try Self.coldRelease(of: project)) == [])
    }

    /// The lists that map keys to files are checked like the parts: with
    /// part-keys.json reversed, no file's part is linked under another's key.
    @Test func aTamperedPartListIsNotTrusted() throws {
        let project = try Self.project(#function, files: [(Self.first, "a/records-001.csv"), (Self.second, "b/records-002.csv")])
        let (first, _) = try Self.run(project)
        let ingest = try #require(first.results.first { $0.stage == "ingest" }?.artifact)
        let keys = ingest.appendingPathComponent(PartFiles.keys)
        let listed = try JSONDecoder().decode([String].self, from: Data(contentsOf: keys))
        try JSONEncoder().encode(Array(listed.reversed())).write(to: keys)
        try TestSupport.editCell(project.appendingPathComponent("raw/b/records-002.csv"), column: "出资日期") { _ in "not a date" }

        let (log, after) = try Self.run(project)
        #expect(Self.reused(log, "ingest") == 0)
        #expect(Self.differences(after, try Self.coldRelease(of: project)) == [])
    }

    /// The same at 200,000 records in four files, with a duplicate row
    /// appended to one: the duplicate must be counted where a cold build
    /// counts it.
    @Test func aChangedFileOf200kRecords() throws {
        let corpus = TestSupport.temporaryFolder("incremental-200k")
        _ = try CorpusGenerator(options: .init(records: 200_000, seed: 15, files: 4), gazetteer: TestSupport.gazetteer())
            .write(to: corpus, progress: ProgressReporter(style: .silent))
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus.appendingPathComponent("raw").path).filter { $0.hasSuffix(".csv") }.sorted()
        #expect(files.count == 4)
        let project = try Self.project(#function, files: files.map { (corpus.appendingPathComponent("raw/\($0)"), "all/\($0)") })
        let (_, before) = try Self.run(project)

        try TestSupport.appendDuplicateRow(project.appendingPathComponent("raw/all/\(files[1])"))

        let (log, after) = try Self.run(project)
        #expect(Self.reused(log, "ingest") == 3)
        #expect(Self.reused(log, "geocode") == 3)
        #expect(after != before)
        #expect(Self.differences(after, try Self.coldRelease(of: project)) == [])
    }
}

/// Damage that `stat` cannot see, found by the stage that reads the file:
/// the run stops naming it, and the artifacts holding that file are
/// discarded, so the next run rebuilds them instead of failing again.
@Suite("Damage found in use")
struct DamageFoundInUseTests {
    @Test func aDamagedFileFoundInUseIsRebuiltByTheNextRun() throws {
        let project = try IncrementalByFileTests.project(#function, files: [(IncrementalByFileTests.first, "a/records-001.csv")])
        let (first, _) = try IncrementalByFileTests.run(project)
        let aggregate = try #require(first.results.first { $0.stage == "aggregate" }).artifact
        let links = aggregate.appendingPathComponent(LinkTable.fileName)
        let text = try Data(contentsOf: links)
        // The comma after line 2's link type becomes a '-': an unknown
        // link type, with size, mtime and inode as recorded.
        let comma = try #require(text.firstIndex(of: 0x0A).flatMap { line in text[line...].firstIndex(of: UInt8(ascii: ",")) })
        try TestSupport.editKeepingStat(links, offset: comma)

        let release = project.appendingPathComponent("release")
        let workspace = try TestSupport.workspace(project, raw: project.appendingPathComponent(IncrementalByFileTests.glob).path)
        let log = CollectingLog()
        #expect(throws: IINError.self) {
            _ = try workspace.runner(log: log, progress: ProgressReporter(style: .silent)).run(force: ["degrees"], threads: 2, releaseFolder: release)
        }
        #expect(log.warnings.contains { $0.contains("discarded the damaged artifact aggregate") }, "\(log.warnings)")
        #expect(!FileManager.default.fileExists(atPath: aggregate.path))

        let (second, after) = try IncrementalByFileTests.run(project)
        #expect(second.ran.contains("aggregate"))
        #expect(IncrementalByFileTests.differences(after, try IncrementalByFileTests.coldRelease(of: project)) == [])
    }
}

/// The gravity fits of the last build serve a rebuild whose slices keep
/// their pairs; a fit taken from there renders the cold build's bytes,
/// and a damaged memo is not believed.
@Suite("Gravity fits kept between builds")
struct GravityMemoTests {
    static func validate(_ log: CollectingLog) -> StageResult? { log.results.first { $0.stage == "validate" } }

    @Test func unchangedSlicesTakeTheirFitsAndDamagedOnesAreRecomputed() throws {
        let files = [(IncrementalByFileTests.first, "a/records-001.csv"), (IncrementalByFileTests.second, "b/records-002.csv")]
        let project = try IncrementalByFileTests.project(#function, files: files)
        let (first, _) = try IncrementalByFileTests.run(project)
        let fitted = try #require(Self.validate(first)?.counts["gravity_fits_reused"])
        #expect(fitted == 0, "a first build has no fits to take")
        let memo = try #require(Self.validate(first)).artifact.appendingPathComponent(GravityMemo.file)
        let entries = try JSONDecoder().decode([String: GravityMemo.Entry].self, from: Data(contentsOf: memo))
        #expect(entries.count >= 2, "the default data fits several slices")

        // A duplicate row: the accounting changes, no slice's pairs do.
        let changed = project.appendingPathComponent("raw/b/records-002.csv")
        try TestSupport.appendDuplicateRow(changed)
        let (second, afterReuse) = try IncrementalByFileTests.run(project)
        #expect(second.ran.contains("validate"))
        #expect(Self.validate(second)?.counts["gravity_fits_reused"] == entries.count)
        #expect(IncrementalByFileTests.differences(afterReuse, try IncrementalByFileTests.coldRelease(of: project)) == [])
        #expect(try TestSupport.snapshot(project.appendingPathComponent("release")).keys.allSatisfy { !$0.hasPrefix(ReleaseFolder.memoPrefix) })

        // Every memo the store keeps, edited: fits that are not the ones
        // their pairs give. None may be taken (an intact older memo
        // would be, rightly, so all are edited).
        let validateArtifacts = try #require(Self.validate(second)).artifact.deletingLastPathComponent()
        let memos = try FileManager.default.contentsOfDirectory(at: validateArtifacts, includingPropertiesForKeys: nil)
            .map { $0.appendingPathComponent(GravityMemo.file) }.filter { FileManager.default.fileExists(atPath: $0.path) }
        #expect(memos.count >= 2)
        for kept in memos {
            var tampered = try JSONDecoder().decode([String: GravityMemo.Entry].self, from: Data(contentsOf: kept))
            for key in tampered.keys { tampered[key]?.profile = [0.5, 1.5, 1] }
            try JSONEncoder().encode(tampered).write(to: kept)
        }
        try TestSupport.appendDuplicateRow(changed)
        let (third, afterTamper) = try IncrementalByFileTests.run(project)
        #expect(Self.validate(third)?.counts["gravity_fits_reused"] == 0)
        #expect(IncrementalByFileTests.differences(afterTamper, try IncrementalByFileTests.coldRelease(of: project, "tampered")) == [])
    }
}

extension URL {
    /// The URL, after creating its parent folder.
    func creatingParent() throws -> URL {
        try FileManager.default.createDirectory(at: deletingLastPathComponent(), withIntermediateDirectories: true)
        return self
    }
}

/// Publish links the files of a network that is as it was from its last
/// build; what it links is what a cold build writes, a damaged earlier
/// file is written afresh, and a changed network is never taken.
@Suite("Published files kept between builds")
struct PublishedFileReuseTests {
    static func publish(_ log: CollectingLog) -> StageResult? { log.results.first { $0.stage == "publish" } }

    @Test func anUnchangedNetworkIsLinkedAndAChangedOrDamagedOneIsWritten() throws {
        let files = [(IncrementalByFileTests.first, "a/records-001.csv"), (IncrementalByFileTests.second, "b/records-002.csv")]
        let project = try IncrementalByFileTests.project(#function, files: files)
        let (first, before) = try IncrementalByFileTests.run(project)
        #expect(Self.publish(first)?.counts["files_reused"] == 0, "a first build has no files to take")

        // A duplicate row: the record accounting changes, no network does.
        let changed = project.appendingPathComponent("raw/b/records-002.csv")
        try TestSupport.appendDuplicateRow(changed)
        let (second, afterDuplicate) = try IncrementalByFileTests.run(project)
        #expect(second.ran.contains("publish"))
        let reused = try #require(Self.publish(second)?.counts["files_reused"])
        // The investment network's six tables, its GeoJSON and a GraphML
        // per slice at least.
        #expect(reused >= 8, "\(reused)")
        #expect(afterDuplicate["Record accounting.csv"] != before["Record accounting.csv"])
        #expect(IncrementalByFileTests.differences(afterDuplicate, try IncrementalByFileTests.coldRelease(of: project, "duplicate")) == [])
        #expect(afterDuplicate.keys.allSatisfy { !$0.hasPrefix(ReleaseFolder.memoPrefix) })
        // The database was finished from the first build's base (its
        // network tables, linked), with only the accounting written.
        func base(_ log: CollectingLog) throws -> FileIdentity? {
            FileIdentity.of(path: try #require(Self.publish(log)).artifact.appendingPathComponent(ReleaseDatabase.basePath).path)
        }
        #expect(try base(second)?.inode == base(first)?.inode)

        // The directed network of every earlier build (both builds hold
        // it, linked), replaced by a damaged copy: its stat no longer
        // matches the record, its hash does not either, so it is written
        // again, not linked.
        let artifacts = try #require(Self.publish(second)).artifact.deletingLastPathComponent()
        for artifact in try FileManager.default.contentsOfDirectory(at: artifacts, includingPropertiesForKeys: nil) {
            let directed = artifact.appendingPathComponent(PublishStage.directedName + ".csv")
            guard FileManager.default.fileExists(atPath: directed.path) else { continue }
            var bytes = try Data(contentsOf: directed)
            bytes[bytes.count - 2] ^= 0x01
            try FileManager.default.removeItem(at: directed)
            try bytes.write(to: directed)
        }
        try TestSupport.appendDuplicateRow(changed)
        let (third, afterDamage) = try IncrementalByFileTests.run(project)
        let reusedAfterDamage = try #require(Self.publish(third)?.counts["files_reused"])
        #expect(reusedAfterDamage == reused - 1, "the damaged table's pair of files is written again")
        #expect(IncrementalByFileTests.differences(afterDamage, try IncrementalByFileTests.coldRelease(of: project, "damaged")) == [])

        // The last hundred rows of a file gone: the investment network
        // changes, so none of its files may be taken.
        let lines = try String(contentsOf: changed, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast(100).joined(separator: "\n") + "\n").write(to: changed, atomically: true, encoding: .utf8)
        let (fourth, afterCut) = try IncrementalByFileTests.run(project)
        #expect(afterCut[PublishStage.directedName + ".csv"] != afterDamage[PublishStage.directedName + ".csv"])
        let reusedAfterCut = try #require(Self.publish(fourth)?.counts["files_reused"])
        #expect(reusedAfterCut < reused)
        #expect(try base(fourth)?.inode != base(first)?.inode, "a changed network's database is written afresh")
        #expect(IncrementalByFileTests.differences(afterCut, try IncrementalByFileTests.coldRelease(of: project, "cut")) == [])

        // --force publish takes nothing from earlier builds.
        let (forced, _) = try IncrementalByFileTests.run(project, force: ["publish"])
        #expect(Self.publish(forced)?.counts["files_reused"] == 0)
    }
}

/// Damage that keeps a file's size, mtime and inode passes the stat check
/// by design; `--verify` finds it. What a stage keeps for its next build
/// must not carry such damage past `--verify`, nor into the release.
@Suite("Hidden damage to what builds keep")
struct HiddenDamageTests {
    static let files = [(IncrementalByFileTests.first, "a/records-001.csv"), (IncrementalByFileTests.second, "b/records-002.csv")]

    /// In every kept artifact of `stage`, the memo list `list` edited in
    /// place with its stat kept: the number under the first `key` that
    /// holds a number (not a path) changes by one in its last digit (a
    /// first digit could become a leading zero, which no reader takes).
    static func editNumber(_ project: URL, stage: String, list: String, key: String) throws {
        let lists = try kept(project, stage: stage, list)
        try #require(!lists.isEmpty, "no artifact of \(stage) keeps \(list)")
        for url in lists {
            let text = try Data(contentsOf: url)
            let number = text.ranges(of: Array("\"\(key)\"".utf8)).compactMap { range in
                text[range.upperBound...].firstIndex { $0 != 0x20 && $0 != 0x3A }.flatMap { (0x30...0x39).contains(text[$0]) ? $0 : nil }
            }.first
            let first = try #require(number, "no number under \(key) in \(url.path)")
            let end = text[first...].firstIndex { !(0x30...0x39).contains($0) } ?? text.endIndex
            try TestSupport.editKeepingStat(url, offset: end - 1)
        }
    }

    /// Every file under the work folder's artifacts of `stage` named `name`.
    static func kept(_ project: URL, stage: String, _ name: String) throws -> [URL] {
        let folder = project.appendingPathComponent(".iin/artifacts").appendingPathComponent(stage)
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .map { $0.appendingPathComponent(name) }.filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// A release file linked from one build into the next, damaged in
    /// place: `--verify` must discard every artifact holding it, so a later
    /// plain run can neither hit an older artifact holding it nor link it.
    @Test func verifyDiscardsEveryArtifactSharingADamagedFile() throws {
        let project = try IncrementalByFileTests.project(#function, files: Self.files)
        let changed = project.appendingPathComponent("raw/b/records-002.csv")
        let original = try Data(contentsOf: changed)
        _ = try IncrementalByFileTests.run(project)
        try TestSupport.appendDuplicateRow(changed)
        let (second, _) = try IncrementalByFileTests.run(project)
        #expect(second.results.first { $0.stage == "publish" }?.counts["files_reused"] ?? 0 > 0)
        let linked = project.appendingPathComponent("release").appendingPathComponent(PublishStage.undirectedName + ".csv")
        try TestSupport.editKeepingStat(linked, offset: -3)

        _ = try IncrementalByFileTests.run(project, verify: true)
        // Back to the first build's input: its artifacts would be cache
        // hits, had they not been discarded with the damaged file.
        try original.write(to: changed)
        let (_, restored) = try IncrementalByFileTests.run(project)
        #expect(IncrementalByFileTests.differences(restored, try IncrementalByFileTests.coldRelease(of: project, "restored")) == [])
        try TestSupport.appendDuplicateRow(changed)
        try TestSupport.appendDuplicateRow(changed)
        let (_, again) = try IncrementalByFileTests.run(project)
        #expect(IncrementalByFileTests.differences(again, try IncrementalByFileTests.coldRelease(of: project, "again")) == [])
    }

    /// A file's in-slice tally edited in aggregate's memo list: the file's
    /// kept records no longer add up to it, so it is counted again, and
    /// the accounting stays a cold build's.
    @Test func anEditedTallyInAggregatesMemoIsNotTaken() throws {
        let project = try IncrementalByFileTests.project(#function, files: Self.files)
        _ = try IncrementalByFileTests.run(project)
        try Self.editNumber(project, stage: "aggregate", list: "memo/aggregate/parts.json", key: "inSlice")
        try TestSupport.appendDuplicateRow(project.appendingPathComponent("raw/b/records-002.csv"))
        let (log, after) = try IncrementalByFileTests.run(project)
        #expect(log.results.first { $0.stage == "aggregate" }?.counts["files_reused"] == 0)
        #expect(IncrementalByFileTests.differences(after, try IncrementalByFileTests.coldRelease(of: project, "tally")) == [])
    }

    /// The memo lists edited in place: a drawn record's offset in
    /// aggregate's, a row count in publish's. The rebuild after a change
    /// must neither fail nor publish the edited figures.
    @Test func editedMemoListsNeitherFailARunNorReachTheRelease() throws {
        let project = try IncrementalByFileTests.project(#function, files: Self.files)
        _ = try IncrementalByFileTests.run(project)
        try Self.editNumber(project, stage: "aggregate", list: "memo/aggregate/parts.json", key: "offset")
        try Self.editNumber(project, stage: "publish", list: "memo/publish/parts.json", key: PublishStage.directedName + ".csv")
        try TestSupport.appendDuplicateRow(project.appendingPathComponent("raw/b/records-002.csv"))
        let (log, after) = try IncrementalByFileTests.run(project)
        #expect(log.results.first { $0.stage == "aggregate" }?.counts["files_reused"] == 0, "file b changed, and file a's damaged draw is not taken")
        #expect(IncrementalByFileTests.differences(after, try IncrementalByFileTests.coldRelease(of: project, "edited")) == [])
    }
}
