import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map of a whole file.
///
/// Mapped pages count towards a process's resident memory once touched, so
/// a stage that streams through a multi-gigabyte file calls
/// `releasePages(before:)` on what it has finished with; the kernel then
/// drops those pages and peak memory stays bounded whatever the file size.
public final class MappedFile: @unchecked Sendable {
    public let url: URL
    public let count: Int
    private let base: UnsafeMutableRawPointer?

    public init(url: URL) throws(IINError) {
        self.url = url
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw IINError.unreadableFile(path: url.path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw IINError.unreadableFile(path: url.path, reason: String(cString: strerror(errno))) }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
            return
        }
        let pointer = mmap(nil, count, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let pointer, pointer != MAP_FAILED else {
            throw IINError.unreadableFile(path: url.path, reason: "cannot map: \(String(cString: strerror(errno)))")
        }
        madvise(pointer, count, MADV_SEQUENTIAL)
        base = pointer
    }

    deinit {
        if let base { munmap(base, count) }
    }

    /// The file's bytes; valid while this object lives.
    public var bytes: UnsafeBufferPointer<UInt8> {
        guard let base else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count)
    }

    /// Lets the kernel drop the pages before `offset`; reading them again
    /// would fault them back in from the file.
    public func releasePages(before offset: Int) {
        guard let base, offset > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let length = min(offset, count) / page * page
        if length > 0 { madvise(base, length, MADV_DONTNEED) }
    }
}
