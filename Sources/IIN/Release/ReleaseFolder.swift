import CIINSystem
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Puts a finished build's release in place: the publish and validate
/// artifacts' files plus `manifest.json`, swapped in whole so a reader (or a
/// killed run) never sees half of one release and half of another.
public enum ReleaseFolder {
    public static let manifestName = "manifest.json"
    static let releasedKinds: Set<String> = [PublishStage.kind, ValidateStage.kind]

    /// A release put in place, and how it compares with the one before.
    public struct Placed: Sendable {
        public var folder: URL?
        /// ReleaseComparison's report, when there was a release to compare
        /// with and the release changed.
        public var comparison: JSONValue?
        /// Why the comparison could not be made (the run still succeeds).
        public var comparisonProblem: String?
    }

    /// How a release may be put in place.
    public struct Options: Sendable {
        /// A previous release to compare with; nil for the one the
        /// destination holds, if any.
        public var compareWith: URL?
        /// Publish even when the release guard refuses.
        public var acceptShrink = false
        public var limits = ReleaseGuard.Limits()
        /// Where files that must not be published (they hold enterprise
        /// names) go: the validate artifact's `audit/` files.
        public var auditFolder: URL?
        /// Re-hash every file of a destination that already holds this
        /// release, trusting no unchanged `stat` (`iin run --verify`).
        public var verify = false

        public init(compareWith: URL? = nil, acceptShrink: Bool = false, limits: ReleaseGuard.Limits = .init(), auditFolder: URL? = nil) {
            self.compareWith = compareWith
            self.acceptShrink = acceptShrink
            self.limits = limits
            self.auditFolder = auditFolder
        }
    }

    /// The manifest field that says iin wrote the folder, and so may replace it.
    public static let markerKey = "iin_release"
    /// Files of an artifact that stay out of the release.
    static let auditPrefix = "audit/"
    /// Files of an artifact that stay in the work folder: what a stage
    /// keeps for its next build (`GravityMemo`), neither released nor
    /// audited.
    static let memoPrefix = PartFiles.memoFolder

    public static func materialize(results: [StageResult], pipeline: Pipeline, store: ArtifactStore, destination: URL,
                                   options: Options = Options()) throws(IINError) -> Placed {
        var placed = Placed()
        func compare(_ previous: URL, _ current: URL) {
            do { placed.comparison = try ReleaseComparison.compare(previous: previous, current: current) } catch {
                placed.comparisonProblem = "could not compare with \(previous.path): \(error.description)"
            }
        }
        let released = results.filter { releasedKinds.contains($0.kind) }
        guard !released.isEmpty else { return placed }
        let destination = try followingLinks(destination)
        let parent = destination.deletingLastPathComponent()
        // A scoped release sits inside the national one: it also takes the
        // lock the national placement takes (first, so the two never wait
        // on each other crosswise), or a national run could swap the
        // release around it while it is being placed.
        let enclosingLock = pipeline.scope.isNational ? -1 : try lockParent(of: parent)
        defer { if enclosingLock >= 0 { close(enclosingLock) } }
        let parentLock = try lockParent(of: destination)
        defer { if parentLock >= 0 { close(parentLock) } }
        removeLeftovers(of: destination)
        try checkOwnership(destination)

        let contents = try Contents(released: released, store: store)
        let manifestBytes = manifest(results: results, store: store, pipeline: pipeline, files: contents.files)
        placed.folder = destination
        // The audit folder always holds the named files of the release in
        // place: written once that release stands, never for one refused.
        let placedFiles = PlacedFiles(store: store)
        let known = options.verify ? [:] : placedFiles.identities(of: destination)
        if isCurrent(destination, manifest: manifestBytes, trusting: known) {
            // Checked just now, file by file: what was read is trusted next time.
            placedFiles.record(destination, files: contents.files)
            if let compareWith = options.compareWith { compare(compareWith, destination) }
            if let auditFolder = options.auditFolder { try writeAudit(contents.auditSources, to: auditFolder) }
            return placed
        }

        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
        let token = Interruption.onInterrupt { Interruption.remove(staging) }
        defer {
            Interruption.finished(token)
            try? FileManager.default.removeItem(at: staging)
        }
        try write(contents, manifest: manifestBytes, to: staging)
        try carrySubreleases(from: destination, into: staging)

        let hasPrevious = FileManager.default.fileExists(atPath: destination.appendingPathComponent(manifestName).path)
        // The two releases' figures are read on two threads.
        let guardFigures: [ReleaseGuard.Figures?] = options.acceptShrink ? [nil, nil] : Parallel.map(count: 2, threads: 2) { index in
            index == 0 ? ReleaseGuard.Figures.read(release: staging) : hasPrevious ? ReleaseGuard.Figures.read(release: destination) : nil
        }
        if let newFigures = guardFigures[0] {
            let previous = guardFigures[1]
            let problems = ReleaseGuard.problems(new: newFigures, previous: previous, limits: options.limits)
            if !problems.isEmpty { throw IINError.releaseShrank(release: destination.path, hadPrevious: hasPrevious, failures: problems) }
        }
        if let compareWith = options.compareWith {
            compare(compareWith, staging)
        } else if hasPrevious {
            compare(destination, staging)
            // Paths in the report name where the release ends up.
            if let comparison = placed.comparison {
                placed.comparison = comparison.adding("current", .string(destination.path))
            }
        }
        try Interruption.critical { () throws(IINError) in try swap(staging, into: destination) }
        placedFiles.record(destination, files: contents.files)
        if let auditFolder = options.auditFolder { try writeAudit(contents.auditSources, to: auditFolder) }
        return placed
    }

    /// A symbolic link (current -> release-2026-12-01) stays a link: the
    /// release is placed where it points.
    static func followingLinks(_ folder: URL) throws(IINError) -> URL {
        var destination = folder
        var hops = 0
        while FolderEntries.kind(of: destination.path) == .link {
            hops += 1
            guard hops <= 16, let text = try? FileManager.default.destinationOfSymbolicLink(atPath: destination.path) else {
                throw IINError.releaseFolderNotOurs(path: destination.path, reason: "it is a symbolic link that cannot be followed")
            }
            let target = text.hasPrefix("/") ? URL(fileURLWithPath: text) : destination.deletingLastPathComponent().appendingPathComponent(text)
            guard FolderEntries.kind(of: target.path) != .other("unreadable") else {
                throw IINError.releaseFolderNotOurs(path: destination.path, reason: "it is a symbolic link to \(target.path), which does not exist")
            }
            destination = target.standardizedFileURL
        }
        return destination
    }

    /// Runs on two work folders may name one release folder: an flock on
    /// the folder that holds it lets one place a release at a time.
    /// - Returns: the descriptor holding the lock (-1 where the folder
    ///   cannot be opened), for the caller to close.
    static func lockParent(of destination: URL) throws(IINError) -> Int32 {
        let parent = destination.deletingLastPathComponent()
        try DiskWrites.makeFolder(parent)
        let descriptor = open(parent.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) != 0, errno == EWOULDBLOCK {
            close(descriptor)
            throw IINError.releaseFolderBusy(path: destination.path)
        }
        return descriptor
    }

    /// One file of the release as the manifest lists it.
    struct ManifestFile: Sendable {
        var path: String
        var size: Int
        var sha256: String
        var rows: Int?

        var json: JSONValue {
            var item: [String: JSONValue] = ["path": .string(path), "size": .integer(size), "sha256": .string(sha256)]
            if let rows { item["rows"] = .integer(rows) }
            return .object(item)
        }
    }

    /// What the release is made of: the released artifacts' files, and the
    /// files that go to the audit folder instead.
    struct Contents {
        var sources: [(from: URL, path: String, sha256: String)] = []
        var auditSources: [(from: URL, path: String)] = []
        /// Sorted by path.
        var files: [ManifestFile] = []

        init(released: [StageResult], store: ArtifactStore) throws(IINError) {
            for result in released {
                guard case let .hit(record, folder) = store.lookup(stage: result.stage, fingerprint: result.fingerprint, check: .sizes) else {
                    throw IINError.corruptArtifact(path: result.artifact.path, reason: "artifact vanished before the release was written")
                }
                for entry in record.files where !entry.path.hasPrefix(memoPrefix) {
                    if entry.path.hasPrefix(auditPrefix) {
                        auditSources.append((folder.appendingPathComponent(entry.path), String(entry.path.dropFirst(auditPrefix.count))))
                        continue
                    }
                    sources.append((folder.appendingPathComponent(entry.path), entry.path, entry.sha256))
                    files.append(ManifestFile(path: entry.path, size: entry.size, sha256: entry.sha256, rows: record.fileRows[entry.path]))
                }
            }
            files.sort { $0.path < $1.path }
        }
    }

    /// The manifest: the program, the pipeline file's hash, every input's
    /// files, every stage's parameters and fingerprint and every file of
    /// the release.
    static func manifest(results: [StageResult], store: ArtifactStore, pipeline: Pipeline, files: [ManifestFile]) -> Data {
        var inputs: [String: JSONValue] = [:]
        var stages: [String: JSONValue] = [:]
        var parameters: [String: JSONValue] = [:]
        for result in results {
            stages[result.stage] = .string(result.fingerprint)
            if case let .hit(record, _) = store.lookup(stage: result.stage, fingerprint: result.fingerprint, check: .sizes) {
                for (name, digests) in record.components.inputs {
                    inputs[name] = .array(digests.map { .object(["name": .string($0.name), "size": .integer($0.size), "sha256": .string($0.sha256)]) })
                }
                // The stage's parameters as it ran, defaults filled in.
                parameters[result.stage] = (try? JSONValue.parse(Data(record.components.parameters.utf8))) ?? .string(record.components.parameters)
            }
        }
        let pipelineHash = (try? FileHashCache.sha256(of: pipeline.file)) ?? ""
        var scoped: [String: JSONValue] = [:]
        let scope = pipeline.scope
        if !scope.isNational {
            scoped[subreleaseKey] = .object(["resolution": .string(scope.resolution.rawValue), "region": .string(scope.region?.name ?? ""),
                                             "codes": .array((scope.region?.codes ?? []).map { .integer($0) })])
        }
        let manifest = JSONValue.object(scoped.merging([
            markerKey: .integer(1),
            "program": .object(["name": .string("iin"), "version": .string(IINVersion.current)]),
            "pipeline": .object(["sha256": .string(pipelineHash)]),
            "inputs": .object(inputs),
            "parameters": .object(parameters),
            "stages": .object(stages),
            "files": .array(files.map(\.json)),
        ]) { first, _ in first })
        return Data((manifest.prettyPrinted() + "\n").utf8)
    }

    /// Writes the release into `staging`, under the full-disk test hook's
    /// name for placing the release.
    static func write(_ contents: Contents, manifest: Data, to staging: URL) throws(IINError) {
        DiskWrites.beginStage(stagingStageName)
        defer { DiskWrites.beginStage(nil) }
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: staging.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? manager.removeItem(at: staging)
            try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw IINError.unwritableFile(path: staging.path, reason: error.localizedDescription)
        }
        do throws(IINError) {
            // Hard links to the artifacts (copies only across file systems),
            // two at a time. A release file edited in place changes its
            // artifact too: the next run finds the changed stat, re-hashes,
            // and rebuilds and re-places both.
            let sources = contents.sources
            let failures = Parallel.map(count: sources.count, threads: 2) { index -> IINError? in
                do throws(IINError) {
                    try DiskWrites.copy(sources[index].from, to: staging.appendingPathComponent(sources[index].path), knownSHA256: sources[index].sha256, link: true)
                    return nil
                } catch {
                    return error
                }
            }
            if let failure = failures.compactMap({ $0 }).first { throw failure }
            try DiskWrites.write(manifest, to: staging.appendingPathComponent(manifestName))
        } catch {
            // Placing a release needs room for all of it beside the old one.
            if case let .diskFull(folder, file, needed, available) = error {
                let whole = contents.files.reduce(0) { $0 + $1.size }
                throw IINError.diskFull(folder: folder, file: file, needed: max(needed, whole), available: available)
            }
            throw error
        }
    }

    /// The name the full-disk test hook uses for placing the release.
    public static let stagingStageName = ReleasePlacement.stepName

    /// Puts `staging` at `destination` with no moment at which the
    /// destination is missing: an atomic exchange where the file system
    /// allows (the old release then sits at `staging` and is removed),
    /// else the old release is moved aside just before and restored by the
    /// next run should this one die in between.
    static func swap(_ staging: URL, into destination: URL) throws(IINError) {
        let manager = FileManager.default
        guard manager.fileExists(atPath: destination.path) else {
            if iin_rename_noreplace(staging.path, destination.path) == 0 { return }
            if errno == EEXIST {
                throw IINError.unwritableFile(path: destination.path, reason: "another process created it while the release was being written")
            }
            do { try manager.moveItem(at: staging, to: destination) } catch {
                throw IINError.unwritableFile(path: destination.path, reason: error.localizedDescription)
            }
            return
        }
        if iin_rename_exchange(staging.path, destination.path) == 0 {
            try? manager.removeItem(at: staging)
            return
        }
        let retired = retiredFolder(of: destination, pid: getpid())
        do {
            try? manager.removeItem(at: retired)
            try manager.moveItem(at: destination, to: retired)
            try manager.moveItem(at: staging, to: destination)
        } catch {
            throw IINError.unwritableFile(path: destination.path, reason: error.localizedDescription)
        }
        try? manager.removeItem(at: retired)
    }

    static func retiredFolder(of destination: URL, pid: Int32) -> URL {
        destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).old-\(pid)")
    }

    /// Removes the staging and retired folders of runs that died, and puts
    /// back a retired release whose replacement never arrived.
    /// The manifest key of a release of a scoped network (`NetworkScope`),
    /// which sits in a folder of its own inside the national release.
    static let subreleaseKey = "scope"

    /// Whether a folder holds a scoped network's release: its own
    /// pipeline places and replaces it; the release around it carries it
    /// over, untouched, and lists none of its files.
    static func isSubrelease(_ folder: URL) -> Bool {
        guard FolderEntries.kind(of: folder.path) == .folder,
              FolderEntries.kind(of: folder.appendingPathComponent(manifestName).path) == .file,
              let data = try? Data(contentsOf: folder.appendingPathComponent(manifestName)), let manifest = try? JSONValue.parse(data) else { return false }
        return manifest[markerKey]?.intValue == 1 && manifest[subreleaseKey] != nil
    }

    /// Links the scoped releases inside the release being replaced into
    /// its successor, file by file (copies across file systems).
    static func carrySubreleases(from destination: URL, into staging: URL) throws(IINError) {
        guard FolderEntries.kind(of: destination.path) == .folder, let present = try? FolderEntries(destination) else { return }
        for name in present.subreleases {
            let folder = destination.appendingPathComponent(name)
            let inner = try FolderEntries(folder, keepingSubreleases: true)
            for entry in inner.entries {
                let target = staging.appendingPathComponent(name).appendingPathComponent(entry.path)
                switch entry.kind {
                case .folder: try DiskWrites.makeFolder(target)
                case .file:
                    try DiskWrites.makeFolder(target.deletingLastPathComponent())
                    try DiskWrites.copy(folder.appendingPathComponent(entry.path), to: target, knownSHA256: nil, link: true)
                default: continue
                }
            }
        }
    }

    static func removeLeftovers(of destination: URL) {
        let manager = FileManager.default
        let parent = destination.deletingLastPathComponent()
        let prefix = ".\(destination.lastPathComponent)."
        guard let names = try? manager.contentsOfDirectory(atPath: parent.path) else { return }
        for name in names.sorted() where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            let kind: String
            if rest.hasPrefix("partial-") { kind = "partial-" } else if rest.hasPrefix("old-") { kind = "old-" } else { continue }
            guard let pid = Int32(rest.dropFirst(kind.count)), pid != getpid(), !processIsAlive(pid) else { continue }
            let url = parent.appendingPathComponent(name)
            // A retired folder was a whole release: without the marker, it
            // is not ours to remove.
            if kind == "old-" {
                guard let data = try? Data(contentsOf: url.appendingPathComponent(manifestName)), let manifest = try? JSONValue.parse(data),
                      manifest[markerKey]?.intValue == 1 else { continue }
            }
            if kind == "old-" && !manager.fileExists(atPath: destination.path) {
                try? manager.moveItem(at: url, to: destination)
            } else {
                try? manager.removeItem(at: url)
            }
        }
    }

    static func processIsAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// A folder may be replaced when it is empty, or when its manifest says
    /// iin wrote it and it holds only the files the manifest lists.
    static func checkOwnership(_ destination: URL) throws(IINError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: destination.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw IINError.releaseFolderNotOurs(path: destination.path, reason: "it is a file, not a folder") }
        guard let present = try? FolderEntries(destination) else {
            throw IINError.releaseFolderNotOurs(path: destination.path, reason: "its contents cannot be listed")
        }
        if present.entries.isEmpty { return }
        guard FolderEntries.kind(of: destination.appendingPathComponent(manifestName).path) == .file,
              let data = try? Data(contentsOf: destination.appendingPathComponent(manifestName)),
              let manifest = try? JSONValue.parse(data),
              manifest[markerKey]?.intValue == 1 || manifest["program"]?["name"]?.stringValue == "iin"
        else {
            throw IINError.releaseFolderNotOurs(path: destination.path, reason: "it has no \(manifestName) written by iin")
        }
        let listed = Set((manifest["files"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue } + [manifestName])
        let unexpected = present.unexpected(listed: listed)
        if !unexpected.isEmpty {
            let named = unexpected.prefix(10).joined(separator: ", ") + (unexpected.count > 10 ? " and \(unexpected.count - 10) more" : "")
            throw IINError.releaseFolderNotOurs(path: destination.path, reason: "it holds file(s) its manifest does not list: \(named)")
        }
    }

    /// The files with enterprise names, into the audit folder, each put in
    /// place by a rename so a reader never sees half of one.
    static func writeAudit(_ sources: [(from: URL, path: String)], to folder: URL) throws(IINError) {
        for source in sources {
            let target = folder.appendingPathComponent(source.path)
            let partial = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())")
            try DiskWrites.copy(source.from, to: partial)
            guard rename(partial.path, target.path) == 0 else {
                throw IINError.unwritableFile(path: target.path, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// Whether the folder already holds exactly this release: the same
    /// manifest, and every file at the size and hash it lists (a same-size
    /// edit of one weight is found and the release rewritten). Then nothing
    /// is copied. A file whose `stat` is the one recorded when this run's
    /// work folder placed it is not read again (an edit changes its
    /// modification time).
    static func isCurrent(_ folder: URL, manifest: Data, trusting known: [String: PlacedFiles.Entry] = [:]) -> Bool {
        guard let existing = try? Data(contentsOf: folder.appendingPathComponent(manifestName)), existing == manifest else { return false }
        return ReleaseIntegrity.check(folder, trusting: known)?.passed == true
    }

    /// The identities of the files of the releases this work folder placed,
    /// by release folder, in `state/placed-releases.json`, so a rerun that
    /// changes nothing does not re-hash a release that grows with the corpus.
    struct PlacedFiles {
        struct Entry: Codable, Equatable {
            var identity: FileIdentity
            var sha256: String
        }

        let file: URL

        init(store: ArtifactStore) {
            file = store.stateFolder.appendingPathComponent("placed-releases.json")
        }

        private func all() -> [String: [String: Entry]] {
            guard let data = try? Data(contentsOf: file) else { return [:] }
            return (try? JSONDecoder().decode([String: [String: Entry]].self, from: data)) ?? [:]
        }

        func identities(of release: URL) -> [String: Entry] {
            all()[release.standardizedFileURL.path] ?? [:]
        }

        /// Remembers the files as they are now, under the hashes the manifest
        /// gives them; written only when that differs from what is kept.
        /// Release folders that no longer exist (dated nightly ones, deleted)
        /// are forgotten.
        func record(_ release: URL, files: [ManifestFile]) {
            var entries: [String: Entry] = [:]
            for entry in files {
                if let identity = FileIdentity.of(path: release.appendingPathComponent(entry.path).path), identity.size == entry.size {
                    entries[entry.path] = Entry(identity: identity, sha256: entry.sha256)
                }
            }
            var everything = all()
            let key = release.standardizedFileURL.path
            guard everything[key] != entries else { return }
            everything[key] = entries
            everything = everything.filter { FileManager.default.fileExists(atPath: $0.key) }
            if let data = try? JSONFile.encode(everything) { try? data.write(to: file, options: .atomic) }
        }
    }

    /// The stage fingerprints recorded in a release folder's manifest.
    public static func stageFingerprints(in folder: URL) -> [String: String]? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(manifestName)),
              let manifest = try? JSONValue.parse(data), let stages = manifest["stages"]?.objectValue else { return nil }
        return stages.compactMapValues(\.stringValue)
    }
}

/// Whether a release folder's bytes are still the ones its manifest
/// records: every listed file present, at its size and SHA-256, and no file
/// the manifest does not list.
public enum ReleaseIntegrity {
    /// nil when the folder has no manifest to check against. Every file is
    /// read and hashed.
    public static func check(_ folder: URL) -> CheckResult? {
        check(folder, trusting: [:])
    }

    /// The skipped check for a folder without a manifest: its bytes are not
    /// verified, and the audit says so.
    public static func unverified(_ folder: URL) -> CheckResult {
        var check = CheckResult(id: "manifest_hashes", title: "Every file matches the SHA-256 and size in \(ReleaseFolder.manifestName)",
                                passed: true, details: ["no \(ReleaseFolder.manifestName) in \(folder.path): the files' bytes are not verified, only recomputed"],
                                failures: [])
        check.skipped = true
        return check
    }

    /// nil when the folder has no manifest to check against. `known` holds
    /// files whose hash is taken on trust while their `stat` is unchanged
    /// (the run's own check of a release it placed; `iin audit` trusts none).
    static func check(_ folder: URL, trusting known: [String: ReleaseFolder.PlacedFiles.Entry]) -> CheckResult? {
        let manifestURL = folder.appendingPathComponent(ReleaseFolder.manifestName)
        let manifestKind = FolderEntries.kind(of: manifestURL.path)
        guard manifestKind != .other("unreadable") else { return nil }
        var check = CheckResult(id: "manifest_hashes", title: "Every file matches the SHA-256 and size in \(ReleaseFolder.manifestName)",
                                passed: true, details: [], failures: [])
        guard manifestKind == .file, let data = try? Data(contentsOf: manifestURL) else {
            check.passed = false
            check.failures.append("\(ReleaseFolder.manifestName) is not a readable regular file")
            return check
        }
        guard let manifest = try? JSONValue.parse(data), let files = manifest["files"]?.arrayValue else {
            check.passed = false
            check.failures.append("\(ReleaseFolder.manifestName) is not the JSON of a release manifest")
            return check
        }
        var listed = Set([ReleaseFolder.manifestName])
        for file in files {
            guard let path = file["path"]?.stringValue, let size = file["size"]?.intValue, let sha = file["sha256"]?.stringValue else {
                check.failures.append("an entry of \(ReleaseFolder.manifestName) lacks path, size or sha256: \(file.canonical)")
                continue
            }
            listed.insert(path)
            let url = folder.appendingPathComponent(path)
            // Never opened unless a regular file: a FIFO would block.
            let kind = FolderEntries.kind(of: url.path)
            guard kind == .file else {
                check.failures.append("\(path): \(kind == .other("unreadable") ? "missing" : "not a regular file")")
                continue
            }
            guard let actualSize = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int else {
                check.failures.append("\(path): missing")
                continue
            }
            let actual: String
            if let entry = known[path], entry.sha256 == sha, entry.identity == FileIdentity.of(path: url.path) {
                actual = sha
            } else {
                actual = (try? FileHashCache.sha256(of: url)) ?? "unreadable"
            }
            if actualSize != size || actual != sha {
                check.failures.append("\(path): \(actualSize) bytes with SHA-256 \(actual.prefix(16))..., the manifest records \(size) bytes with \(sha.prefix(16))...")
            }
        }
        let present = (try? FolderEntries(folder)) ?? FolderEntries.empty
        for item in present.unexpected(listed: listed) {
            check.failures.append("\(item): not in the manifest")
        }
        // The manifest does not list itself.
        check.details.append("\(files.count) files listed, \(present.entries.filter { $0.kind == .file && $0.path != ReleaseFolder.manifestName }.count) files present besides the manifest")
        check.passed = check.failures.isEmpty
        return check
    }
}

/// Everything in a folder, by relative path and kind, read with `lstat` so
/// nothing is followed and nothing is opened: a FIFO is seen as a FIFO, not
/// read (and waited on for ever), and a symbolic link is a link.
struct FolderEntries {
    enum Kind: Equatable { case file, folder, link, other(String) }

    var entries: [(path: String, kind: Kind)] = []
    /// Top-level folders holding a scoped network's release
    /// (`ReleaseFolder.isSubrelease`): neither walked nor in `entries`.
    var subreleases: [String] = []
    private var keepingSubreleases = false

    static let empty = FolderEntries()
    private init() {}

    init(_ folder: URL, keepingSubreleases: Bool = false) throws(IINError) {
        self.keepingSubreleases = keepingSubreleases
        try walk(folder, prefix: "")
        entries.sort { $0.path < $1.path }
        subreleases.sort()
    }

    private mutating func walk(_ folder: URL, prefix: String) throws(IINError) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw IINError.unreadableFile(path: folder.path, reason: error.localizedDescription)
        }
        for name in names {
            let url = folder.appendingPathComponent(name)
            let path = prefix + name
            let kind = Self.kind(of: url.path)
            if prefix.isEmpty && kind == .folder && !keepingSubreleases {
                // What a scoped placement stopped halfway left
                // (`.county-guizhou.partial-PID`): its own next run clears
                // it; this release neither lists nor carries it.
                if name.hasPrefix("."), name.contains(".partial-") || name.contains(".old-") { continue }
                if ReleaseFolder.isSubrelease(url) {
                    subreleases.append(name)
                    continue
                }
            }
            entries.append((path, kind))
            if kind == .folder { try walk(url, prefix: path + "/") }
        }
    }

    static func kind(of path: String) -> Kind {
        switch FileType.of(path, followingLinks: false) {
        case .file: return .file
        case .folder: return .folder
        case .link: return .link
        case .unreadable: return .other("unreadable")
        case .fifo: return .other("a FIFO")
        case .socket: return .other("a socket")
        case .characterDevice, .blockDevice: return .other("a device")
        case .other: return .other("not a regular file")
        }
    }

    /// What is there besides `listed` files and the folders that hold
    /// them, each described for a message.
    func unexpected(listed: Set<String>) -> [String] {
        var holders = Set<String>()
        for path in listed {
            var parts = path.split(separator: "/").dropLast()
            while !parts.isEmpty {
                holders.insert(parts.joined(separator: "/"))
                parts = parts.dropLast()
            }
        }
        return entries.compactMap { entry in
            switch entry.kind {
            case .file: return listed.contains(entry.path) ? nil : entry.path
            case .folder: return holders.contains(entry.path) ? nil : entry.path + "/ (a folder)"
            case .link: return entry.path + " (a symbolic link)"
            case let .other(what): return entry.path + " (\(what))"
            }
        }
    }
}
