import Foundation

/// What `artifact.json` records about a finished stage output.
public struct ArtifactRecord: Codable, Sendable {
    public struct FileEntry: Codable, Sendable, Equatable {
        public var path: String
        public var size: Int
        public var sha256: String
        /// The file as `stat` saw it when its hash was taken: a cache hit
        /// whose file still matches trusts the hash without reading it.
        public var identity: FileIdentity
    }

    /// One digest of everything the artifact holds: what the stages
    /// downstream are keyed on, so a rerun that writes the same bytes
    /// leaves them cached (early cutoff). The part keys are not content
    /// (`PartManifest`), and nor is `memo/`, what a stage keeps to redo
    /// less next time.
    public var contentDigest: String {
        FingerprintComponents.digest(files.filter { $0.path != PartFiles.keys && !$0.path.hasPrefix(PartFiles.memoFolder) }.map { "\($0.path):\($0.size):\($0.sha256)" }.joined(separator: "\n"))
    }

    /// The record of the artifact in `folder`, nil when it is missing or
    /// unreadable (the caller then trusts nothing of that artifact).
    static func read(in folder: URL) -> ArtifactRecord? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(ArtifactStore.metadataName)) else { return nil }
        return try? JSONDecoder().decode(ArtifactRecord.self, from: data)
    }

    public var stage: String
    public var fingerprint: String
    public var components: FingerprintComponents
    public var files: [FileEntry]
    /// Figures the stage reported, for the run log.
    public var counts: [String: Int]
    /// Rows of each table file, by path, for the release manifest.
    public var fileRows: [String: Int]
    public var seconds: Double
}

/// The content-addressed store of stage outputs in the work folder.
///
/// Layout: `artifacts/<stage>/<fingerprint>/` holding the stage's files and
/// `artifact.json`. A stage writes into `tmp/` and the folder is renamed into
/// place only once complete, so a run killed at any moment leaves nothing a
/// later run would trust; `artifact.json` lists each file's hash, which a
/// cache hit re-checks before use.
public struct ArtifactStore: Sendable {
    public let root: URL
    static let metadataName = "artifact.json"
    /// Artifacts kept per stage; older ones are pruned after a run.
    public static let keptPerStage = 3

    public init(workFolder: URL) {
        self.root = workFolder
    }

    var artifactsFolder: URL { root.appendingPathComponent("artifacts") }
    var temporaryFolder: URL { root.appendingPathComponent("tmp") }
    var stateFolder: URL { root.appendingPathComponent("state") }

    public func folder(stage: String, fingerprint: String) -> URL {
        artifactsFolder.appendingPathComponent(stage).appendingPathComponent(fingerprint)
    }

    public func prepare() throws(IINError) {
        for folder in [artifactsFolder, temporaryFolder, stateFolder] {
            try DiskWrites.makeFolder(folder)
        }
    }

    /// Removes half-written outputs of earlier runs. Only called while
    /// holding the work-folder lock, so nothing in `tmp/` is still in use.
    public func clearTemporary() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporaryFolder.path)) ?? []
        for name in names { try? FileManager.default.removeItem(at: temporaryFolder.appendingPathComponent(name)) }
    }

    public enum Lookup {
        case hit(ArtifactRecord, URL)
        case missing
        /// What is wrong, and the damaged file when one is (another
        /// artifact, or the release, may share its inode).
        case damaged(String, file: URL?)
    }

    /// How far a lookup trusts what `artifact.json` records.
    public enum Check: Sendable {
        /// Presence and sizes only, reading nothing (`iin status`).
        case sizes
        /// A file whose size, modification time and inode are those it had
        /// when hashed is trusted; any other is re-hashed (a run).
        case identity
        /// Every file is re-hashed (`iin run --verify`).
        case content
    }

    /// Finds the artifact for a fingerprint and checks its files as `check` says.
    public func lookup(stage: String, fingerprint: String, check: Check) -> Lookup {
        let folder = self.folder(stage: stage, fingerprint: fingerprint)
        let metadataURL = folder.appendingPathComponent(Self.metadataName)
        guard FileManager.default.fileExists(atPath: folder.path) else { return .missing }
        guard let data = try? Data(contentsOf: metadataURL), var record = try? JSONDecoder().decode(ArtifactRecord.self, from: data),
              record.fingerprint == fingerprint
        else { return .damaged("\(Self.metadataName) missing or unreadable", file: nil) }
        var reidentified = false
        for (position, entry) in record.files.enumerated() {
            let url = folder.appendingPathComponent(entry.path)
            guard let identity = FileIdentity.of(path: url.path) else { return .damaged("\(entry.path) missing", file: nil) }
            guard identity.size == entry.size else { return .damaged("\(entry.path) has \(identity.size) bytes, expected \(entry.size)", file: url) }
            let rehash: Bool
            switch check {
            case .sizes: rehash = false
            case .identity: rehash = identity != entry.identity
            case .content: rehash = true
            }
            if rehash {
                guard let sha = try? FileHashCache.sha256(of: url), sha == entry.sha256 else {
                    return .damaged("\(entry.path) content hash differs", file: url)
                }
                // Intact under a new identity (touched, copied back): trusted
                // by stat from now on, instead of re-read on every run.
                if identity != entry.identity {
                    record.files[position].identity = identity
                    reidentified = true
                }
            }
        }
        if reidentified, let encoded = try? JSONFile.encode(record) { try? encoded.write(to: metadataURL, options: Data.WritingOptions.atomic) }
        return .hit(record, folder)
    }

    public func discard(stage: String, fingerprint: String) {
        try? FileManager.default.removeItem(at: folder(stage: stage, fingerprint: fingerprint))
    }

    /// Discards every artifact that holds the file at `path`, under its
    /// own name or as a hard link (a part linked from one build into the
    /// next shares its inode), and returns them as "stage fingerprint".
    /// A stage that finds a file damaged in use, where `stat` saw nothing,
    /// calls for this: otherwise the damaged artifact would stay a cache
    /// hit and every rerun would fail on it again, or link the damaged
    /// part into its next artifact.
    public func discardArtifacts(holding path: String) -> [String] {
        guard let damaged = FileIdentity.of(path: path) else { return [] }
        var discarded: [String] = []
        let stages = (try? FileManager.default.contentsOfDirectory(atPath: artifactsFolder.path)) ?? []
        for stage in stages.sorted() {
            let stageFolder = artifactsFolder.appendingPathComponent(stage)
            for fingerprint in ((try? FileManager.default.contentsOfDirectory(atPath: stageFolder.path)) ?? []).sorted() {
                let folder = stageFolder.appendingPathComponent(fingerprint)
                guard let files = try? Self.listFiles(in: folder), files.contains(where: { relative in
                    guard let identity = FileIdentity.of(path: folder.appendingPathComponent(relative).path) else { return false }
                    return identity.inode == damaged.inode && identity.device == damaged.device
                }) else { continue }
                discard(stage: stage, fingerprint: fingerprint)
                discarded.append("\(stage) \(fingerprint.prefix(12))")
            }
        }
        return discarded
    }

    /// A fresh, empty folder for a stage to write into.
    public func temporaryArtifact(stage: String, fingerprint: String) -> URL {
        temporaryFolder.appendingPathComponent("\(stage)-\(fingerprint.prefix(16))-\(getpid())")
    }

    public func scratchFolder(stage: String) -> URL {
        temporaryFolder.appendingPathComponent("\(stage)-scratch-\(getpid())")
    }

    public func beginArtifact(stage: String, fingerprint: String) throws(IINError) -> URL {
        let folder = temporaryArtifact(stage: stage, fingerprint: fingerprint)
        try? FileManager.default.removeItem(at: folder)
        try DiskWrites.makeFolder(folder)
        return folder
    }

    /// A folder for a stage's temporary files, beside the artifacts in
    /// progress so a killed run's leftovers are cleared the same way.
    public func beginScratch(stage: String) throws(IINError) -> URL {
        let folder = scratchFolder(stage: stage)
        try? FileManager.default.removeItem(at: folder)
        try DiskWrites.makeFolder(folder)
        return folder
    }

    /// Records what the stage wrote and renames the folder into place: the
    /// artifact exists from that instant on, complete. A file is read to
    /// hash it only when its writer did not hash it on the way out (SQLite
    /// databases, files written by other libraries).
    public func commitArtifact(temporary: URL, stage: String, components: FingerprintComponents,
                               outcome: StageOutcome, seconds: Double) throws(IINError) -> ArtifactRecord {
        let fingerprint = components.fingerprint
        var files: [ArtifactRecord.FileEntry] = []
        for relative in try Self.listFiles(in: temporary) {
            let url = temporary.appendingPathComponent(relative)
            let (known, found) = KnownDigests.digest(ofPath: url.path)
            guard let identity = found else { throw IINError.unreadableFile(path: url.path, reason: "vanished before it was recorded") }
            let sha256: String
            if let known { sha256 = known } else { sha256 = try FileHashCache.sha256(of: url) }
            files.append(.init(path: relative, size: identity.size, sha256: sha256, identity: identity))
        }
        let record = ArtifactRecord(stage: stage, fingerprint: fingerprint, components: components, files: files, counts: outcome.counts, fileRows: outcome.fileRows, seconds: seconds)
        try JSONFile.write(record, to: temporary.appendingPathComponent(Self.metadataName))
        do {
            let destination = folder(stage: stage, fingerprint: fingerprint)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.removeItem(at: destination) }
            try FileManager.default.moveItem(at: temporary, to: destination)
        } catch {
            throw IINError.unwritableFile(path: temporary.path, reason: error.localizedDescription)
        }
        return record
    }

    /// Relative paths of every regular file below `folder`, sorted.
    static func listFiles(in folder: URL) throws(IINError) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else {
            throw IINError.unreadableFile(path: folder.path, reason: "cannot list")
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: folder.appendingPathComponent(relative).path, isDirectory: &isDirectory)
            if exists && !isDirectory.boolValue && relative != metadataName { files.append(relative) }
        }
        return files.sorted()
    }

    // MARK: - What was last built, per stage (for rerun reasons)

    public func lastBuilt(stage: String) -> FingerprintComponents? {
        let url = stateFolder.appendingPathComponent("\(stage).json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(FingerprintComponents.self, from: data)
    }

    public func recordBuilt(stage: String, components: FingerprintComponents) {
        if let data = try? JSONFile.encode(components) {
            try? data.write(to: stateFolder.appendingPathComponent("\(stage).json"), options: .atomic)
        }
    }

    /// Marks an artifact as just used, so pruning keeps it.
    public func touch(stage: String, fingerprint: String) {
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: folder(stage: stage, fingerprint: fingerprint).path)
    }

    /// The complete artifacts of a stage other than `fingerprint`'s, most
    /// recently used first: where a stage that works file by file finds
    /// parts to reuse.
    public func earlierArtifacts(stage: String, except fingerprint: String) -> [URL] {
        let stageFolder = artifactsFolder.appendingPathComponent(stage)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: stageFolder.path)) ?? []
        return names.filter { $0 != fingerprint }.compactMap { name -> (URL, Date)? in
            let folder = stageFolder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(Self.metadataName).path) else { return nil }
            let date = (try? FileManager.default.attributesOfItem(atPath: folder.path)[.modificationDate] as? Date) ?? nil
            return (folder, date ?? .distantPast)
        }.sorted { $0.1 > $1.1 }.map(\.0)
    }

    /// Keeps the most recently used artifacts of each stage.
    public func prune(stage: String) {
        let stageFolder = artifactsFolder.appendingPathComponent(stage)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: stageFolder.path)) ?? []
        let dated = names.map { name -> (String, Date) in
            let date = (try? FileManager.default.attributesOfItem(atPath: stageFolder.appendingPathComponent(name).path)[.modificationDate] as? Date) ?? nil
            return (name, date ?? .distantPast)
        }.sorted { $0.1 > $1.1 }
        for (name, _) in dated.dropFirst(Self.keptPerStage) {
            try? FileManager.default.removeItem(at: stageFolder.appendingPathComponent(name))
        }
    }
}
