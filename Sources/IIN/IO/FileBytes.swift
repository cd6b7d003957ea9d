import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole file for byte-level scanning.
///
/// Files are memory-mapped where the system allows, so a large crawl file is
/// paged in as it is scanned instead of being copied up front.
public enum FileBytes {
    public static func read(_ url: URL) throws(IINError) -> Data {
        do {
            return try Data(contentsOf: url, options: [.alwaysMapped])
        } catch {
            throw IINError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
    }
}

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

    public init(url: URL) throws(IINError) {
        self.url = url
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
    }

    /// Flushes and closes, throwing the first write failure. No fsync:
    /// artifacts are verified by their hashes before use, so a file cut
    /// short by a power loss is caught and rebuilt.
    public func close() throws(IINError) {
        flushBuffer()
        let descriptor = self.descriptor
        self.descriptor = -1
        if descriptor >= 0, Glibc.close(descriptor) != 0, failure == nil {
            failure = DiskWrites.failure(path: url.path, code: errno, needed: 0)
        }
        if let failure { throw failure }
    }
}

/// Reads what `BufferedFileWriter` wrote: varints and length-prefixed
/// strings, from a memory map whose finished pages are handed back as it
/// goes, so reading a multi-gigabyte artifact keeps memory flat.
public struct BinaryReader {
    private let file: MappedFile
    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0
    private var released = 0
    public let url: URL

    public init(url: URL) throws(IINError) {
        self.url = url
        file = try MappedFile(url: url)
        bytes = file.bytes
    }

    /// Bytes read so far.
    public var position: Int { offset }

    /// Hands back the pages already read, every 64 MiB.
    private mutating func releaseIfDue() {
        if offset - released >= 64 << 20 {
            file.releasePages(before: offset)
            released = offset
        }
    }

    public var atEnd: Bool { offset >= bytes.count }

    public mutating func readVarint() throws(IINError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else {
                throw IINError.corruptArtifact(path: url.path, reason: "truncated or overlong integer at byte \(offset)")
            }
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    public mutating func readInt() throws(IINError) -> Int { Int(truncatingIfNeeded: try readVarint()) }

    mutating func readByte() throws(IINError) -> UInt64 {
        guard offset < bytes.count else {
            throw IINError.corruptArtifact(path: url.path, reason: "truncated at byte \(offset)")
        }
        defer { offset += 1 }
        return UInt64(bytes[offset])
    }

    public mutating func readString() throws(IINError) -> String {
        let length = try readVarint()
        guard length <= UInt64(Int.max) else { throw IINError.corruptArtifact(path: url.path, reason: "string length \(length) at byte \(offset)") }
        return try readString(length: Int(length))
    }

    /// The next `length` bytes as UTF-8 text.
    public mutating func readString(length: Int) throws(IINError) -> String {
        guard length >= 0, length <= bytes.count - offset else {
            throw IINError.corruptArtifact(path: url.path, reason: "string runs past the end at byte \(offset)")
        }
        let string = String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)]), as: UTF8.self)
        offset += length
        releaseIfDue()
        return string
    }
}
