import Crypto
import Foundation

/// Content hashes of input files, remembered by size, modification time and
/// inode so an unchanged multi-gigabyte crawl is not read again to learn
/// that it did not change.
public final class FileHashCache {
    struct Entry: Codable, Equatable {
        var identity: FileIdentity
        var sha256: String
    }

    private let storeURL: URL
    private var entries: [String: Entry]
    private var dirty = false
    /// Files actually read and hashed this run (the cache's misses).
    public private(set) var filesHashed = 0

    /// Whether every file is read again, whatever its `stat` (`iin run --verify`).
    private let rehashAll: Bool
    /// Files read this run: even with `rehashAll`, a file is read once,
    /// though the run plans every stage twice.
    private var readThisRun: Set<String> = []

    public init(storeURL: URL, rehashAll: Bool = false) {
        self.storeURL = storeURL
        self.rehashAll = rehashAll
        if let data = try? Data(contentsOf: storeURL), let decoded = try? JSONDecoder().decode([String: Entry].self, from: data) {
            entries = decoded
        } else {
            entries = [:]
        }
    }

    public func digest(of url: URL) throws(IINError) -> InputFileDigest {
        let path = url.standardizedFileURL.path
        guard let identity = FileIdentity.of(path: path) else {
            throw IINError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        let sha: String
        if !rehashAll || readThisRun.contains(path), let entry = entries[path], entry.identity == identity {
            sha = entry.sha256
        } else {
            sha = try Self.sha256(of: url)
            filesHashed += 1
            readThisRun.insert(path)
            entries[path] = Entry(identity: identity, sha256: sha)
            dirty = true
        }
        // A hard link a stage makes to this input shares its identity and
        // so takes this hash. When the hash came from the cache, it is as
        // good as the stat check that found it (the input's fingerprint
        // rests on the same check); --verify re-reads every input first.
        KnownDigests.record(sha, for: identity)
        return InputFileDigest(name: url.lastPathComponent, size: identity.size, sha256: sha)
    }

    /// Streams the file through SHA-256 in 4 MiB blocks.
    public static func sha256(of url: URL) throws(IINError) -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw IINError.unreadableFile(path: url.path, reason: "cannot open")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let block: Data?
            do { block = try handle.read(upToCount: 4 << 20) } catch {
                throw IINError.unreadableFile(path: url.path, reason: error.localizedDescription)
            }
            guard let block, !block.isEmpty else { break }
            hasher.update(data: block)
        }
        return hasher.finalize().hexString
    }

    public func save() {
        guard dirty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let data = try? encoder.encode(entries) {
            try? data.write(to: storeURL, options: .atomic)
        }
        dirty = false
    }
}
