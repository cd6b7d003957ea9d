import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a work folder, so two runs never interleave.
///
/// It is an `flock` on `lock` in the work folder: the kernel releases it when
/// the holder dies, however it dies, so a lock left by a killed run is taken
/// over without anyone deleting files by hand. The holder's process id is
/// written into the file so the second run can say who holds it.
public final class WorkLock: Sendable {
    private let descriptor: Int32
    private let released = Atomic<Bool>(false)
    /// The process id found in a lock file whose holder had died.
    public let tookOverFromPID: Int32?

    public init(folder: URL) throws(IINError) {
        let path = folder.appendingPathComponent("lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw IINError.unwritableFile(path: path, reason: String(cString: strerror(errno)))
        }
        let previous = WorkLock.readPID(descriptor)
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            close(descriptor)
            throw IINError.workFolderLocked(folder: folder.path, holderPID: previous ?? 0)
        }
        self.descriptor = descriptor
        self.tookOverFromPID = previous
        ftruncate(descriptor, 0)
        let text = "\(getpid())\n"
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    private static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, 31, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }

    /// Gives the lock back; a second call (the interrupt handler's, then
    /// the run's own) does nothing.
    public func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
