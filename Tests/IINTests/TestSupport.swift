import Foundation
import Testing
@testable import IIN

/// Paths and helpers shared by the tests.
enum TestSupport {
    /// The repository root, found from this file's path.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repository.appendingPathComponent("fixtures")
    static let stages = repository.appendingPathComponent("stages")
    static let pipelineFile = repository.appendingPathComponent("pipeline.json")

    /// The geocode stage's parameters as stages/geocode.json gives them:
    /// tests take the defaults from there, never from a copy in Swift.
    static func geocodeDefaults() throws -> GeocodeStage.Parameters {
        try GeocodeStage.defaultParameters(stagesFolder: stages)
    }

    /// The cascade a run with the default parameters would use.
    static func defaultGeocoder(overrides: GeocodeOverrides = GeocodeOverrides()) throws -> Geocoder {
        Geocoder(gazetteer: try gazetteer(), methods: try geocodeDefaults().methods, overrides: overrides)
    }

    /// The external service's default settings, the cache in a scratch folder.
    static func amapSettings(_ folder: String) throws -> (AmapGeocoder.Settings, URL) {
        (try geocodeDefaults().external, temporaryFolder(folder).appendingPathComponent("c.sqlite"))
    }
    /// The shared reference data beside the repository (there in CI and on
    /// developer machines; tests that need it say so when it is absent).
    static let sharedData = repository.deletingLastPathComponent().appendingPathComponent("shared/data")

    static func temporaryFolder(_ name: String = #function) -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("iin-tests-\(safe)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    static func gazetteer() throws -> Gazetteer { try Gazetteer.embedded() }

    /// The built `iin` executable (swift test builds it beside the tests).
    static func executable() throws -> URL {
        var candidates: [URL] = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        candidates += candidates.map { $0.deletingLastPathComponent() }
        for folder in candidates {
            let url = folder.appendingPathComponent("iin")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: url.path) {
                return url
            }
        }
        throw TestFailure("the iin executable was not found beside the test bundle (\(candidates.map(\.path)))")
    }

    struct CommandResult {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs `iin` with arguments in a folder and waits for it.
    @discardableResult
    static func runIIN(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> CommandResult {
        try runProgram(try executable().path, arguments, in: folder, environment: environment)
    }

    static func runProgram(_ program: String, _ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Both pipes drained at once, so a chatty child never blocks.
        let errorsRead = Thread.detachedRead(errors.fileHandleForReading)
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errorsRead.wait()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
                             errors: String(decoding: errData, as: UTF8.self))
    }

    /// Starts `iin`, sends `signal` after `delay` seconds (if it is still
    /// running) and waits: the exit status (128 + n for a signal death, as
    /// a shell reports it) and standard error.
    static func runIINInterrupted(_ arguments: [String], in folder: URL, after delay: Double, signal: Int32) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let errorsRead = Thread.detachedRead(errors.fileHandleForReading)
        // Waits for the delay or the end of the run, whichever comes first.
        let deadline = Date().addingTimeInterval(delay)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: min(0.005, max(0, deadline.timeIntervalSinceNow))) }
        if process.isRunning { kill(process.processIdentifier, signal) }
        let errData = errorsRead.wait()
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return (status, String(decoding: errData, as: UTF8.self))
    }

    /// A scratch project: the repository's pipeline.json and stages/ copied
    /// into a temporary folder, with the small inputs besides the raw
    /// records (overrides, reference tables). Point its raw input with
    /// `rawOverride`.
    static func scratchProject(_ name: String = #function) throws -> URL {
        let folder = temporaryFolder(name)
        try FileManager.default.copyItem(at: stages, to: folder.appendingPathComponent("stages"))
        try FileManager.default.copyItem(at: pipelineFile, to: folder.appendingPathComponent("pipeline.json"))
        // The pipeline's small inputs besides the raw records, at the same
        // relative paths.
        let overrides = folder.appendingPathComponent("fixtures/default/overrides.csv")
        try FileManager.default.createDirectory(at: overrides.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("default/overrides.csv"), to: overrides)
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("default/reference"), to: folder.appendingPathComponent("fixtures/default/reference"))
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("default/anonymisation.key"),
                                         to: folder.appendingPathComponent("fixtures/default/anonymisation.key"))
        return folder
    }

    /// The default fixture's raw files, as a `--input` override.
    static let defaultRaw = fixtures.appendingPathComponent("default/raw/*.csv").path

    /// The path of a program on PATH, if there is one.
    static func findExecutable(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs a program found on PATH; its exit status and its output and
    /// errors together.
    static func runTool(_ name: String, _ arguments: [String]) throws -> (Int32, String) {
        let path = try #require(findExecutable(name), "\(name) is not installed (.ci/run installs it)")
        let result = try runProgram(path, arguments, in: URL(fileURLWithPath: NSTemporaryDirectory()))
        return (result.status, result.output + result.errors)
    }

    /// A scratch project run on the default data: its release folder.
    static func defaultRelease(_ name: String = #function) throws -> URL {
        let project = try scratchProject(name)
        let release = project.appendingPathComponent("release")
        _ = try workspace(project).runCollecting(release: release)
        return release
    }

    /// Rewrites one cell of a published CSV: the first data row for which
    /// `choose` holds (rows whose cells hold no quoted comma only).
    /// Returns that row's cells before the edit.
    @discardableResult
    static func editCell(_ file: URL, column: String, where choose: ([String: String]) -> Bool = { _ in true },
                     to value: ([String: String]) -> String) throws -> [String: String] {
        var lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
        let header = lines[0].components(separatedBy: ",")
        let index = try #require(header.firstIndex(of: column), "\(file.lastPathComponent) has no column \(column)")
        for number in 1..<lines.count {
            var cells = lines[number].components(separatedBy: ",")
            guard cells.count == header.count else { continue }
            let row = Dictionary(uniqueKeysWithValues: zip(header, cells))
            guard choose(row) else { continue }
            cells[index] = value(row)
            lines[number] = cells.joined(separator: ",")
            try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            return row
        }
        throw TestFailure("no row of \(file.lastPathComponent) to edit")
    }

    /// Appends a copy of a CSV file's last row: a duplicate record, so
    /// the accounting changes and no link does.
    static func appendDuplicateRow(_ file: URL) throws {
        let text = try Data(contentsOf: file)
        let lastLine = text.dropLast().lastIndex(of: 0x0A).map { text[($0 + 1)...] } ?? text
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: lastLine)
        try handle.close()
    }

    /// Flips one bit of the byte at `offset` (from the end when negative)
    /// and puts the modification time back, so the file's size, mtime and
    /// inode are those recorded: the damage only `--verify` finds.
    /// Returns the bytes written.
    @discardableResult
    static func editKeepingStat(_ file: URL, offset: Int) throws -> Data {
        let recorded = try #require(FileIdentity.of(path: file.path))
        var bytes = try Data(contentsOf: file)
        bytes[offset < 0 ? bytes.count + offset : offset] ^= 0x01
        try bytes.write(to: file)
        let time = timespec(tv_sec: Int(recorded.modifiedNanoseconds / 1_000_000_000), tv_nsec: Int(recorded.modifiedNanoseconds % 1_000_000_000))
        var times = [time, time]
        #expect(utimensat(AT_FDCWD, file.path, &times, 0) == 0)
        #expect(FileIdentity.of(path: file.path) == recorded)
        return bytes
    }

    /// Every file of a folder, by relative path, with its bytes: what "the
    /// release is unchanged, byte for byte" compares.
    static func snapshot(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for path in try FolderEntries(folder).entries.filter({ $0.kind == .file }).map(\.path) {
            files[path] = try Data(contentsOf: folder.appendingPathComponent(path))
        }
        return files
    }

    /// A copy of the golden release, for tests that only read or tamper
    /// with release tables (the golden test keeps it equal to a fresh run's).
    static func goldenReleaseCopy(_ name: String = #function) throws -> URL {
        let folder = temporaryFolder(name).appendingPathComponent("release")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("golden/default-release"), to: folder)
        return folder
    }

    /// The default fixture's manual geocoding overrides.
    static let defaultOverrides = fixtures.appendingPathComponent("default/overrides.csv").path

    static func workspace(_ project: URL, raw: String = defaultRaw, overrides: String = defaultOverrides) throws -> Workspace {
        try Workspace(pipelineFile: project.appendingPathComponent("pipeline.json"), inputOverrides: ["raw": raw, "overrides": overrides])
    }
}

/// `IIN_UPDATE_GOLDEN=1` asks the golden tests to rewrite their files
/// after a deliberate change. A rewrite is never a pass: the test records an
/// issue so the run fails and the diff is reviewed, and under CI (`CI` set)
/// the request is refused, so an inherited variable cannot turn the golden
/// comparisons into no-ops.
enum GoldenUpdate {
    static let variable = "IIN_UPDATE_GOLDEN"

    /// Whether this run rewrites golden files; throws under CI.
    static func requested(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Bool {
        guard environment[variable] == "1" else { return false }
        if let ci = environment["CI"], !ci.isEmpty, ci != "0", ci.lowercased() != "false" {
            throw TestFailure("\(variable)=1 under CI (CI=\(ci)): golden files are rewritten only on a developer's machine, then reviewed and committed")
        }
        return true
    }

    /// Fails the test that rewrote `files`, naming them.
    static func recordRewrite(_ files: String, sourceLocation: SourceLocation = #_sourceLocation) {
        Issue.record("golden files rewritten (\(files)): review the diff (git diff fixtures/golden) and run again without \(variable)",
                     sourceLocation: sourceLocation)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Collects what a run reports.
final class CollectingLog: RunLog, @unchecked Sendable {
    var results: [StageResult] = []
    var warnings: [String] = []
    func stageFinished(_ result: StageResult) { results.append(result) }
    func warning(_ message: String) { warnings.append(message) }

    var ran: [String] { results.filter { $0.status == .ran }.map(\.stage) }
    var cached: [String] { results.filter { $0.status == .cached }.map(\.stage) }
}

extension Workspace {
    /// Runs the pipeline in-process and returns what it reported.
    func runCollecting(force: [String] = [], verify: Bool = false, release: URL) throws -> (CollectingLog, Runner.Outcome) {
        let log = CollectingLog()
        let outcome = try runner(log: log, progress: ProgressReporter(style: .silent)).run(force: force, verify: verify, threads: 2, releaseFolder: release)
        return (log, outcome)
    }
}

/// Reads a pipe to its end on a thread of its own.
final class PipeRead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

extension Thread {
    static func detachedRead(_ handle: FileHandle) -> PipeRead { PipeRead(handle) }
}
