import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A growable output buffer that flushes to a file in large blocks.
///
/// Stages write millions of small fields; collecting them in one buffer and
/// writing megabytes at a time keeps system calls out of the hot path. The
/// writes themselves go through `DiskWrites`: the first failure (a full disk,
/// say) is kept, later bytes are dropped, and `close` throws it, so callers
/// keep their non-throwing hot loop and still never lose an error.
public final class BufferedFileWriter {
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20
    public let url: URL
    public private(set) var bytesWritten = 0
    private var failure: IINError?
    /// The file's SHA-256, computed as its bytes go out, so the artifact
    /// store never reads the file back to hash it. A truncation ends it.
    private var hasher: SHA256? = SHA256()

    public init(url: URL) throws(IINError) {
        self.url = url
        // A file already there may be a hard link into an earlier artifact
        // (a part or a kept file linked in): truncating it would rewrite
        // that artifact's bytes too, so a new file is written instead. Only
        // a regular file with other links is unlinked: never a device, a
        // pipe or a symbolic link (/dev/stdout) given as an output.
        var existing = stat()
        if lstat(url.path, &existing) == 0, existing.st_mode & S_IFMT == S_IFREG, existing.st_nlink > 1 { unlink(url.path) }
        descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw DiskWrites.failure(path: url.path, code: errno, needed: 0)
        }
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    @inline(__always)
    public func write(byte: UInt8) {
        buffer.append(byte)
    }

    @inline(__always)
    public func write<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { flushBuffer() }
    }

    public func write(_ data: Data) {
        if data.count < flushThreshold {
            buffer.append(contentsOf: data)
            if buffer.count >= flushThreshold { flushBuffer() }
            return
        }
        flushBuffer()
        data.withUnsafeBytes { emit($0) }
    }

    /// Writes a large block straight to the file, after what is buffered.
    public func write(block: [UInt8]) {
        if block.count < flushThreshold {
            write(block)
            return
        }
        flushBuffer()
        block.withUnsafeBytes { emit($0) }
    }

    @inline(__always)
    public func write(_ string: String) {
        var copy = string
        copy.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= flushThreshold { flushBuffer() }
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) {
        if failure == nil {
            do throws(IINError) { try DiskWrites.writeAll(bytes, to: descriptor, path: url.path) } catch { failure = error }
        }
        hasher?.update(bufferPointer: bytes)
        bytesWritten += bytes.count
    }

    private func flushBuffer() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { emit($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Bytes written so far, buffered ones included.
    public var totalBytes: Int { bytesWritten + buffer.count }

    /// Cuts the file back to `length` bytes (undoing what was written after).
    public func truncate(to length: Int) throws(IINError) {
        flushBuffer()
        if let failure { throw failure }
        guard ftruncate(descriptor, off_t(length)) == 0, lseek(descriptor, 0, SEEK_END) >= 0 else {
            throw DiskWrites.failure(path: url.path, code: errno, needed: 0)
        }
        bytesWritten = length
        hasher = nil
    }

    /// Flushes and closes, throwing the first write failure. No fsync: a
    /// file cut short by a power loss has another size than its artifact
    /// records and is rebuilt; damage of the same size is what
    /// `iin run --verify` re-hashes for.
    public func close() throws(IINError) {
        flushBuffer()
        let descriptor = self.descriptor
        self.descriptor = -1
        if descriptor >= 0, Glibc.close(descriptor) != 0, failure == nil {
            failure = DiskWrites.failure(path: url.path, code: errno, needed: 0)
        }
        if let failure { throw failure }
        if let hasher { KnownDigests.record(hasher.finalize().hexString, forPath: url.path) }
    }
}
