import Foundation
import Testing
@testable import IIN

@Suite("Ingest: every kind of file, bad rows and errors", .serialized)
struct IngestFixtureTests {
    static let allKinds = TestSupport.fixtures.appendingPathComponent("ingest/all-kinds")
    static let clean = TestSupport.fixtures.appendingPathComponent("ingest/all-kinds-clean")

    struct KeptFacts: Equatable, CustomStringConvertible {
        var investorKey: String
        var investeeKey: String
        var investorCity: Int
        var investeeCity: Int
        var year: Int
        var linkType: LinkType
        var capital: PaidInCapital?
        var description: String { "\(investorKey)->\(investeeKey) \(investorCity)->\(investeeCity) \(year) \(linkType) \(String(describing: capital))" }
    }

    func run(_ glob: String) throws -> (RecordAccounting, [String: KeptFacts]) {
        let project = try TestSupport.scratchProject()
        let (log, _) = try TestSupport.workspace(project, raw: glob).runCollecting(release: project.appendingPathComponent("release"))
        let accounting = try #require(Workspace.accounting(of: log.results))
        let dedupe = try #require(log.results.first { $0.kind == DedupeStage.kind })
        var kept: [String: KeptFacts] = [:]
        let geocode = try #require(log.results.first { $0.kind == GeocodeStage.kind })
        try KeptRecords(geocode: geocode.artifact, dedupe: dedupe.artifact).forEach { record in
            kept[record.recordID] = KeptFacts(investorKey: EnterpriseKey.make(record.investorName), investeeKey: EnterpriseKey.make(record.investeeName),
                                              investorCity: record.investorCity, investeeCity: record.investeeCity, year: record.year,
                                              linkType: record.linkType, capital: record.capital)
        }
        return (accounting, kept)
    }

    /// One file of each kind holds the same records as one clean UTF-8 CSV.
    @Test func everyKindOfFileGivesTheSameKeptRecords() throws {
        let (accounting, kept) = try run(Self.allKinds.appendingPathComponent("*").path)
        let (cleanAccounting, cleanKept) = try run(Self.clean.appendingPathComponent("*.csv").path)
        #expect(cleanAccounting.total.kept == 14 && cleanAccounting.total.totalRejected == 0)
        #expect(kept.keys.sorted() == (1...14).map { String(format: "K%02d", $0) })
        for id in cleanKept.keys.sorted() {
            #expect(kept[id] == cleanKept[id], "\(id)")
        }
        #expect(kept["K02"]?.capital == PaidInCapital(amount: 100.5, unit: .tenThousand, currency: "USD"))
        #expect(kept["K10"]?.year == 2000)
        #expect(kept["K05"]?.linkType == .branch)

        // The golden accounting, file by file: rows read, kept, duplicates, reasons.
        struct Expected { var file: String; var read, kept, duplicate: Int; var rejected: [RejectionReason: Int] }
        let expected = [
            Expected(file: "a-utf8.csv", read: 6, kept: 3, duplicate: 2, rejected: [.malformed: 1]),
            Expected(file: "b-bom-crlf.csv", read: 4, kept: 2, duplicate: 0, rejected: [.missingName: 1, .badDate: 1]),
            Expected(file: "c-gb18030.csv", read: 5, kept: 3, duplicate: 0, rejected: [.badLinkType: 1, .selfInvestment: 1]),
            Expected(file: "d-gzipped.csv.gz", read: 4, kept: 2, duplicate: 1, rejected: [.malformed: 1]),
            Expected(file: "e-workbook.xlsx", read: 4, kept: 2, duplicate: 1, rejected: [.malformed: 1]),
            Expected(file: "f-unclosed.csv", read: 3, kept: 2, duplicate: 0, rejected: [.malformed: 1]),
        ]
        #expect(accounting.files.map(\.file) == expected.map(\.file))
        for (account, want) in zip(accounting.files, expected) {
            #expect(account.rowsRead == want.read, "\(want.file)")
            #expect(account.kept == want.kept, "\(want.file)")
            #expect(account.duplicate == want.duplicate, "\(want.file)")
            for reason in RejectionReason.allCases {
                #expect(account.rejections(reason) == want.rejected[reason, default: 0], "\(want.file) \(reason.rawValue)")
            }
            #expect(account.unaccounted == 0)
        }
    }

    /// Rejected rows keep their file, line and text, so a person can fix them.
    @Test func rejectsNameFileLineAndText() throws {
        let project = try TestSupport.scratchProject()
        let (log, _) = try TestSupport.workspace(project, raw: Self.allKinds.appendingPathComponent("*").path)
            .runCollecting(release: project.appendingPathComponent("release"))
        let ingest = try #require(log.results.first { $0.kind == IngestStage.kind })
        let rejects = try RejectsWriter.read(ingest.artifact.appendingPathComponent(RejectsWriter.fileName))
        #expect(rejects.count == 8)
        let unclosed = try #require(rejects.first { $0[0] == "f-unclosed.csv" })
        #expect(unclosed[1] == "3" && unclosed[2] == "malformed")
        #expect(unclosed[4].contains("未闭合引号公司"))
        let workbook = try #require(rejects.first { $0[0] == "e-workbook.xlsx" })
        #expect(workbook[1] == "6" && workbook[4].contains("多出的值"))
        let impossible = try #require(rejects.first { $0[2] == "bad_date" })
        #expect(impossible[0] == "b-bom-crlf.csv" && impossible[3].contains("2015-02-30"))
    }

    /// Cuts inside quoted fields, any thread count: the same bytes out.
    @Test(arguments: [3, 17, 64, 301])
    func chunkCutsAndThreadsDoNotChangeTheOutput(chunkSize: Int) throws {
        var random = SeededRandom(seed: UInt64(chunkSize))
        var text = "investor_name,investee_name,investment_date,investor_region\n"
        for index in 0..<300 {
            let quoted = random.chance(0.3)
            let name = quoted ? "\"甲\n公司\(index),\"\"有限\"\"\"" : "甲公司\(index)"
            let line = random.chance(0.05) ? "坏\"行,x,2010,y" : "\(name),乙公司\(index),20\(10 + random.below(10))-01-02,广东省深圳市"
            text += line + (random.chance(0.2) ? "\r\n" : "\n")
            if random.chance(0.05) { text += "\n" }
        }
        if random.chance(0.5) { text += "\"open,x,2010,y\nlast,row,2011,z\n" }
        let folder = TestSupport.temporaryFolder("chunks\(chunkSize)")
        let file = folder.appendingPathComponent("raw.csv")
        try TestSupport.write(text, to: file)
        func read(chunk: Int, threads: Int) throws -> ([UInt8], [String], Int) {
            var records: [UInt8] = []
            var rejects: [String] = []
            var rows = 0
            let reader = ChunkedCSVReader(file: try MappedFile(url: file), path: file.path, threads: threads, chunkSize: chunk)
            let outcome = try reader.read(makeBuilder: { header throws(IINError) in
                RecordBuilder(columns: try ColumnMap(header: header, extraHeaders: [:], path: file.path), maxYear: 2025)
            }, progress: ProgressReporter(style: .silent)) { result in
                records += result.records
                rejects += result.rejected.map { "\($0.line):\($0.reason.rawValue)" }
                rows += result.rowsRead
            }
            #expect(outcome == .done)
            return (records, rejects, rows)
        }
        let reference = try read(chunk: 1 << 20, threads: 1)
        let chunked = try read(chunk: chunkSize, threads: 2)
        #expect(chunked.0 == reference.0)
        #expect(chunked.1 == reference.1)
        #expect(chunked.2 == reference.2)
        #expect(reference.2 >= 300)
    }

    // MARK: - Errors a user can act on

    func ingestError(_ files: [String: Data]) -> IINError? {
        let folder = TestSupport.temporaryFolder()
        for (name, data) in files {
            try? FileManager.default.createDirectory(at: folder.appendingPathComponent(name).deletingLastPathComponent(), withIntermediateDirectories: true)
            try? data.write(to: folder.appendingPathComponent(name))
        }
        do {
            let project = try TestSupport.scratchProject()
            _ = try TestSupport.workspace(project, raw: folder.appendingPathComponent("*").path).runCollecting(release: project.appendingPathComponent("release"))
            return nil
        } catch let error as IINError {
            return error
        } catch {
            return nil
        }
    }

    @Test func anUnsupportedFileIsNamed() {
        let error = ingestError(["records.txt": Data("a,b\n".utf8)])
        guard case let .unsupportedFile(path, reason)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path.hasSuffix("records.txt"))
        #expect(reason.contains("records.txt"))
        #expect(error!.description.contains(".csv, .csv.gz and .xlsx"))
    }

    @Test func aFileInNeitherEncodingIsRefused() {
        let error = ingestError(["bad.csv": Data([0x61, 0x2C, 0x62, 0x0A, 0xFF, 0xFE, 0xFF, 0x0A])])
        guard case let .unknownEncoding(path)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path.hasSuffix("bad.csv"))
        #expect(error!.description.contains("neither UTF-8 nor GB18030"))
    }

    @Test func aMissingColumnListsTheHeadersFound() {
        let error = ingestError(["nodate.csv": Data("投资方名称,被投资方名称\n甲,乙\n".utf8)])
        guard case let .missingColumns(path, missing, found)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path.hasSuffix("nodate.csv"))
        #expect(missing == ["investment_date"])
        #expect(found == ["投资方名称", "被投资方名称"])
    }

    @Test func twoHeadersForOneColumnAreRefused() {
        let error = ingestError(["twice.csv": Data("投资方名称,投资企业名称,被投资方名称,出资日期\n".utf8)])
        guard case let .duplicateColumn(_, canonical, headers, _)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(canonical == "investor_name")
        #expect(headers == ["投资方名称", "投资企业名称"])
    }

    @Test func anUnreadableFileIsNamed() throws {
        let folder = TestSupport.temporaryFolder()
        // A dangling link: listed by the glob, impossible to open.
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("gone.csv").path, withDestinationPath: "/nonexistent/gone.csv")
        let project = try TestSupport.scratchProject()
        do {
            _ = try TestSupport.workspace(project, raw: folder.appendingPathComponent("*.csv").path).runCollecting(release: project.appendingPathComponent("release"))
            Issue.record("expected an error")
        } catch let error as IINError {
            guard case let .unreadableFile(path, _) = error else { Issue.record("got \(error)"); return }
            #expect(path.hasSuffix("gone.csv"))
            #expect(error.description.contains("cannot be read"))
        }
    }

    @Test func aBrokenGzipIsNamed() {
        let error = ingestError(["cut.csv.gz": Data([0x1F, 0x8B, 0x08, 0x00, 0x00])])
        guard case let .unsupportedFile(path, reason)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path.hasSuffix("cut.csv.gz"))
        #expect(reason.contains("gzip"))
    }

    @Test func aFakeWorkbookIsNamed() {
        let error = ingestError(["fake.xlsx": Data("not a zip".utf8)])
        guard case let .unsupportedFile(path, reason)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path.hasSuffix("fake.xlsx"))
        #expect(reason.contains(".xlsx"))
    }

    // MARK: - Parts

    @Test func excelSerialDates() {
        #expect(XLSXReader.serialDate(40179) == "2010-01-01")
        #expect(XLSXReader.serialDate(1) == "1900-01-01")
        #expect(XLSXReader.serialDate(59) == "1900-02-28")
        #expect(XLSXReader.serialDate(60) == "1900-02-29")
        #expect(XLSXReader.serialDate(61) == "1900-03-01")
        #expect(XLSXReader.serialDate(44197.75) == "2021-01-01")
        #expect(XLSXReader.serialDate(0) == nil)
        #expect(DateParser.year(XLSXReader.serialDate(60)!) == nil)
    }

    @Test func dateFormatCodes() {
        #expect(XLSXReader.isDateFormat("yyyy\"年\"m\"月\"d\"日\""))
        #expect(XLSXReader.isDateFormat("[$-409]d-mmm-yy"))
        #expect(!XLSXReader.isDateFormat("0.00"))
        #expect(!XLSXReader.isDateFormat("mm:ss"))
        #expect(!XLSXReader.isDateFormat("\"day\"0"))
        #expect(!XLSXReader.isDateFormat("[Red]0"))
    }

    @Test func theWorkbookReadsAsRows() throws {
        var rows: [XLSXReader.Row] = []
        try XLSXReader(url: Self.allKinds.appendingPathComponent("e-workbook.xlsx")).read { rows.append($0) }
        #expect(rows.map(\.number) == [1, 2, 3, 4, 5, 6])
        #expect(rows[0].cells.first == "记录编号")
        #expect(rows[1].cells[1] == "呼和浩特青松乳业有限公司")
        #expect(rows[1].cells[2] == "内蒙古自治区呼和浩特市") // inline string
        #expect(rows[1].cells[6] == "2000-03-15") // serial date
        #expect(rows[4].cells[5] == "8000000") // a number
        #expect(rows[3].cells.isEmpty)
    }

    @Test func gzipAndGB18030RoundTrip() throws {
        let folder = TestSupport.temporaryFolder()
        let gunzipped = folder.appendingPathComponent("d.csv")
        try Gzip.decompress(Self.allKinds.appendingPathComponent("d-gzipped.csv.gz"), to: gunzipped)
        #expect(try String(contentsOf: gunzipped, encoding: .utf8).contains("昆明云峰旅游开发有限公司"))
        let converted = folder.appendingPathComponent("c.csv")
        try TextEncoding.convertGB18030File(Self.allKinds.appendingPathComponent("c-gb18030.csv"), to: converted)
        #expect(try String(contentsOf: converted, encoding: .utf8).hasPrefix("记录编号,投资方名称"))
    }

    /// A .csv.gz of two members, the first ending exactly where a 1 MiB
    /// read ends (padded with a gzip comment, as bgzip-like writers may
    /// happen to): the second member is read, not refused as trailing data.
    @Test func aGzipMemberEndingAtAReadBoundaryIsFollowedByTheNext() throws {
        let folder = TestSupport.temporaryFolder("members")
        func gzip(_ text: String) throws -> [UInt8] {
            let plain = folder.appendingPathComponent("plain.txt")
            try Data(text.utf8).write(to: plain)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/gzip")
            process.arguments = ["-n", "-c", plain.path]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let bytes = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
            process.waitUntilExit()
            return bytes
        }
        let first = "a,b\n" + (0..<2000).map { "x\($0),y\($0)\n" }.joined()
        let second = (2000..<2100).map { "x\($0),y\($0)\n" }.joined()
        var member = try gzip(first)
        #expect(member[3] == 0, "gzip -n writes no optional fields")
        // FLG.FCOMMENT, and a zero-terminated comment after the 10-byte header.
        member[3] = 0x10
        let padding = (1 << 20) - member.count - 1
        member.insert(contentsOf: Array(repeating: UInt8(ascii: "c"), count: padding) + [0], at: 10)
        #expect(member.count == 1 << 20)
        let file = folder.appendingPathComponent("two.csv.gz")
        try Data(member + (try gzip(second))).write(to: file)
        let text = folder.appendingPathComponent("two.csv")
        try Gzip.decompress(file, to: text)
        #expect(try String(contentsOf: text, encoding: .utf8) == first + second)
    }

    @Test func newlineCountingIsExact() {
        var random = SeededRandom(seed: 4)
        for _ in 0..<200 {
            let bytes = (0..<random.below(100)).map { _ in random.pick([0x0A, 0x0B, 0x00, 0x01, 0x61, 0x09, 0x0A, 0x7F] as [UInt8]) }
            let counted = bytes.withUnsafeBufferPointer { TextEncoding.scan($0).newlines }
            #expect(counted == bytes.filter { $0 == 0x0A }.count)
        }
    }
}

@Suite("Ingest: encoding found late")
struct LateEncodingTests {
    func ingest(_ file: URL, encoding: String, chunkSize: Int) throws -> (Data, [[String]], RecordAccounting) {
        let output = TestSupport.temporaryFolder("out\(encoding)")
        let scratch = TestSupport.temporaryFolder("scratch\(encoding)")
        let context = StageContext(stageName: "ingest", pipelineFile: "test", parametersPath: "$.stages[0].params",
                                   parameters: .object(["encoding": .string(encoding), "max_year": .integer(2025), "columns": .object([:])]),
                                   inputFiles: ["raw": [file]], upstream: [:], output: output, scratch: scratch,
                                   reportFolder: scratch, gazetteer: try TestSupport.gazetteer(), progress: ProgressReporter(style: .silent), threads: 2)
        _ = try IngestStage(chunkSize: chunkSize).run(context)
        // The hash a writer took on the way out is what the artifact store
        // records; after a rollback (a file read again as GB18030) it must
        // still be the hash of the bytes on disk.
        for name in try FileManager.default.contentsOfDirectory(atPath: output.path) {
            let url = output.appendingPathComponent(name)
            if let known = KnownDigests.digest(ofPath: url.path).sha256 {
                #expect(known == (try FileHashCache.sha256(of: url)), "\(name): the hash taken while writing is not the file's")
            }
        }
        return (try Data(contentsOf: output.appendingPathComponent(IngestedRecordsArtifact.fileName(role: "records", part: 0))),
                try RejectsWriter.read(output.appendingPathComponent(RejectsWriter.fileName)),
                try RecordAccounting.read(from: output))
    }

    /// A GB18030 file whose first part is plain ASCII. With a short
    /// prefix the first megabyte already shows it is not UTF-8 and it is
    /// converted before parsing; with a prefix past the first megabyte the
    /// first waves are delivered as UTF-8, a later chunk proves otherwise
    /// and the file is undone and read again. Either way everything must
    /// end as if the file had been read as GB18030 from the start.
    @Test(arguments: [(rows: 300, padding: 0), (rows: 12_000, padding: 90)])
    func aFileThatTurnsOutGB18030IsReadAgainWhole(prefix: (rows: Int, padding: Int)) throws {
        var text = "investor_name,investee_name,investment_date\n"
        let pad = String(repeating: "x", count: prefix.padding)
        for index in 0..<prefix.rows { text += "Alpha \(index)\(pad),Beta \(index),2010-01-01\n" }
        if prefix.padding > 0 { #expect(text.utf8.count > 1 << 20, "the ASCII prefix must pass the first megabyte") }
        text += "Gamma,,2010-01-01\n"
        for index in 0..<20 { text += "深圳甲\(index)有限公司,广州乙\(index)有限公司,2015年3月\n" }
        let folder = TestSupport.temporaryFolder()
        let file = folder.appendingPathComponent("late.csv")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        process.arguments = ["-f", "UTF-8", "-t", "GB18030"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let converted = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try converted.write(to: file)

        let auto = try ingest(file, encoding: "auto", chunkSize: 97)
        let forced = try ingest(file, encoding: "gb18030", chunkSize: 97)
        #expect(auto.0 == forced.0)
        #expect(auto.1 == forced.1)
        #expect(auto.2 == forced.2)
        #expect(auto.2.files[0].rowsRead == prefix.rows + 21)
        #expect(auto.1.count == 1) // Gamma has no investee
        #expect(auto.2.files[0].rejections(.missingName) == 1)
    }
}
