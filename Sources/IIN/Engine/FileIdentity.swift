import Crypto
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What `stat` says about a file: enough to tell, without reading it, that
/// it is still the file whose bytes were hashed. An edit in place changes
/// the modification time; a replacement changes the inode.
public struct FileIdentity: Codable, Sendable, Hashable {
    public var size: Int
    public var modifiedNanoseconds: Int64
    public var inode: UInt64
    public var device: UInt64

    public static func of(path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        // Wrapping: a modification time past 2262 is still a cache key.
        let modified = Int64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtim.tv_nsec)
        return FileIdentity(size: Int(info.st_size), modifiedNanoseconds: modified, inode: UInt64(info.st_ino), device: UInt64(info.st_dev))
    }
}

/// SHA-256 digests of files, by file identity, so an artifact is never read
/// back only to hash it: a `BufferedFileWriter` hashes the bytes as it
/// writes them, and an input's digest from `FileHashCache` (read this run,
/// or trusted by its unchanged `stat`) serves the hard link a stage makes to
/// it, which shares the input's inode and modification time.
public enum KnownDigests {
    private static let digests = Mutex<[FileIdentity: String]>([:])

    static func record(_ sha256: String, for identity: FileIdentity) {
        digests.withLock { $0[identity] = sha256 }
    }

    static func record(_ sha256: String, forPath path: String) {
        guard let identity = FileIdentity.of(path: path) else { return }
        record(sha256, for: identity)
    }

    /// The digest of the file at `path`, if this process knows it for the
    /// file as it is now.
    static func digest(ofPath path: String) -> (sha256: String?, identity: FileIdentity?) {
        guard let identity = FileIdentity.of(path: path) else { return (nil, nil) }
        return (digests.withLock { $0[identity] }, identity)
    }
}
