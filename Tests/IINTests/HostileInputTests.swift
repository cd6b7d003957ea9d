import Foundation
import Testing
import ZIPFoundation
@testable import IIN
#if canImport(Glibc)
import Glibc
#endif

/// The unattended nightly rebuild (issue 12): each hostile input, a full
/// disk in each stage, kill -9 and SIGINT at random moments, and the release
/// guard. Every case runs the `iin` command as cron would, and every case
/// checks that the release built before it is byte for byte what it was.
@Suite("Nightly rebuild under hostile conditions", .serialized)
struct HostileInputTests {
    static let hostile = TestSupport.fixtures.appendingPathComponent("hostile")

    /// A scratch project holding a good release of the default data, and a
    /// second pipeline file, pipeline-b.json, whose release differs (a
    /// smaller consistency sample), so runs can alternate between two
    /// releases and each one really replaces the other.
    struct Project {
        var folder: URL
        var release: URL { folder.appendingPathComponent("release") }
        var work: URL { folder.appendingPathComponent(".iin") }

        init(_ name: String) throws {
            folder = try TestSupport.scratchProject(name)
            let pipeline = try String(contentsOf: folder.appendingPathComponent("pipeline.json"), encoding: .utf8)
            let old = "\"inputs\": [\"mobility\", \"gdp\", \"top_lists\", \"anonymisation_key\"]}"
            guard pipeline.contains(old) else { throw TestFailure("pipeline.json's validate stage changed; update this test") }
            try TestSupport.write(pipeline.replacingOccurrences(of: old, with: old.dropLast() + ", \"params\": {\"seed\": 7}}"),
                                  to: folder.appendingPathComponent("pipeline-b.json"))
        }

        @discardableResult
        func run(_ arguments: [String] = [], pipeline: String = "pipeline.json", environment: [String: String] = [:]) throws -> TestSupport.CommandResult {
            try TestSupport.runIIN(["run", "--pipeline", pipeline, "--input", "raw=\(TestSupport.defaultRaw)"] + arguments, in: folder, environment: environment)
        }

        /// What runs that died may leave: staging and retired release
        /// folders beside the release, and stage folders under tmp/.
        func leftovers() throws -> [String] {
            let beside = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".release.") }
            let temporary = (try? FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("tmp").path)) ?? []
            return beside + temporary.map { "tmp/" + $0 }
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var status: Int32
        var message: String
        var testDescription: String { file }
    }

    /// One file per failure the hostile testing found, from
    /// fixtures/hostile/make-hostile.py.
    static let cases: [Case] = [
        // Read as CSV: 60 rows (one line, it would be 0), which the guard
        // then refuses against the 4,000-row release.
        Case(file: "cr-only.csv", status: 4, message: "rows read fell from 4000 to 60"),
        // No record at all: the empty slices stop the run before publishing.
        Case(file: "header-only.csv", status: 1, message: "hold no record: no record was kept at all"),
        Case(file: "missing-shared-strings.xlsx", status: 1, message: "cell B2 names shared string '7', but the workbook has 0 shared string(s)"),
        Case(file: "long-cell-reference.xlsx", status: 1, message: "exceeds Excel's grid, A1 to XFD1048576"),
        Case(file: "huge-row-number.xlsx", status: 1, message: "exceeds Excel's last row, 1048576"),
        Case(file: "huge-cell.xlsx", status: 1, message: "cell B2 exceeds the cell size limit of 131068 bytes"),
        Case(file: "huge-attribute.xlsx", status: 1, message: "exceeds the markup size limit of 65536 bytes"),
        Case(file: "zip-bomb.xlsx", status: 1, message: "exceeds 58351200 bytes inflated (200 times its compressed size"),
        Case(file: "gzip-bomb.csv.gz", status: 1, message: "exceeds 64.0 MB inflated, 100 times its size (a gzip bomb?)"),
        Case(file: "no-line-ends.csv", status: 1, message: "the first row (the header), 195.3 KB long, exceeds the header size limit of 65536 bytes"),
        // 3,000 rows, each one cell at XFD: read (and rejected) one by one,
        // without a 16,384-cell row each (the memory check below); with no
        // record kept, the empty slices stop the run before publishing.
        Case(file: "far-right-cells.xlsx", status: 1, message: "hold no record: no record was kept at all"),
    ]

    @Test(arguments: cases)
    func aHostileInputIsRefusedAndTheReleaseKept(_ hostile: Case) throws {
        let project = try Project("hostile-\(hostile.file)")
        try #require(try project.run().status == 0)
        let before = try TestSupport.snapshot(project.release)
        let result = try TestSupport.runIIN(["run", "--input", "raw=\(Self.hostile.appendingPathComponent(hostile.file).path)"], in: project.folder)
        #expect(result.status == hostile.status, "\(result.errors)")
        #expect(result.errors.contains(hostile.message), "\(result.errors)")
        #expect(try TestSupport.snapshot(project.release) == before)
        #expect(try project.leftovers().isEmpty)
        // Memory stays under 1 GB on inputs under 10 MB: the largest child
        // process so far (every iin this suite ran) stayed below it.
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        #expect(usage.ru_maxrss < 1 << 20, "a child process reached \(usage.ru_maxrss) KB")
    }

    /// A FIFO or a device would block the first read for ever, holding the
    /// lock; it is refused at planning, by name, before any stage runs.
    @Test func aFIFOOrADeviceIsRefusedByName() throws {
        let project = try Project("hostile-fifo")
        try #require(try project.run().status == 0)
        let before = try TestSupport.snapshot(project.release)
        let fifo = project.folder.appendingPathComponent("crawl.csv")
        try #require(mkfifo(fifo.path, 0o644) == 0)
        for (input, what) in [(fifo.path, "is a FIFO (named pipe), not a regular file"), ("/dev/zero", "is a character device, not a regular file")] {
            let result = try TestSupport.runIIN(["run", "--input", "raw=\(input)"], in: project.folder)
            #expect(result.status == 1)
            #expect(result.errors.contains("'\(input)' \(what)"), "\(result.errors)")
        }
        #expect(try TestSupport.snapshot(project.release) == before)
    }

    /// A crawl file named in GBK: its name is not UTF-8, so it cannot be
    /// opened through a Swift string. The run says that, not "No such
    /// file", and the release stays as it was.
    @Test func aFileNameThatIsNotUTF8IsNamedAsSuch() throws {
        let project = try Project("hostile-gbk-name")
        try #require(try project.run().status == 0)
        let before = try TestSupport.snapshot(project.release)
        let folder = project.folder.appendingPathComponent("crawl")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // 数据 in GBK, then "-gbk.csv".
        let name: [UInt8] = [0xCA, 0xFD, 0xBE, 0xDD] + Array("-gbk.csv".utf8)
        let path = Array(folder.path.utf8) + [UInt8(ascii: "/")] + name + [0]
        let source = try Data(contentsOf: TestSupport.fixtures.appendingPathComponent("default/raw/records-001.csv"))
        let descriptor = path.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT, 0o644) }
        try #require(descriptor >= 0)
        _ = source.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        let result = try TestSupport.runIIN(["run", "--input", "raw=\(folder.path)/*.csv"], in: project.folder)
        #expect(result.status == 1)
        #expect(result.errors.contains("-gbk.csv' is not UTF-8"), "\(result.errors)")
        #expect(try TestSupport.snapshot(project.release) == before)
    }

    /// A folder iin did not write is never replaced: not one with a
    /// manifest.json of someone else's, not an iin release with a file the
    /// manifest does not list. The message names what is in the way.
    @Test func aFolderIinDidNotWriteIsNeverReplaced() throws {
        let project = try Project("hostile-foreign")
        let foreign = project.folder.appendingPathComponent("somebody-else")
        try TestSupport.write("{\"name\": \"my data\"}", to: foreign.appendingPathComponent("manifest.json"))
        try TestSupport.write("precious", to: foreign.appendingPathComponent("thesis.docx"))
        let refused = try project.run(["--out", foreign.path])
        #expect(refused.status == 1)
        #expect(refused.errors.contains("is not an iin release folder (it has no manifest.json written by iin)"), "\(refused.errors)")
        #expect(try TestSupport.snapshot(foreign) == ["manifest.json": Data("{\"name\": \"my data\"}".utf8), "thesis.docx": Data("precious".utf8)])

        try #require(try project.run().status == 0)
        try TestSupport.write("notes", to: project.release.appendingPathComponent("my notes.txt"))
        let before = try TestSupport.snapshot(project.release)
        let extra = try project.run(pipeline: "pipeline-b.json")
        #expect(extra.status == 1)
        #expect(extra.errors.contains("it holds file(s) its manifest does not list: my notes.txt"), "\(extra.errors)")
        #expect(try TestSupport.snapshot(project.release) == before)
    }

    /// A release folder holding what iin did not write, or a FIFO where a
    /// file should be: never replaced, never read (a FIFO would block run,
    /// status and audit for ever), each thing named.
    @Test func aReleaseWithAFIFOAFolderOrALinkIsNamedNotReadOrReplaced() throws {
        let project = try Project("hostile-release-contents")
        try #require(try project.run().status == 0)
        let report = project.release.appendingPathComponent("validation.json")
        try FileManager.default.removeItem(at: report)
        try #require(mkfifo(report.path, 0o644) == 0)
        try FileManager.default.createDirectory(at: project.release.appendingPathComponent("mine"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: project.release.appendingPathComponent("data").path, withDestinationPath: "/tmp")
        let watchdog = 60.0
        for (arguments, status) in [(["run", "--pipeline", "pipeline-b.json", "--input", "raw=\(TestSupport.defaultRaw)"], Int32(1)),
                                    (["audit", project.release.path], 3)] {
            let (exit, errors) = try TestSupport.runIINInterrupted(arguments, in: project.folder, after: watchdog, signal: SIGKILL)
            #expect(exit == status, "\(arguments[0]): exit \(exit) \(errors)")
        }
        let refused = try project.run(pipeline: "pipeline-b.json")
        #expect(refused.errors.contains("mine/ (a folder)") && refused.errors.contains("data (a symbolic link)")
                && refused.errors.contains("validation.json (a FIFO)"), "\(refused.errors)")
        let audit = try TestSupport.runIIN(["audit", project.release.path], in: project.folder)
        #expect(audit.output.contains("- validation.json: not a regular file"), "\(audit.output)")
        #expect(FolderEntries.kind(of: report.path) == .other("a FIFO"))
        #expect(FileManager.default.fileExists(atPath: project.release.appendingPathComponent("mine").path))
    }

    /// `--out current`, a link to a dated release folder: the release is
    /// placed where the link points, and the link stays a link.
    @Test func aReleaseLinkStaysALink() throws {
        let project = try Project("hostile-release-link")
        let dated = project.folder.appendingPathComponent("release-2026-12-01")
        let link = project.folder.appendingPathComponent("current")
        try FileManager.default.createDirectory(at: dated, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: dated.lastPathComponent)
        let result = try project.run(["--out", link.path])
        #expect(result.status == 0, "\(result.errors)")
        #expect(FolderEntries.kind(of: link.path) == .link)
        #expect(FileManager.default.fileExists(atPath: dated.appendingPathComponent(ReleaseFolder.manifestName).path))
        let dangling = project.folder.appendingPathComponent("nowhere")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "/nonexistent/release")
        let refused = try project.run(["--out", dangling.path])
        #expect(refused.status == 1 && refused.errors.contains("is a symbolic link to /nonexistent/release, which does not exist"), "\(refused.errors)")
    }

    /// Control characters, U+FFFE, U+FFFF and a literal `_x0041_` in
    /// enterprise names: the run succeeds, every XML part it writes is
    /// well-formed to libxml2, and the names read back from the workbook
    /// exactly as they were.
    @Test func namesXMLCannotCarryNeverBreakAFile() throws {
        let project = try Project("hostile-names")
        let result = try TestSupport.runIIN(["run", "--accept-shrink", "--input", "raw=\(Self.hostile.appendingPathComponent("control-names.csv").path)"],
                                            in: project.folder)
        #expect(result.status == 0, "\(result.errors)")
        let audit = project.work.appendingPathComponent("audit")
        let sample = try ReleaseReader(folder: audit, preferWorkbooks: true).require(ConsistencySample.name)
        let names = Set(sample.rows.map { $0[6] })
        let odd: Set<String> = ["控制\u{01}字符有限公司", "退格\u{08}贸易有限公司", "非字符\u{FFFE}实业有限公司", "非字符\u{FFFF}物流有限公司", "字面_x0041_咨询有限公司",
                                "换页\u{0C}建设有限公司"]
        #expect(names == odd)
        for folder in [project.release, audit] {
            for path in try ArtifactStore.listFiles(in: folder) where path.hasSuffix(".xlsx") || path.hasSuffix(".graphml") {
                try WellFormed.check(folder.appendingPathComponent(path))
            }
        }
    }

    /// The guard: a night whose crawl lost 30 % of its rows is refused with
    /// exit 4 and the old release stays; --accept-shrink publishes it.
    @Test func aCrawlThatLostThirtyPercentIsRefusedUnlessAccepted() throws {
        let project = try Project("hostile-guard")
        try #require(try project.run().status == 0)
        let before = try TestSupport.snapshot(project.release)
        let audit = project.work.appendingPathComponent("audit")
        let auditBefore = try TestSupport.snapshot(audit)
        // The same two files, each cut to its first 70 % of lines.
        let shrunk = project.folder.appendingPathComponent("shrunk")
        for name in ["records-001.csv", "records-002.csv"] {
            let lines = try String(contentsOf: TestSupport.fixtures.appendingPathComponent("default/raw/" + name), encoding: .utf8).split(separator: "\n")
            try TestSupport.write(lines.prefix(1 + (lines.count - 1) * 7 / 10).joined(separator: "\n") + "\n", to: shrunk.appendingPathComponent(name))
        }
        let arguments = ["run", "--input", "raw=\(shrunk.path)/*.csv"]
        let refused = try TestSupport.runIIN(arguments, in: project.folder)
        #expect(refused.status == 4, "\(refused.errors)")
        #expect(refused.errors.contains("rows read fell from 4000 to 2800 (-30.0 %, more than guard.max_drop 20.0 %)"), "\(refused.errors)")
        #expect(refused.errors.contains("--accept-shrink"))
        #expect(try TestSupport.snapshot(project.release) == before)
        // The audit folder keeps the named sample of the release in place.
        #expect(try TestSupport.snapshot(audit) == auditBefore)

        let accepted = try TestSupport.runIIN(arguments + ["--accept-shrink"], in: project.folder)
        #expect(accepted.status == 0, "\(accepted.errors)")
        let published = try #require(ReleaseGuard.Figures.read(release: project.release))
        #expect(published.rowsRead == 2800)
    }

    /// A full disk in each stage, and while the release is put in place:
    /// exit 1 with a message naming the folder and the space, the previous
    /// release untouched, and the next run with space gives what an
    /// uninterrupted run gives.
    @Test func aFullDiskInEachStageIsAnErrorAndTheNextRunRecovers() throws {
        let project = try Project("hostile-fulldisk")
        try #require(try project.run(pipeline: "pipeline-b.json").status == 0)
        let releaseB = try TestSupport.snapshot(project.release)
        try #require(try project.run().status == 0)
        let releaseA = try TestSupport.snapshot(project.release)
        #expect(releaseA != releaseB)
        for stage in ["ingest", "geocode", "dedupe", "aggregate", "degrees", "publish", "validate", ReleaseFolder.stagingStageName] {
            let failed = try project.run(["--force", "ingest"], pipeline: "pipeline-b.json", environment: [DiskWrites.faultVariable: stage])
            #expect(failed.status == 1, "\(stage): \(failed.errors)")
            #expect(failed.errors.contains("error: no space left in ") && failed.errors.contains("more needed"), "\(stage): \(failed.errors)")
            #expect(try TestSupport.snapshot(project.release) == releaseA, "\(stage)")
            let left = try project.leftovers()
            #expect(left.isEmpty, "\(stage): \(left)")
            #expect(try project.run(pipeline: "pipeline-b.json").status == 0)
            #expect(try TestSupport.snapshot(project.release) == releaseB, "\(stage)")
            #expect(try project.run().status == 0)
        }
    }

    /// The same on a real full file system: a 256 KB tmpfs as the work
    /// folder, in a mount namespace of its own (needs root, as CI has).
    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")))
    func aRealFullFileSystemIsAnErrorNotASignal() throws {
        let project = try Project("hostile-tmpfs")
        let work = project.folder.appendingPathComponent("small-disk")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let iin = try TestSupport.executable().path
        let script = "mount -t tmpfs -o size=256k tmpfs '\(work.path)' && exec '\(iin)' run --work '\(work.path)' --input 'raw=\(TestSupport.defaultRaw)'"
        let result = try TestSupport.runProgram("/usr/bin/unshare", ["--mount", "sh", "-c", script], in: project.folder)
        if result.errors.contains("mount:") || result.errors.contains("unshare:") {
            // No mount namespace here: the injected failures above stand in.
            return
        }
        #expect(result.status == 1, "\(result.errors)")
        #expect(result.errors.contains("error: no space left in \(work.path)"), "\(result.errors)")
    }

    /// kill -9 at 20 random moments of runs that each replace the release:
    /// after every kill the release is one of the two whole releases, and
    /// the rerun leaves exactly the one asked for and no leftovers.
    @Test func killNineAtTwentyRandomMomentsNeverLosesTheRelease() throws {
        try interrupt(with: SIGKILL, times: 20, seed: 20261202)
    }

    /// SIGINT the same: exit 130 with one line, the stage's temporary
    /// folder and the lock given back; and SIGTERM, exit 143.
    @Test func sigintAtTenRandomMomentsExitsCleanly() throws {
        try interrupt(with: SIGINT, times: 10, seed: 130)
    }

    @Test func sigtermAtFourRandomMomentsExitsCleanly() throws {
        try interrupt(with: SIGTERM, times: 4, seed: 143)
    }

    func interrupt(with signalNumber: Int32, times: Int, seed: UInt64) throws {
        let project = try Project("hostile-signal-\(signalNumber)")
        try #require(try project.run(pipeline: "pipeline-b.json").status == 0)
        let releases = ["pipeline-b.json": try TestSupport.snapshot(project.release)]
            .merging(try { () throws -> [String: [String: Data]] in
                let started = Date()
                try #require(try project.run(["--force", "ingest"]).status == 0)
                Self.fullRun = Date().timeIntervalSince(started)
                return ["pipeline.json": try TestSupport.snapshot(project.release)]
            }()) { first, _ in first }
        var random = SeededRandom(seed: seed)
        for round in 0..<times {
            let target = round % 2 == 0 ? "pipeline-b.json" : "pipeline.json"
            let delay = Double(random.below(1000)) / 1000 * Self.fullRun
            let (status, errors) = try TestSupport.runIINInterrupted(
                ["run", "--pipeline", target, "--force", "ingest", "--input", "raw=\(TestSupport.defaultRaw)"], in: project.folder,
                after: delay, signal: signalNumber)
            let now = try TestSupport.snapshot(project.release)
            #expect(releases.values.contains(now), "round \(round): after the signal at \(delay) s the release is neither whole release")
            if signalNumber != SIGKILL {
                let name = signalNumber == SIGINT ? "SIGINT" : "SIGTERM"
                #expect(status == 128 + signalNumber || status == 0, "round \(round): exit \(status): \(errors)")
                if status == 128 + signalNumber {
                    #expect(errors.components(separatedBy: "\n").filter { $0.contains("interrupted by \(name)") }.count == 1, "\(errors)")
                    let left = try project.leftovers()
                    #expect(left.isEmpty, "round \(round): \(left)")
                }
            }
            let rerun = try project.run(pipeline: target)
            #expect(rerun.status == 0, "round \(round): \(rerun.errors)")
            #expect(try TestSupport.snapshot(project.release) == releases[target], "round \(round): the rerun after a signal at \(delay) s")
            let left = try project.leftovers()
            #expect(left.isEmpty, "round \(round): \(left)")
        }
    }

    nonisolated(unsafe) static var fullRun = 2.0
}

/// Checks a file's XML with libxml2, part by part for a workbook.
enum WellFormed {
    static func check(_ url: URL) throws {
        if url.pathExtension == "xlsx" {
            let archive = try Archive(url: url, accessMode: .read)
            for entry in archive where entry.path.hasSuffix(".xml") || entry.path.hasSuffix(".rels") {
                var data = Data()
                _ = try archive.extract(entry) { data.append($0) }
                try parse(data, name: url.lastPathComponent + "#" + entry.path)
            }
        } else {
            try parse(try Data(contentsOf: url), name: url.lastPathComponent)
        }
    }

    static func parse(_ data: Data, name: String) throws {
        let stream = XMLStream(path: name)
        do throws(IINError) {
            try stream.feed(data)
            try stream.finish()
        } catch {
            throw TestFailure("\(name) is not well-formed XML: \(error.description)")
        }
    }
}

/// Each character XML cannot carry, through every format the release and
/// the audit folder write, read back with a real parser.
@Suite("Text XML and HTML cannot carry")
struct UnwritableTextTests {
    /// C0 controls (all but tab, LF, CR), U+FFFE, U+FFFF, a literal escape
    /// sequence, and invalid UTF-8 as it reaches us after decoding (U+FFFD:
    /// Swift strings cannot hold a lone surrogate).
    static let texts: [String] = (0..<0x20).filter { ![0x09, 0x0A, 0x0D].contains($0) }.map { "名\(Character(Unicode.Scalar(UInt8($0))))称" }
        + ["非字符\u{FFFE}", "非字符\u{FFFF}", "字面_x0041_与_x005F_", "_xFFFE_", String(decoding: [0xE5, 0x90, 0x8D, 0xED, 0xA0, 0x80], as: UTF8.self),
           "<&>\"' 普通"]

    @Test func everyFormatStaysWellFormedAndReadsBack() throws {
        let folder = TestSupport.temporaryFolder("unwritable")
        let rows = Self.texts.enumerated().map { [String($0.offset), $0.element] }
        let table = ReleaseTable(name: "texts", header: ["RecordID", "InvestorName"], rows: rows)

        // XLSX: well-formed to libxml2, and every cell reads back as written.
        _ = try table.writeXLSX(to: folder)
        try WellFormed.check(folder.appendingPathComponent("texts.xlsx"))
        var read: [[String]] = []
        try XLSXReader(url: folder.appendingPathComponent("texts.xlsx")).read { read.append($0.cells) }
        #expect(read.dropFirst().map { $0[1] } == Self.texts)

        // CSV carries any character; it reads back the same.
        _ = try table.writeCSV(to: folder)
        #expect(try CSVTable.read(folder.appendingPathComponent("texts.csv")).rows.map { $0[1] } == Self.texts)

        // GraphML and the HTML page: visible escapes, well-formed XML.
        for text in Self.texts {
            let escaped = ReleaseGraphML.escape(text)
            try WellFormed.parse(Data("<data key=\"name\">\(escaped)</data>".utf8), name: "graphml text \(Array(text.unicodeScalars.map(\.value)))")
            #expect(!escaped.unicodeScalars.contains { ($0.value < 0x20 && ![0x09, 0x0A, 0x0D].contains($0.value)) || $0.value == 0xFFFE || $0.value == 0xFFFF })
        }
        #expect(ReleaseGraphML.escape("名\u{01}称") == "名\\u0001称")
        let report = JSONValue.object(["sections": .object(["accounting": .object(["files": .array(Self.texts.map { .object(["file": .string($0)]) })])])])
        let page = ValidationPage.html(from: try ValidationReport.decode(Data(report.canonical.utf8), path: "test"), outlines: try Gazetteer.embedded().outlines)
        #expect(!page.unicodeScalars.contains { ($0.value < 0x20 && ![0x09, 0x0A, 0x0D].contains($0.value)) || $0.value == 0xFFFE || $0.value == 0xFFFF })
        #expect(page.contains("名\\u0007称"))

        // JSON: Foundation's parser reads every text back.
        let json = JSONValue.array(Self.texts.map(JSONValue.string)).prettyPrinted()
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]
        #expect(parsed == Self.texts)
    }
}

/// Each limit of the XLSX reader refuses, naming the part and the limit,
/// and a workbook inside the limits reads whole (limits lowered here so a
/// small committed workbook meets each one).
@Suite("XLSX reader limits")
struct XLSXLimitTests {
    static let workbook = TestSupport.fixtures.appendingPathComponent("ingest/all-kinds/e-workbook.xlsx")

    func refusal(_ change: (inout XLSXReader.Limits) -> Void) -> String? {
        var reader = XLSXReader(url: Self.workbook)
        change(&reader.limits)
        do {
            try reader.read { _ in }
            return nil
        } catch {
            return error.description
        }
    }

    @Test func eachLimitRefusesNamingThePartAndTheLimit() throws {
        #expect(refusal { _ in } == nil)
        let cases: [(String, (inout XLSXReader.Limits) -> Void)] = [
            ("xl/sharedStrings.xml exceeds 3 shared strings", { $0.sharedStringCount = 3 }),
            ("xl/sharedStrings.xml exceeds 40 bytes of shared strings", { $0.sharedStringBytes = 40 }),
            ("exceeds the cell size limit of 4 bytes", { $0.cellBytes = 4 }),
            ("exceeds the markup size limit of 20 bytes", { $0.markupBytes = 20 }),
            ("exceeds Excel's last row, 3", { $0.maxRow = 3 }),
            ("exceeds Excel's grid", { $0.maxColumn = 2 }),
            ("bytes inflated (1 times its compressed size, at least 10, at most 1000000)", { $0.inflationRatio = 1; $0.inflationFloor = 10; $0.inflatedCap = 1_000_000 }),
        ]
        for (message, change) in cases {
            let description = refusal(change)
            #expect(description?.contains(message) == true, "expected '\(message)', got \(description ?? "no refusal")")
            #expect(description?.contains(Self.workbook.lastPathComponent) == true)
        }
    }
}
