import CIINSystem
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM end a run cleanly: one line on standard error, the
/// running stage's temporary folders and the release staging folder
/// removed, the work-folder lock given back, exit 130 or 143. The previous
/// release is never touched, because the one step that changes it (the
/// swap) runs inside `critical`, which the handler waits for.
public enum Interruption {
    public typealias Cleanup = @Sendable () -> Void

    private struct Registry: ~Copyable {
        var cleanups: [Int: Cleanup] = [:]
        var next = 0
    }

    private static let registry = Mutex(Registry())
    /// Held through each step that must not be cut in half, and by the
    /// handler from the moment it starts until the process ends.
    private static let steps = Mutex(())
    private static let installed = Mutex(false)

    /// Registers what to undo if the run is interrupted now; pass the token
    /// to `finished` once it no longer needs undoing.
    public static func onInterrupt(_ cleanup: @escaping Cleanup) -> Int {
        registry.withLock { registry in
            registry.next += 1
            registry.cleanups[registry.next] = cleanup
            return registry.next
        }
    }

    public static func finished(_ token: Int) {
        _ = registry.withLock { $0.cleanups.removeValue(forKey: token) }
    }

    /// Runs `body` with interruption held off until it returns.
    public static func critical<Result>(_ body: () throws(IINError) -> Result) throws(IINError) -> Result {
        let outcome: Swift.Result<Result, IINError> = steps.withLock { _ in
            do throws(IINError) { return .success(try body()) } catch { return .failure(error) }
        }
        return try outcome.get()
    }

    /// Removes a folder other threads may still be writing into: renamed
    /// away first (atomically), so a file opened by its old path after that
    /// fails instead of landing in a half-removed folder, then removed; and
    /// the old path once more, in case a writer recreated it meanwhile.
    public static func remove(_ folder: URL) {
        let aside = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).removing-\(getpid())")
        if rename(folder.path, aside.path) == 0 { try? FileManager.default.removeItem(at: aside) }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Installs the handlers (the `iin` command does, first thing). A C
    /// handler, set in one sigaction per signal, writes the signal to a
    /// pipe that a thread of ours reads: no signal is lost between arming
    /// and ignoring, as it could be with a Dispatch source.
    public static func install() {
        installed.withLock { installed in
            guard !installed else { return }
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else { return }
            let reader = ends[0]
            Thread.detachNewThread {
                var byte: UInt8 = 0
                while true {
                    let count = read(reader, &byte, 1)
                    if count == 1 { handle(Int32(byte)) }
                    if count < 0 && errno != EINTR { return }
                }
            }
            installed = iin_catch_signals(ends[1]) == 0
        }
    }

    private static func handle(_ signalNumber: Int32) -> Never {
        steps.withLock { _ in
            let cleanups = registry.withLock { registry in registry.cleanups.sorted { $0.key > $1.key }.map(\.value) }
            for cleanup in cleanups { cleanup() }
            let line = "error: \(IINError.interrupted(signal: signalNumber).description)\n"
            StandardError.write(line)
            _exit(128 + signalNumber)
        }
    }
}
