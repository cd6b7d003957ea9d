import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
import CIINSystem
#endif

/// Every byte the pipeline writes goes through here, so that a failing write
/// (a full disk above all) becomes an `IINError` that names the folder and
/// the space needed, never a trap inside Foundation's non-throwing
/// `FileHandle.write`, and so that a test can make the disk fill up in any
/// stage without needing a small file system.
public enum DiskWrites {
    /// The test hook: `IIN_FAULT_FULL_DISK=STAGE[:BYTES]` makes every write
    /// of that stage fail with "no space left on device" once the stage has
    /// written BYTES bytes (0 by default). It is read once per process; the
    /// failure it causes takes the same path as a real full disk.
    public static let faultVariable = "IIN_FAULT_FULL_DISK"

    /// The other test hook: `IIN_FAULT_KILL=STAGE:BYTES` kills the process
    /// with SIGKILL, as `kill -9` would, right after the write that takes
    /// that stage's output past BYTES bytes, so a test can stop a stage at a
    /// fixed point with half its output on disk. For tests only.
    public static let killVariable = "IIN_FAULT_KILL"

    struct Fault: Sendable {
        var variable: String
        var value: String
        var stage: String
        /// nil when BYTES is not a whole number of 0 or more: the hook is
        /// then refused before anything runs (`checkTestHooks`), never
        /// taken as 0.
        var budget: Int?

        init?(variable: String, bytesRequired: Bool) {
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return nil }
            self.variable = variable
            self.value = value
            let parts = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            stage = String(parts[0])
            if parts.count > 1 {
                let digits = parts[1]
                budget = !digits.isEmpty && digits.allSatisfy({ $0.isASCII && $0.isNumber }) ? Int(digits) : nil
            } else {
                budget = bytesRequired ? nil : 0
            }
        }
    }

    static let fault = Fault(variable: faultVariable, bytesRequired: false)
    static let kill = Fault(variable: killVariable, bytesRequired: true)

    /// Refuses a test hook whose value names no stage of this pipeline or
    /// no byte count, and warns of one that is set: a hook left in a
    /// nightly job's environment would otherwise fail the run without a
    /// word, or be ignored without one.
    public static func checkTestHooks(stages: [String]) throws(IINError) -> [String] {
        var warnings: [String] = []
        for hook in [fault, kill].compactMap({ $0 }) {
            let form = hook.variable == killVariable ? "STAGE:BYTES" : "STAGE[:BYTES]"
            let expected = "\(form), for tests only: STAGE one of \(stages.joined(separator: ", ")), BYTES a whole number of 0 or more; unset it for real runs"
            guard stages.contains(hook.stage), hook.budget != nil else {
                throw IINError.invalidArgument(name: hook.variable, value: hook.value, expected: expected)
            }
            let effect = hook.variable == killVariable ? "is killed with SIGKILL" : "fails as if the disk were full"
            warnings.append("test hook \(hook.variable)=\(hook.value) is set: if stage \(hook.stage) runs and writes more than \(hook.budget!) bytes, it \(effect)")
        }
        return warnings
    }

    private static let currentStage = Mutex<String?>(nil)
    private static let writtenInStage = Atomic<Int>(0)
    private static let killedInStage = Atomic<Int>(0)

    /// The runner names the stage it runs, so the hook knows when to fire.
    public static func beginStage(_ name: String?) {
        currentStage.withLock { $0 = name }
        writtenInStage.store(0, ordering: .relaxed)
        killedInStage.store(0, ordering: .relaxed)
    }

    /// Whether the hook refuses `count` more bytes now.
    static func injectedFailure(count: Int) -> Bool {
        guard let fault else { return false }
        guard currentStage.withLock({ $0 }) == fault.stage else { return false }
        let before = writtenInStage.add(count, ordering: .relaxed).oldValue
        return before + count > fault.budget ?? 0
    }

    /// Counts `count` bytes just written for the kill hook, and dies when
    /// they take the stage past its budget.
    static func wrote(count: Int) {
        guard let kill, currentStage.withLock({ $0 }) == kill.stage else { return }
        guard let budget = kill.budget else { return }
        if killedInStage.add(count, ordering: .relaxed).newValue > budget {
            _ = Glibc.kill(getpid(), SIGKILL)
            // SIGKILL is not delivered at once on every kernel path; nothing
            // more may be written meanwhile.
            while true { pause() }
        }
    }

    /// Writes all of `bytes` to `descriptor`, retrying short writes; the
    /// error names `path` and, for a full disk, the space still needed.
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws(IINError) {
        if injectedFailure(count: bytes.count) { throw failure(path: path, code: ENOSPC, needed: bytes.count) }
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(path: path, code: errno, needed: bytes.count - offset)
            }
            if written == 0 { throw failure(path: path, code: ENOSPC, needed: bytes.count - offset) }
            offset += written
        }
        wrote(count: bytes.count)
    }

    /// The error for a failed write: a full disk (or quota) as `.diskFull`
    /// with the free space of the folder, anything else as unwritable.
    static func failure(path: String, code: Int32, needed: Int) -> IINError {
        let folder = (path as NSString).deletingLastPathComponent
        if code == ENOSPC || code == EDQUOT || code == EFBIG {
            return .diskFull(folder: folder, file: path, needed: max(needed, 1), available: freeBytes(folder))
        }
        return .unwritableFile(path: path, reason: String(cString: strerror(code)))
    }

    /// Free bytes for an unprivileged writer in the file system of `folder`.
    public static func freeBytes(_ folder: String) -> Int? {
        var stats = statvfs()
        guard statvfs(folder, &stats) == 0 else { return nil }
        let (product, overflow) = Int(clamping: stats.f_bavail).multipliedReportingOverflow(by: Int(clamping: stats.f_frsize))
        return overflow ? Int.max : product
    }

    /// Writes a whole small file (a report, a manifest, a JSON record).
    public static func write(_ data: Data, to url: URL) throws(IINError) {
        let writer = try BufferedFileWriter(url: url)
        writer.write(data)
        try writer.close()
    }

    /// Makes a folder and the folders above it, or says which one could not be.
    public static func makeFolder(_ folder: URL) throws(IINError) {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw IINError.unwritableFile(path: folder.path, reason: error.localizedDescription)
        }
    }

    /// Copies a file whose SHA-256 is already known (a release file, from
    /// its artifact's record) inside the kernel (`copy_file_range`), with
    /// the same full-disk and kill hooks as every write, and records that
    /// digest for the copy: a 12M-record release is 541 MB, which read
    /// into this process, hashed and written back took 2.5 s. With no
    /// digest nothing is recorded: the copy is about to be changed.
    ///
    /// With `link`, a hard link is tried first: no byte is written, which
    /// on this machine's page cache is 0.5 s per 100 MB. The hooks count the
    /// linked bytes as written, so a test's full disk or kill still lands
    /// halfway through placing a release.
    public static func copy(_ source: URL, to destination: URL, knownSHA256: String?, link: Bool = false) throws(IINError) {
        let folder = destination.deletingLastPathComponent()
        try DiskWrites.makeFolder(folder)
        if link, let size = FileIdentity.of(path: source.path)?.size {
            if injectedFailure(count: size) { throw failure(path: destination.path, code: ENOSPC, needed: size) }
            if Glibc.link(source.path, destination.path) == 0 {
                wrote(count: size)
                return
            }
        }
        let input = open(source.path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw IINError.unreadableFile(path: source.path, reason: String(cString: strerror(errno))) }
        defer { close(input) }
        let output = open(destination.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw failure(path: destination.path, code: errno, needed: 1) }
        var closed = false
        defer { if !closed { close(output) } }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw IINError.unreadableFile(path: source.path, reason: String(cString: strerror(errno))) }
        var remaining = Int(info.st_size)
        while remaining > 0 {
            let chunk = min(remaining, 64 << 20)
            if injectedFailure(count: chunk) { throw failure(path: destination.path, code: ENOSPC, needed: remaining) }
            let copied = iin_copy_file_range(input, output, UInt(chunk))
            if copied < 0 {
                if errno == EINTR { continue }
                throw failure(path: destination.path, code: errno, needed: remaining)
            }
            if copied == 0 { throw IINError.unreadableFile(path: source.path, reason: "it ended before its recorded size") }
            remaining -= copied
            wrote(count: Int(copied))
        }
        closed = true
        guard close(output) == 0 else { throw failure(path: destination.path, code: errno, needed: 1) }
        if let knownSHA256 { KnownDigests.record(knownSHA256, forPath: destination.path) }
    }

    /// Copies a file through the same checked writes, making the folder it
    /// goes into.
    public static func copy(_ source: URL, to destination: URL) throws(IINError) {
        let folder = destination.deletingLastPathComponent()
        try DiskWrites.makeFolder(folder)
        let descriptor = open(source.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw IINError.unreadableFile(path: source.path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let writer = try BufferedFileWriter(url: destination)
        var block = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = block.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw IINError.unreadableFile(path: source.path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            writer.write(block[0..<count])
        }
        try writer.close()
    }
}

/// Sizes as people read them in messages: bytes, KB, MB, GB (powers of 1024).
public enum ByteCount {
    public static func text(_ bytes: Int) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}

/// Messages on standard error. Foundation's `FileHandle.write` traps when
/// the write fails (stderr redirected to a full disk, a closed pipe); a
/// message that cannot be shown is dropped instead.
public enum StandardError {
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
