import Foundation
import IIN
#if canImport(Glibc)
import Glibc
#endif

/// `iin-bench pipeline`: the whole of `iin run` as a user runs it, on a
/// corpus of every container and encoding, cold, then with nothing
/// changed, then with one file changed; and the DuckDB reference on the
/// same files in the same invocation, so the figures come as ratios.
struct PipelineBench {
    let bench: Bench
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// One `iin run`: wall time, the stage lines it printed, and the peak
    /// memory of the process.
    struct RunFigures {
        var seconds: Double
        var peakMB: Double
        var stages: [(name: String, status: String, seconds: Double)]
        var ran: [String] { stages.filter { $0.status == "ran" }.map(\.name) }
    }

    /// The twelve-file mix: plain, CRLF, BOM, .csv.gz, GB18030 and
    /// canonical English headers (the generator writes Chinese ones), in
    /// turn, so each form takes its share of the records.
    static let forms = ["plain", "crlf", "bom", "gz", "gb18030", "english"]

    func mixedCorpus(plain: URL, into folder: URL) throws -> [URL] {
        let sources = FileGlob.expand(plain.appendingPathComponent("*.csv").path).map { URL(fileURLWithPath: $0) }
        guard !FileManager.default.fileExists(atPath: folder.appendingPathComponent("complete").path) else {
            return FileGlob.expand(folder.appendingPathComponent("records-*").path).map { URL(fileURLWithPath: $0) }
        }
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let english = CanonicalColumn.allCases.map(\.rawValue).joined(separator: ",") + ",备注"
        for (index, source) in sources.enumerated() {
            let form = Self.forms[index % Self.forms.count]
            let target = folder.appendingPathComponent(source.lastPathComponent + (form == "gz" ? ".gz" : ""))
            let (from, to) = (source.path, target.path)
            switch form {
            case "plain": try FileManager.default.linkItem(at: source, to: target)
            case "crlf": try shell("sed 's/$/\\r/' '\(from)' > '\(to)'")
            case "bom": try shell("{ printf '\\357\\273\\277'; cat '\(from)'; } > '\(to)'")
            case "gz": try shell("gzip -c -6 '\(from)' > '\(to)'")
            case "gb18030": try shell("iconv -f UTF-8 -t GB18030 '\(from)' > '\(to)'")
            default: try shell("{ echo '\(english)'; tail -n +2 '\(from)'; } > '\(to)'")
            }
        }
        try Data().write(to: folder.appendingPathComponent("complete"))
        return FileGlob.expand(folder.appendingPathComponent("records-*").path).map { URL(fileURLWithPath: $0) }
    }

    /// The corpus in its mixed forms and its reference tables, made on
    /// first use: its folder, the reference folder and the raw files.
    func mixedInputs() throws -> (root: URL, reference: URL, files: [URL]) {
        let corpus = try prepareCorpus(bench)
        let root = corpus.deletingLastPathComponent()
        let reference = root.appendingPathComponent("reference")
        if !FileManager.default.fileExists(atPath: reference.appendingPathComponent(ReferenceTables.gdpFile).path) {
            _ = try ReferenceTables(gazetteer: try Gazetteer.embedded(), seed: bench.seed).write(to: reference)
        }
        return (root, reference, try mixedCorpus(plain: corpus, into: root.appendingPathComponent("raw-mix")))
    }

    func run() throws {
        let (root, reference, files) = try mixedInputs()
        let rawBytes = files.reduce(0) { $0 + (FileIdentity.of(path: $1.path)?.size ?? 0) }
        let project = try makeProject(raw: root.appendingPathComponent("raw-mix/records-*").path, reference: reference)
        defer { try? FileManager.default.removeItem(at: project) }
        print("corpus: \(bench.records) records in \(files.count) files (\(Self.forms.joined(separator: ", ")) in turn), \(String(format: "%.1f", Double(rawBytes) / 1e6)) MB")
        warm(files)

        func stages(_ figures: RunFigures) -> String {
            figures.stages.map { String(format: "%@ %.2f", $0.name as NSString, $0.seconds) }.joined(separator: ", ")
        }
        // Each figure is printed as soon as it is measured: a 48M run takes
        // many minutes, and a later failure must not lose the earlier ones.
        let cold = try iinRun(project)
        print(String(format: "cold run:         %6.2f s, peak %5.0f MB  (%@)", cold.seconds, cold.peakMB, stages(cold)))
        print(String(format: "per million records, cold: %.2f s; ingest + dedupe over the raw bytes: %.0f MB/s (target 500)",
                     cold.seconds / Double(bench.records) * 1e6, Double(rawBytes) / 1e6 / (seconds(cold, "ingest") + seconds(cold, "dedupe"))))
        let noOp = try iinRun(project)
        print(String(format: "no-op rerun:      %6.2f s, peak %5.0f MB  (ran: %@; target under 1 s)", noOp.seconds, noOp.peakMB,
                     noOp.ran.isEmpty ? "nothing" : noOp.ran.joined(separator: ", ")))
        guard !bench.coldOnly else { return }
        // On the same files as the cold run, before one of them changes.
        let duckdb = try duckDBReference(files)
        print(String(format: "duckdb reference: %6.2f s, peak %5.0f MB  (%@)", duckdb.seconds, duckdb.peakMB, duckdb.summary))

        // One file changed: a plain one gets a copy of its last row
        // appended (a duplicate, so the release barely moves). It is
        // replaced by rename, never written through the corpus's hard link.
        let changed = files[0]
        let original = root.appendingPathComponent("unchanged-" + changed.lastPathComponent)
        try FileManager.default.moveItem(at: changed, to: original)
        try shell("{ cat '\(original.path)'; tail -n 1 '\(original.path)'; } > '\(changed.path)'")
        defer {
            try? FileManager.default.removeItem(at: changed)
            try? FileManager.default.moveItem(at: original, to: changed)
        }
        warm([changed])
        let oneFile = try iinRun(project)
        print(String(format: "one file changed: %6.2f s, peak %5.0f MB  (ran: %@; %@)", oneFile.seconds, oneFile.peakMB,
                     oneFile.ran.joined(separator: ", "), stages(oneFile)))
        print(String(format: "ratios: cold / duckdb %.3f (target 0.30); one file changed / cold %.3f (target 0.25); no-op %.2f s (target 1); peak %.0f MB (target 2048)",
                     cold.seconds / duckdb.seconds, oneFile.seconds / cold.seconds, noOp.seconds, max(cold.peakMB, oneFile.peakMB)))
    }

    /// Issue 17's cost: the same corpus through the pipeline at city and
    /// at county level, each cold in a work folder of its own, and the
    /// Guizhou county network. All three without the validate stage, which
    /// checks the national city network only, so the ratio compares the
    /// same stages.
    func scopes() throws {
        let (root, reference, files) = try mixedInputs()
        print("corpus: \(bench.records) records in \(files.count) files")
        let scopes: [(label: String, parameters: String)] = [
            ("city", #""resolution": "city""#),
            ("county", #""resolution": "county""#),
            ("county-guizhou", #""resolution": "county", "region": {"name": "guizhou", "codes": [520000]}"#),
        ]
        var figures: [String: RunFigures] = [:]
        for (label, parameters) in scopes {
            let project = try makeProject(raw: root.appendingPathComponent("raw-mix/records-*").path, reference: reference, scope: parameters)
            defer { try? FileManager.default.removeItem(at: project) }
            warm(files)
            let cold = try iinRun(project)
            figures[label] = cold
            print(String(format: "%-15@ cold %6.2f s, peak %5.0f MB  (%@)", label as NSString, cold.seconds, cold.peakMB,
                         cold.stages.map { String(format: "%@ %.2f", $0.name as NSString, $0.seconds) }.joined(separator: ", ")))
        }
        if let city = figures["city"], let county = figures["county"], let guizhou = figures["county-guizhou"] {
            print(String(format: "ratios to the city run: county %.3f (target 1.3), county-guizhou %.3f", county.seconds / city.seconds, guizhou.seconds / city.seconds))
        }
    }

    func seconds(_ figures: RunFigures, _ stage: String) -> Double {
        figures.stages.first { $0.name == stage }?.seconds ?? .nan
    }

    /// - Parameter scope: aggregate parameters to add (`"resolution": "county"`);
    ///   with one, the pipeline has no validate stage.
    func makeProject(raw: String, reference: URL, scope: String? = nil) throws -> URL {
        let project = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("iin-bench-pipeline-\(getpid())")
        try? FileManager.default.removeItem(at: project)
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repository.appendingPathComponent("stages"), to: project.appendingPathComponent("stages"))
        var pipeline = try String(contentsOf: repository.appendingPathComponent("pipeline.json"), encoding: .utf8)
        pipeline = pipeline.replacingOccurrences(of: "\"fixtures/default/raw/*.csv\"", with: "\"\(raw)\"")
        pipeline = pipeline.replacingOccurrences(of: "\"fixtures/default/reference/", with: "\"\(reference.path)/")
        pipeline = pipeline.replacingOccurrences(of: "\"fixtures/default/", with: "\"\(repository.appendingPathComponent("fixtures/default").path)/")
        if let scope {
            pipeline = pipeline.replacingOccurrences(of: #""params": {"slices""#, with: #""params": {"# + scope + #", "slices""#)
            pipeline = pipeline.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains(#""kind": "validate""#) }.joined(separator: "\n")
            pipeline = pipeline.replacingOccurrences(of: #"{"name": "publish", "kind": "publish", "needs": ["aggregate", "degrees"]},"#,
                                                     with: #"{"name": "publish", "kind": "publish", "needs": ["aggregate", "degrees"]}"#)
            guard pipeline.contains(scope) else { throw BenchError("pipeline.json's aggregate stage is not where the scope benchmark expects it") }
        }
        try Data(pipeline.utf8).write(to: project.appendingPathComponent("pipeline.json"))
        return project
    }

    /// Reads the files once, so every run starts from a warm page cache,
    /// as right after a crawl is written.
    func warm(_ files: [URL]) {
        for file in files {
            guard let handle = FileHandle(forReadingAtPath: file.path) else { continue }
            while let block = try? handle.read(upToCount: 16 << 20), !block.isEmpty {}
            try? handle.close()
        }
    }

    /// The release `iin` beside this benchmark, as a user runs it.
    func iinRun(_ project: URL) throws -> RunFigures {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("iin")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw BenchError("\(executable.path) is missing: build it first with swift build -c release")
        }
        let (output, seconds, peak) = try measure(executable.path, ["run", "--pipeline", project.appendingPathComponent("pipeline.json").path], in: project)
        var stages: [(String, String, Double)] = []
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 4, words[1] == "ran" || words[1] == "cached", words[3] == "s", let time = Double(words[2]) else { continue }
            stages.append((String(words[0]), String(words[1]), time))
        }
        return RunFigures(seconds: seconds, peakMB: peak, stages: stages)
    }

    struct DuckDBFigures {
        var seconds: Double
        var peakMB: Double
        var summary: String
    }

    /// The reference script, run by the `duckdb` package from a venv this
    /// benchmark makes once.
    func duckDBReference(_ files: [URL]) throws -> DuckDBFigures {
        let venv = URL(fileURLWithPath: "/tmp/iin-bench/venv")
        if !FileManager.default.fileExists(atPath: venv.appendingPathComponent("bin/python").path) {
            print("making the DuckDB venv in \(venv.path) ...")
            try shell("python3 -m venv '\(venv.path)' && '\(venv.path)/bin/pip' install --quiet duckdb")
        }
        let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("iin-bench-duckdb-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let script = repository.appendingPathComponent("Sources/iin-bench/duckdb_reference.py")
        let arguments = [script.path, "--gazetteer", repository.appendingPathComponent("Sources/IIN/Resources/gazetteer").path,
                         "--scratch", scratch.path, "--threads", String(bench.threads)] + files.map(\.path)
        let (output, seconds, peak) = try measure(venv.appendingPathComponent("bin/python").path, arguments, in: scratch)
        return DuckDBFigures(seconds: seconds, peakMB: peak, summary: output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs a program to its end under GNU time: its standard output, its
    /// wall time and its peak resident memory. (Foundation's Process reaps
    /// the child itself, so wait4's figures are not to be had here.)
    func measure(_ program: String, _ arguments: [String], in folder: URL) throws -> (String, Double, Double) {
        let time = "/usr/bin/time"
        guard FileManager.default.isExecutableFile(atPath: time) else { throw BenchError("\(time) is missing: apt-get install time") }
        let figures = folder.appendingPathComponent("time-\(getpid()).txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: time)
        process.arguments = ["-f", "%e %M", "-o", figures.path, program] + arguments
        process.currentDirectoryURL = folder
        let output = Pipe()
        process.standardOutput = output
        let started = Date()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(started)
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw BenchError("\(program) \(arguments.prefix(2).joined(separator: " ")) failed (status \(process.terminationStatus)):\n\(text)")
        }
        let measured = (try? String(contentsOf: figures, encoding: .utf8))?.split(whereSeparator: \.isWhitespace) ?? []
        try? FileManager.default.removeItem(at: figures)
        let kilobytes = measured.count >= 2 ? Double(measured[measured.count - 1]) ?? 0 : 0
        return (text, seconds, kilobytes / 1024)
    }
}
