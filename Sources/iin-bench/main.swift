import Foundation
import IIN
import IINTools
#if canImport(Glibc)
import Glibc
#endif

/// Benchmarks of the pipeline stages on generated corpora.
///
///     swift run -c release iin-bench ingest [--records N] [--seed S] [--files K] [--threads T] [--format csv|gz|gb18030] [--corpus DIR]
///     swift run -c release iin-bench geocode [same options]
///     swift run -c release iin-bench publish [same options]
///     swift run -c release iin-bench validate [same options]
///     swift run -c release iin-bench pipeline --records N --files 12 --mix [--corpus DIR] [--cold-only]
///
/// `publish` (or `validate`, the same run) runs the whole pipeline of
/// pipeline.json (all seven stages, the reference tables of
/// fixtures/default/reference included) on the corpus and prints every
/// stage's time.
///
/// `geocode` runs the same stages, then times the geocoding cascade alone
/// on one thread over every side (with and without asking every method
/// for the disagreement counts), and reports sides per second per core.
/// IIN_BENCH_METHODS=region,address (say) also times just those methods,
/// every one asked, to see what each costs.
///
/// Generates the corpus on first use (into --corpus, default
/// /tmp/iin-bench/corpus-N-S-K-FORMAT), then runs ingest, geocode and dedupe
/// in a fresh work folder and prints each stage's time, ingest + dedupe
/// throughput over the raw bytes, and the process's peak memory.
struct Bench {
    var records = 1_000_000
    var seed: UInt64 = 1
    var files = 4
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var format = "csv"
    var corpus: String?
    /// `pipeline` with the cold run and the no-op only: the growth curve's
    /// 48M point, where DuckDB would need more memory than the machine has
    /// and a second set of artifacts more disk.
    var coldOnly = false

    init(arguments: [String]) throws {
        var index = 0
        func value() throws -> String {
            index += 1
            guard index < arguments.count else { throw BenchError("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--records": records = Int(try value()) ?? records
            case "--seed": seed = UInt64(try value()) ?? seed
            case "--files": files = Int(try value()) ?? files
            case "--threads": threads = Int(try value()) ?? threads
            case "--format": format = try value()
            case "--corpus": corpus = try value()
            case "--mix": break // pipeline always mixes; accepted as the issue spells the command
            case "--cold-only": coldOnly = true
            default: throw BenchError("unknown argument \(arguments[index])")
            }
            index += 1
        }
        guard ["csv", "gz", "gb18030"].contains(format) else { throw BenchError("--format is csv, gz or gb18030") }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

final class QuietLog: RunLog {
    var results: [StageResult] = []
    func stageFinished(_ result: StageResult) { results.append(result) }
    func warning(_ message: String) { StandardError.write("warning: \(message)\n") }
}

func peakMemoryMB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

func shell(_ command: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchError("failed: \(command)") }
}

/// Makes the corpus in the requested container and encoding, once.
func prepareCorpus(_ bench: Bench) throws -> URL {
    let folder = URL(fileURLWithPath: bench.corpus ?? "/tmp/iin-bench/corpus-\(bench.records)-\(bench.seed)-\(bench.files)")
    let plain = folder.appendingPathComponent("raw")
    if !FileManager.default.fileExists(atPath: folder.appendingPathComponent("truth.csv").path) {
        print("generating \(bench.records) records into \(folder.path) ...")
        let started = Date()
        _ = try CorpusGenerator(options: .init(records: bench.records, seed: bench.seed, files: bench.files), gazetteer: try Gazetteer.embedded())
            .write(to: folder, progress: ProgressReporter.forStandardError())
        print(String(format: "generated in %.1f s", Date().timeIntervalSince(started)))
    }
    switch bench.format {
    case "gz":
        let gz = folder.appendingPathComponent("raw-gz")
        if !FileManager.default.fileExists(atPath: gz.path) {
            try FileManager.default.createDirectory(at: gz, withIntermediateDirectories: true)
            try shell("cd '\(plain.path)' && for f in *.csv; do gzip -c -6 \"$f\" > '\(gz.path)'/\"$f\".gz; done")
        }
        return gz
    case "gb18030":
        let gb = folder.appendingPathComponent("raw-gb18030")
        if !FileManager.default.fileExists(atPath: gb.path) {
            try FileManager.default.createDirectory(at: gb, withIntermediateDirectories: true)
            try shell("cd '\(plain.path)' && for f in *.csv; do iconv -f UTF-8 -t GB18030 \"$f\" > '\(gb.path)'/\"$f\"; done")
        }
        return gb
    default:
        return plain
    }
}

@discardableResult
func runIngest(_ bench: Bench) throws -> (log: QuietLog, project: URL) {
    let raw = try prepareCorpus(bench)
    let pattern = raw.appendingPathComponent(bench.format == "gz" ? "*.csv.gz" : "*.csv").path
    let rawBytes = FileGlob.expand(pattern).reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
    let project = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("iin-bench-\(getpid())")
    try FileManager.default.createDirectory(at: project.appendingPathComponent("stages"), withIntermediateDirectories: true)
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    for kind in ["ingest", "geocode", "dedupe"] {
        try FileManager.default.copyItem(at: repository.appendingPathComponent("stages/\(kind).json"), to: project.appendingPathComponent("stages/\(kind).json"))
    }
    let pipeline = """
    {"version": 1, "inputs": {"raw": "\(pattern)"}, "stages": [
      {"name": "ingest", "kind": "ingest", "inputs": ["raw"]},
      {"name": "geocode", "kind": "geocode", "needs": ["ingest"]},
      {"name": "dedupe", "kind": "dedupe", "needs": ["geocode"]}
    ]}
    """
    try Data(pipeline.utf8).write(to: project.appendingPathComponent("pipeline.json"))
    // Read the input once before timing, so the stages are measured on a
    // warm page cache (as right after a crawl is written) and not on
    // however much of a multi-gigabyte corpus earlier runs evicted.
    let warmStarted = Date()
    for path in FileGlob.expand(pattern) {
        guard let handle = FileHandle(forReadingAtPath: path) else { continue }
        while let block = try handle.read(upToCount: 16 << 20), !block.isEmpty {}
        try handle.close()
    }
    let warmSeconds = Date().timeIntervalSince(warmStarted)
    let workspace = try Workspace(pipelineFile: project.appendingPathComponent("pipeline.json"))
    let log = QuietLog()
    let started = Date()
    _ = try workspace.runner(log: log, progress: ProgressReporter(style: .silent))
        .run(threads: bench.threads, releaseFolder: project.appendingPathComponent("release"))
    let wall = Date().timeIntervalSince(started)
    let seconds = Dictionary(uniqueKeysWithValues: log.results.map { ($0.stage, $0.seconds) })
    let megabytes = Double(rawBytes) / 1_000_000
    let ingestAndDedupe = seconds["ingest", default: 0] + seconds["dedupe", default: 0]
    print("corpus: \(bench.records) records, \(bench.files) files, \(bench.format), \(String(format: "%.1f", megabytes)) MB; threads: \(bench.threads)")
    print(String(format: "warm-up read of the input before timing: %.2f s (%.0f MB/s)", warmSeconds, megabytes / max(warmSeconds, 0.001)))
    for result in log.results {
        print(String(format: "  %-8@ %7.2f s  %@", result.stage as NSString, result.seconds,
                     result.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") as NSString))
    }
    print(String(format: "ingest: %.1f MB/s; ingest + dedupe: %.2f s, %.1f MB/s of raw input; whole run %.2f s; peak memory %.0f MB",
                 megabytes / seconds["ingest", default: 1], ingestAndDedupe, megabytes / ingestAndDedupe, wall, peakMemoryMB()))
    if let geocode = log.results.first(where: { $0.stage == "geocode" }), let sides = geocode.counts["sides"] {
        print(String(format: "geocode stage: %d sides in %.2f s on %d threads: %.2f million sides/s, %.2f million sides/s per thread",
                     sides, geocode.seconds, bench.threads, Double(sides) / geocode.seconds / 1e6, Double(sides) / geocode.seconds / 1e6 / Double(bench.threads)))
    }
    return (log, project)
}

/// The whole pipeline, for the publish stage's time on a paper-sized
/// release.
func runPublish(_ bench: Bench) throws {
    let raw = try prepareCorpus(bench)
    let project = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("iin-bench-\(getpid())")
    try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: project) }
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    try FileManager.default.copyItem(at: repository.appendingPathComponent("stages"), to: project.appendingPathComponent("stages"))
    var pipeline = try String(contentsOf: repository.appendingPathComponent("pipeline.json"), encoding: .utf8)
    pipeline = pipeline.replacingOccurrences(of: "\"fixtures/default/raw/*.csv\"", with: "\"\(raw.appendingPathComponent("*.csv").path)\"")
    // The other inputs (overrides, reference tables) stay the repository's.
    pipeline = pipeline.replacingOccurrences(of: "\"fixtures/default/", with: "\"\(repository.appendingPathComponent("fixtures/default").path)/")
    try Data(pipeline.utf8).write(to: project.appendingPathComponent("pipeline.json"))
    let workspace = try Workspace(pipelineFile: project.appendingPathComponent("pipeline.json"))
    let log = QuietLog()
    let started = Date()
    _ = try workspace.runner(log: log, progress: ProgressReporter(style: .silent))
        .run(threads: bench.threads, releaseFolder: project.appendingPathComponent("release"))
    print("corpus: \(bench.records) records; threads: \(bench.threads)")
    for result in log.results {
        print(String(format: "  %-9@ %7.2f s  %@", result.stage as NSString, result.seconds,
                     result.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") as NSString))
    }
    let releaseBytes = FileGlob.expand(project.appendingPathComponent("release").path + "/**").count
    print(String(format: "whole run %.2f s; peak memory %.0f MB; release files %d", Date().timeIntervalSince(started), peakMemoryMB(), releaseBytes))
}

func runGeocode(_ bench: Bench) throws {
    let (log, project) = try runIngest(bench)
    defer { try? FileManager.default.removeItem(at: project) }
    guard let ingest = log.results.first(where: { $0.stage == "ingest" }) else { throw BenchError("no ingest result") }
    let gazetteer = try Gazetteer.embedded()
    if let only = ProcessInfo.processInfo.environment["IIN_BENCH_METHODS"] {
        let methods = only.split(separator: ",").compactMap { GeocodeMethod(name: String($0)) }
        let result = try CascadeTiming.measure(ingest: ingest.artifact, gazetteer: gazetteer, methods: methods, compareAll: true)
        print(String(format: "methods %@, every one asked: %.2f million sides/s", only as NSString, Double(result.sides) / result.seconds / 1e6))
    }
    let methods = try GeocodeStage.defaultParameters(stagesFolder: project.appendingPathComponent("stages")).methods
    for compareAll in [false, true] {
        let result = try CascadeTiming.measure(ingest: ingest.artifact, gazetteer: gazetteer, methods: methods, compareAll: compareAll)
        print(String(format: "cascade on one core%@: %d sides in %.2f s = %.2f million sides/s (%d resolved, %d distinct regions)",
                     compareAll ? ", every method asked" : ", first answer wins" as NSString, result.sides, result.seconds,
                     Double(result.sides) / result.seconds / 1e6, result.resolved, result.distinctRegions))
    }
}

do {
    var arguments = Array(CommandLine.arguments.dropFirst())
    guard let command = arguments.first else { throw BenchError("usage: iin-bench ingest [options]") }
    arguments.removeFirst()
    switch command {
    case "ingest":
        let (_, project) = try runIngest(try Bench(arguments: arguments))
        try? FileManager.default.removeItem(at: project)
    case "geocode": try runGeocode(try Bench(arguments: arguments))
    case "publish", "validate": try runPublish(try Bench(arguments: arguments))
    case "pipeline": try PipelineBench(bench: try Bench(arguments: arguments)).run()
    case "scopes": try PipelineBench(bench: try Bench(arguments: arguments)).scopes()
    default: throw BenchError("unknown benchmark '\(command)'; known: ingest, geocode, publish, validate, pipeline, scopes")
    }
} catch {
    StandardError.write("iin-bench: \(error)\n")
    exit(1)
}
