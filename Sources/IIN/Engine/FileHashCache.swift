import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

    /// How many files are hashed at once.
    private let threads: Int

    public init(storeURL: URL, rehashAll: Bool = false, threads: Int = 1) {
        self.storeURL = storeURL
        self.rehashAll = rehashAll
        self.threads = max(1, threads)
        if let data = try? Data(contentsOf: storeURL), let decoded = try? JSONDecoder().decode([String: Entry].self, from: data) {
            entries = decoded
        } else {
            entries = [:]
        }
    }

    public func digest(of url: URL) throws(IINError) -> InputFileDigest {
        try digests(of: [url])[0]
    }

    /// The digests of `urls`, in their order. The files the cache cannot
    /// vouch for are hashed side by side, since a nightly crawl is a dozen
    /// files of hundreds of megabytes and hashing one is a single core's work.
    public func digests(of urls: [URL]) throws(IINError) -> [InputFileDigest] {
        var found: [(path: String, identity: FileIdentity, sha256: String?)] = []
        for url in urls {
            let path = url.standardizedFileURL.path
            guard let identity = FileIdentity.of(path: path) else {
                throw IINError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
            }
            var sha: String?
            if !rehashAll || readThisRun.contains(path), let entry = entries[path], entry.identity == identity { sha = entry.sha256 }
            found.append((path, identity, sha))
        }
        let misses = found.indices.filter { found[$0].sha256 == nil }
        let missingURLs = misses.map { urls[$0] }
        let hashed = Parallel.map(count: missingURLs.count, threads: threads) { index -> Result<String, IINError> in
            do throws(IINError) { return .success(try Self.sha256(of: missingURLs[index])) } catch { return .failure(error) }
        }
        for (index, result) in zip(misses, hashed) {
            let sha: String
            switch result {
            case let .success(value): sha = value
            case let .failure(error): throw error
            }
            found[index].sha256 = sha
            filesHashed += 1
            readThisRun.insert(found[index].path)
            entries[found[index].path] = Entry(identity: found[index].identity, sha256: sha)
            dirty = true
        }
        return zip(urls, found).map { url, file in digest(url: url, identity: file.identity, sha256: file.sha256!) }
    }

    private func digest(url: URL, identity: FileIdentity, sha256 sha: String) -> InputFileDigest {
        // A hard link a stage makes to this input shares its identity and
        // so takes this hash. When the hash came from the cache, it is as
        // good as the stat check that found it (the input's fingerprint
        // rests on the same check); --verify re-reads every input first.
        KnownDigests.record(sha, for: identity)
        return InputFileDigest(name: url.lastPathComponent, size: identity.size, sha256: sha)
    }

    /// Streams the file through SHA-256 in 4 MiB blocks read into one
    /// buffer. Not through a memory map, though that saved the copy out of
    /// the page cache: a crawler truncating the file while it is hashed
    /// would kill the run with SIGBUS, where read() just ends early.
    public static func sha256(of url: URL) throws(IINError) -> String {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw IINError.unreadableFile(path: url.path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw IINError.unreadableFile(path: url.path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
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
