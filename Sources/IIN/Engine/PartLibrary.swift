import Foundation

/// The per-input-file parts of a stage's artifact, in input order. A
/// stage that works file by file writes one part per input file under a
/// key naming everything that part depends on, so that a later run
/// sharing the file links the part in instead of redoing it: a nightly
/// crawl with one file of twelve changed reprocesses one file.
///
/// On disk it is two files: `parts.json`, each part's files and summary,
/// which the stages downstream read; and `part-keys.json`, the keys, which
/// say how a part was made rather than what it holds. The keys are left
/// out of the content digest downstream stages are keyed on, so a rerun
/// under a new parameter that writes the same parts still cuts off.
public struct PartManifest<Summary: Codable & Sendable>: Sendable {
    public struct Part: Codable, Sendable {
        public var key: String
        /// Role ("records", "text", "rejects") to the file's name in the
        /// artifact folder; a part may lack a role (a workbook has no text).
        public var files: [String: String]
        /// What the stage needs of the part without reading its files:
        /// its accounting, its tallies.
        public var summary: Summary

        public init(key: String, files: [String: String], summary: Summary) {
            self.key = key
            self.files = files
            self.summary = summary
        }
    }

    public var parts: [Part]

    public static var fileName: String { PartFiles.manifest }

    public init(parts: [Part]) { self.parts = parts }

    private struct Listed: Codable {
        var files: [String: String]
        var summary: Summary
    }

    /// `prefix` is the folder inside the artifact that holds the two
    /// lists ("" for a per-file stage; `memo/` where they are a cache the
    /// release must not get); the parts' files are named from the
    /// artifact's top either way.
    public static func read(from folder: URL, prefix: String = "") throws(IINError) -> PartManifest {
        let listed = try JSONFile.read([Listed].self, from: folder.appendingPathComponent(prefix + PartFiles.manifest))
        let keysURL = folder.appendingPathComponent(prefix + PartFiles.keys)
        let keys = try JSONFile.read([String].self, from: keysURL)
        guard keys.count == listed.count else {
            throw IINError.corruptArtifact(path: keysURL.path, reason: "\(keys.count) keys for \(listed.count) parts")
        }
        return PartManifest(parts: zip(keys, listed).map { Part(key: $0, files: $1.files, summary: $1.summary) })
    }

    public func write(to folder: URL, prefix: String = "") throws(IINError) {
        if !prefix.isEmpty { try DiskWrites.makeFolder(folder.appendingPathComponent(prefix)) }
        try JSONFile.write(parts.map { Listed(files: $0.files, summary: $0.summary) }, to: folder.appendingPathComponent(prefix + PartFiles.manifest))
        try JSONFile.write(parts.map(\.key), to: folder.appendingPathComponent(prefix + PartFiles.keys))
    }
}

/// The names of a per-file stage's part lists.
public enum PartFiles {
    public static let manifest = "parts.json"
    public static let keys = "part-keys.json"
    /// The folder of an artifact holding what its stage keeps to redo less
    /// next time (parts of a global stage, fits): never released, and not
    /// content to the stages downstream.
    public static let memoFolder = "memo/"

    /// The name of a part's file in this run: `records-003.bin`.
    public static func name(_ stem: String, part: Int, extension: String) -> String {
        String(format: "%@-%03d.%@", stem, part, `extension`)
    }
}

/// The earlier artifacts of the running stage, where parts are looked up
/// by key. The runner gives a stage the folders of its kept artifacts,
/// newest first; a forced stage gets none, so `--force` redoes every file.
public struct PartLibrary: Sendable {
    let folders: [URL]
    let check: ArtifactStore.Check

    public static let empty = PartLibrary(folders: [], check: .identity)

    public init(folders: [URL], check: ArtifactStore.Check) {
        self.folders = folders
        self.check = check
    }

    /// The file at `relative` in each earlier artifact that holds it as
    /// its `artifact.json` recorded it (by stat, or read again under
    /// `--verify`), newest first: what a stage kept for its next build is
    /// trusted no more than a part is.
    public func intactFiles(named relative: String) -> [URL] {
        folders.compactMap { folder in
            guard let record = ArtifactRecord.read(in: folder) else { return nil }
            let url = folder.appendingPathComponent(relative)
            return Self.intact(url, entry: record.files.first { $0.path == relative }, check: check) ? url : nil
        }
    }

    /// Whether a file of an earlier artifact is as its record says: by
    /// stat, or read again when the stat differs or under `--verify`.
    static func intact(_ url: URL, entry: ArtifactRecord.FileEntry?, check: ArtifactStore.Check) -> Bool {
        guard let entry, let identity = FileIdentity.of(path: url.path), identity.size == entry.size else { return false }
        if check == .content || identity != entry.identity {
            guard let sha = try? FileHashCache.sha256(of: url), sha == entry.sha256 else { return false }
        }
        return true
    }

    /// The parts of every earlier artifact that lists them, read once.
    public func load<Summary>(_ summary: Summary.Type, prefix: String = "") -> EarlierParts<Summary> {
        var sources: [EarlierParts<Summary>.Source] = []
        for folder in folders {
            guard let record = ArtifactRecord.read(in: folder) else { continue }
            let entries = Dictionary(record.files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
            // The lists that map keys to files are checked like the files
            // themselves: a reordered part-keys.json would otherwise link
            // one file's part under another's key, and keep doing so.
            guard [prefix + PartFiles.manifest, prefix + PartFiles.keys].allSatisfy({
                      PartLibrary.intact(folder.appendingPathComponent($0), entry: entries[$0], check: check)
                  }),
                  let manifest = try? PartManifest<Summary>.read(from: folder, prefix: prefix) else { continue }
            sources.append(.init(folder: folder, entries: entries, parts: manifest.parts))
        }
        return EarlierParts(sources: sources, check: check)
    }
}

/// Parts found in earlier artifacts, ready to be linked into a new one.
public struct EarlierParts<Summary: Codable & Sendable>: Sendable {
    struct Source: Sendable {
        var folder: URL
        var entries: [String: ArtifactRecord.FileEntry]
        var parts: [PartManifest<Summary>.Part]
    }

    let sources: [Source]
    let check: ArtifactStore.Check

    /// Links the part with `key` into `output`, each file under the name
    /// `naming` gives its role, and returns it as listed there; nil when
    /// no earlier artifact has it intact. A part's files are checked
    /// against the hashes its artifact recorded (by stat, or read again
    /// under `--verify`), so a damaged part is redone, never spread.
    public func adopt(key: String, into output: URL, naming: (String) -> String) -> PartManifest<Summary>.Part? {
        for source in sources {
            for part in source.parts where part.key == key {
                if let adopted = link(part, from: source, into: output, naming: naming) { return adopted }
            }
        }
        return nil
    }

    private func link(_ part: PartManifest<Summary>.Part, from source: Source, into output: URL,
                      naming: (String) -> String) -> PartManifest<Summary>.Part? {
        var checked: [(role: String, url: URL, sha256: String)] = []
        for (role, name) in part.files.sorted(by: { $0.key < $1.key }) {
            let url = source.folder.appendingPathComponent(name)
            guard let entry = source.entries[name], PartLibrary.intact(url, entry: entry, check: check) else { return nil }
            checked.append((role, url, entry.sha256))
        }
        var files: [String: String] = [:]
        for (role, url, sha256) in checked {
            let name = naming(role)
            let destination = output.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: destination)
            if (try? FileManager.default.linkItem(at: url, to: destination)) != nil {
                // The link shares the checked file's inode and mtime.
                KnownDigests.record(sha256, forPath: destination.path)
            } else if (try? DiskWrites.copy(url, to: destination)) == nil {
                // Nothing of a part half linked may stay: the stage would
                // then write the part afresh through a link into the
                // earlier artifact.
                for linked in files.values { try? FileManager.default.removeItem(at: output.appendingPathComponent(linked)) }
                try? FileManager.default.removeItem(at: destination)
                return nil
            }
            files[role] = name
        }
        return PartManifest<Summary>.Part(key: part.key, files: files, summary: part.summary)
    }

}

extension StageContext {
    /// The key of one per-file part: the stage's kind and code version, its
    /// parameters, the gazetteer's digest when it uses it, the digests of
    /// its inputs other than `perFileInputs`, and `item`, which names the
    /// file's own contribution (its digest, or the upstream part's key).
    public func partKey(kind: String, codeVersion: Int, usesGazetteer: Bool, perFileInputs: Set<String>, item: String) -> String {
        let components = FingerprintComponents(schema: FingerprintComponents.schemaVersion, kind: kind, codeVersion: codeVersion,
                                               parameters: parameters.canonical, upstream: [:],
                                               inputs: inputDigests.filter { !perFileInputs.contains($0.key) },
                                               gazetteer: usesGazetteer ? gazetteer.digest : nil)
        return FingerprintComponents.digest("iin-part\n\(components.fingerprint)\n\(item)")
    }
}
