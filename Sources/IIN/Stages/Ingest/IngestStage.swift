import Foundation

/// Stage 1: reads the raw crawl files into records, rejecting rows that
/// break the contract's record checks (see stages/ingest.json).
public struct IngestStage: Stage {
    public static let kind = "ingest"
    public static let codeVersion = 7
    public static let usesGazetteer = false
    public static let reads: [String] = []

    /// Bytes per parallel chunk; tests make it tiny to exercise the cuts.
    let chunkSize: Int

    public init() {
        chunkSize = ChunkedCSVReader.defaultChunkSize
    }

    init(chunkSize: Int) {
        self.chunkSize = chunkSize
    }

    /// The containers a raw file may come in, by file name.
    enum Container {
        case csv, gzippedCSV, xlsx

        init(path: String) throws(IINError) {
            let name = (path as NSString).lastPathComponent.lowercased()
            if name.hasSuffix(".csv.gz") {
                self = .gzippedCSV
            } else if name.hasSuffix(".csv") {
                self = .csv
            } else if name.hasSuffix(".xlsx") {
                self = .xlsx
            } else {
                throw IINError.unsupportedFile(path: path, reason: "'\((path as NSString).lastPathComponent)' is not a raw records file")
            }
        }
    }

    /// See stages/ingest.json for the defaults and the meaning.
    public struct Parameters: StageParameters {
        public enum Encoding: String, Decodable, Sendable { case auto, utf8 = "utf-8", gb18030 }
        public var encoding: Encoding
        public var maxYear: Int
        /// Extra header name to canonical column name.
        public var columns: [String: String]

        enum CodingKeys: String, CodingKey { case encoding, maxYear = "max_year", columns }
    }

    /// Each input file is a part of the artifact keyed by the file's
    /// digest and name and the stage's parameters and code: a part an
    /// earlier run wrote under the same key is linked in, not read again.
    public func run(_ context: StageContext, parameters: Parameters) throws(IINError) -> StageOutcome {
        let files = context.inputFiles["raw"] ?? []
        let containers = try files.map { url throws(IINError) in try Container(path: url.path) }
        let digests = context.inputDigests["raw"] ?? []
        let sizes = files.map { (try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int) ?? 0 }
        let earlier = context.earlierParts.load(IngestPart.self)
        var adopted = [PartManifest<IngestPart>.Part?](repeating: nil, count: files.count)
        var keys: [String] = []
        var reused = 0
        context.progress.begin("ingest", total: sizes.reduce(0, +), unit: "bytes")
        // First every part an earlier artifact holds is linked in; then the
        // other files are read, in input order.
        for (fileIndex, url) in files.enumerated() {
            let digest = digests.count == files.count ? digests[fileIndex]
                : InputFileDigest(name: url.lastPathComponent, size: sizes[fileIndex], sha256: try FileHashCache.sha256(of: url))
            let key = context.partKey(kind: Self.kind, codeVersion: Self.codeVersion, usesGazetteer: Self.usesGazetteer, perFileInputs: ["raw"],
                                      item: "\(digest.name):\(digest.size):\(digest.sha256)")
            keys.append(key)
            if let part = earlier.adopt(key: key, into: context.output, naming: { IngestedRecordsArtifact.fileName(role: $0, part: fileIndex) }) {
                adopted[fileIndex] = part
                reused += 1
                context.progress.advance(by: sizes[fileIndex])
            }
        }
        let toRead = files.indices.filter { adopted[$0] == nil && containers[$0] != .xlsx }
        // A compressed or GB18030 file is decoded on one core: that is done
        // for the next CSV file in the background while this one is parsed,
        // so the other core is not left idle (about 1 s a file at 12M).
        let encoding = parameters.encoding
        let output = context.output, scratch = context.scratch
        func prepare(_ fileIndex: Int) -> TextPreparation {
            let url = files[fileIndex], gzipped = containers[fileIndex] == .gzippedCSV
            let text = output.appendingPathComponent(IngestedRecordsArtifact.fileName(role: "text", part: fileIndex))
            return TextPreparation(BackgroundWork {
                do throws(IINError) {
                    return .success(try Self.prepareText(url, as: text, gzipped: gzipped, encoding: encoding, scratch: scratch))
                } catch { return .failure(error) }
            })
        }
        var preparations: [Int: TextPreparation] = [:]
        // The background writes into this stage's folder: never leave (or
        // throw) before it is done.
        defer { for preparation in preparations.values { _ = preparation.result() } }

        var manifest = PartManifest<IngestPart>(parts: [])
        for (fileIndex, url) in files.enumerated() {
            if let part = adopted[fileIndex] {
                manifest.parts.append(part)
                continue
            }
            let sink = try IngestOutput(folder: context.output, part: fileIndex, fileName: url.lastPathComponent)
            let makeBuilder = { (header: [String]) throws(IINError) -> RecordBuilder in
                RecordBuilder(columns: try ColumnMap(header: header, extraHeaders: parameters.columns, path: url.path), maxYear: parameters.maxYear)
            }
            let deliver = { (result: ChunkedCSVReader.ChunkResult) throws(IINError) in try sink.deliver(result) }
            switch containers[fileIndex] {
            case .xlsx:
                let inlineBuilder = { (header: [String]) throws(IINError) -> RecordBuilder in
                    var builder = try makeBuilder(header)
                    builder.inlineText = true
                    return builder
                }
                try Self.readWorkbook(url, makeBuilder: inlineBuilder, deliver: deliver)
                context.progress.advance(by: sizes[fileIndex])
            case .csv, .gzippedCSV:
                let preparation = preparations[fileIndex] ?? prepare(fileIndex)
                preparations[fileIndex] = preparation
                if let position = toRead.firstIndex(of: fileIndex), position + 1 < toRead.count, preparations[toRead[position + 1]] == nil {
                    preparations[toRead[position + 1]] = prepare(toRead[position + 1])
                }
                let prepared = try preparation.result().get()
                let text = IngestedRecordsArtifact.fileName(role: "text", part: fileIndex)
                try readText(url, as: context.output.appendingPathComponent(text), prepared: prepared, encoding: parameters.encoding,
                             context: context, makeBuilder: makeBuilder, sink: sink, deliver: deliver)
                sink.files["text"] = text
            }
            try sink.close()
            manifest.parts.append(.init(key: keys[fileIndex], files: sink.files, summary: IngestPart(account: sink.account, records: sink.recordsWritten)))
        }
        try manifest.write(to: context.output)
        let accounting = RecordAccounting(files: manifest.parts.map(\.summary.account))
        try accounting.write(to: context.output)
        try RejectsWriter.combine(manifest.parts.compactMap { $0.files["rejects"].map(context.output.appendingPathComponent) }, into: context.output)
        let total = accounting.total
        return StageOutcome(counts: ["files": files.count, "files_reused": reused, "rows_read": total.rowsRead,
                                     "records": manifest.parts.reduce(0) { $0 + $1.summary.records }, "rejected": total.totalRejected])
    }

    /// What preparing a CSV file's text did.
    struct PreparedText: Sendable {
        /// Whether the text was converted from GB18030.
        var converted: Bool
    }

    /// A text being prepared in the background; its result is taken once.
    final class TextPreparation: @unchecked Sendable {
        private let work: BackgroundWork<Result<PreparedText, IINError>>
        private var taken: Result<PreparedText, IINError>?

        init(_ work: BackgroundWork<Result<PreparedText, IINError>>) {
            self.work = work
        }

        /// Waits for the work the first time; only the stage's own thread calls it.
        func result() -> Result<PreparedText, IINError> {
            if let taken { return taken }
            let value = work.wait()
            taken = value
            return value
        }
    }

    /// A CSV file's decoded text, kept in the artifact, which the records
    /// point into: a hard link when the input is already UTF-8 CSV (no
    /// copy; an input edited in place would fail the artifact's hash check
    /// and be rebuilt), decompressed or converted into it otherwise. With
    /// encoding auto, a file whose first megabyte is not UTF-8 is converted
    /// from GB18030 here; one that turns out not to be UTF-8 further on is
    /// converted when the parse finds out (`readText`).
    static func prepareText(_ url: URL, as text: URL, gzipped: Bool, encoding: Parameters.Encoding, scratch: URL) throws(IINError) -> PreparedText {
        if gzipped {
            try Gzip.decompress(url, to: text)
        } else {
            try keep(url, as: text)
        }
        var converted = false
        var convert = encoding == .gb18030
        if encoding == .auto { convert = !(try startsAsUTF8(text)) }
        if convert {
            try convertInPlace(text, original: url, scratch: scratch)
            converted = true
        }
        try normaliseBareCarriageReturns(text, scratch: scratch)
        return PreparedText(converted: converted)
    }

    /// Whether the first megabyte of a text, cut at its last line feed
    /// (never inside a character, in UTF-8 or GB18030), is UTF-8. A window
    /// without a line feed says nothing, and counts as UTF-8 here.
    static func startsAsUTF8(_ text: URL) throws(IINError) -> Bool {
        let file = try MappedFile(url: text)
        let bytes = file.bytes
        let window = min(bytes.count, 1 << 20)
        guard let base = bytes.baseAddress, window > 0 else { return true }
        var length = window
        while length > 0 && base[length - 1] != 0x0A { length -= 1 }
        if length == 0 { return window < bytes.count || TextEncoding.scan(bytes).validUTF8 }
        return withExtendedLifetime(file) { TextEncoding.scan(UnsafeBufferPointer(start: base, count: length)).validUTF8 }
    }

    /// Parses a prepared text. With encoding auto, a text the parse proves
    /// not UTF-8 is undone, converted from GB18030 and read again.
    private func readText(_ url: URL, as text: URL, prepared: PreparedText, encoding: Parameters.Encoding, context: StageContext,
                          makeBuilder: ([String]) throws(IINError) -> RecordBuilder, sink: IngestOutput,
                          deliver: (ChunkedCSVReader.ChunkResult) throws(IINError) -> Void) throws(IINError) {
        let mark = sink.mark()
        var outcome = try ChunkedCSVReader(file: try MappedFile(url: text), path: url.path, threads: context.threads, chunkSize: chunkSize)
            .read(makeBuilder: makeBuilder, progress: context.progress, deliver: deliver)
        guard outcome == .notUTF8 else { return }
        guard encoding == .auto, !prepared.converted else { throw IINError.unknownEncoding(path: url.path) }
        try sink.rollBack(to: mark)
        try Self.convertInPlace(text, original: url, scratch: context.scratch)
        outcome = try ChunkedCSVReader(file: try MappedFile(url: text), path: url.path, threads: context.threads, chunkSize: chunkSize)
            .read(makeBuilder: makeBuilder, progress: context.progress, deliver: deliver)
        if outcome == .notUTF8 { throw IINError.unknownEncoding(path: url.path) }
    }

    /// Where one file's results go, in input order: its records, its
    /// rejects and its account; a file read again is undone first.
    final class IngestOutput {
        private let records: BufferedFileWriter
        private let rejects: RejectsWriter
        private let fileName: String
        private(set) var account: FileAccount
        private(set) var recordsWritten = 0
        /// The part's files by role, as `parts.json` lists them.
        var files: [String: String]

        struct Mark {
            var recordBytes: Int
            var rejects: Int
            var account: FileAccount
            var records: Int
        }

        init(folder: URL, part: Int, fileName: String) throws(IINError) {
            self.fileName = fileName
            account = FileAccount(file: fileName)
            files = ["records": IngestedRecordsArtifact.fileName(role: "records", part: part),
                     "rejects": IngestedRecordsArtifact.fileName(role: "rejects", part: part)]
            records = try BufferedFileWriter(url: folder.appendingPathComponent(files["records"]!))
            rejects = try RejectsWriter(url: folder.appendingPathComponent(files["rejects"]!))
        }

        func deliver(_ result: ChunkedCSVReader.ChunkResult) throws(IINError) {
            records.write(block: result.records)
            recordsWritten += result.recordCount
            account.rowsRead += result.rowsRead
            for row in result.rejected {
                account.rejected[row.reason.rawValue, default: 0] += 1
                try rejects.add(file: fileName, line: row.line, reason: row.reason, detail: row.detail, text: String(decoding: row.text, as: UTF8.self))
            }
        }

        func mark() -> Mark {
            Mark(recordBytes: records.totalBytes, rejects: rejects.count, account: account, records: recordsWritten)
        }

        func rollBack(to mark: Mark) throws(IINError) {
            try records.truncate(to: mark.recordBytes)
            try rejects.rollBack(to: mark.rejects)
            account = mark.account
            recordsWritten = mark.records
        }

        func close() throws(IINError) {
            try records.close()
            try rejects.close()
        }
    }

    /// Reads the first sheet of a workbook: the first non-empty row is the
    /// header; entirely empty rows are skipped like blank lines; a row with
    /// a value right of the header's last column is malformed; missing
    /// trailing cells are empty. Row numbers are Excel's.
    static func readWorkbook(_ url: URL, makeBuilder: ([String]) throws(IINError) -> RecordBuilder,
                             deliver: (ChunkedCSVReader.ChunkResult) throws(IINError) -> Void) throws(IINError) {
        var builder: RecordBuilder?
        var scratch = RecordScratch()
        var result = ChunkedCSVReader.ChunkResult(stop: 0, stopLine: 0)
        let reader = XLSXReader(url: url)
        try reader.read { (row: XLSXReader.Row) throws(IINError) in
            if row.beyondLimit == nil, row.cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { return }
            guard let rowBuilder = builder else {
                builder = try makeBuilder(row.cells)
                // Cells right of the header are only noted from here on.
                reader.columnLimit.value = row.cells.count
                return
            }
            result.rowsRead += 1
            var text = RejectedRow.excerpt(Array(CSVWriter.line(row.cells).dropLast().utf8))
            let width = rowBuilder.columns.fieldCount
            let stray = row.beyondLimit ?? (row.cells.count > width ? row.cells.indices.dropFirst(width).first { !row.cells[$0].isEmpty }.map { ($0, row.cells[$0]) } : nil)
            if let stray {
                // The stray value itself, for whoever fixes the row.
                if row.beyondLimit != nil { text += Array(" … \(XLSXWriter.columnName(stray.0)): \(stray.1.prefix(200))".utf8) }
                result.rejected.append(RejectedRow(line: row.number, reason: .malformed,
                                                   detail: "a value in column \(stray.0 + 1) where the header has \(width) columns", text: text))
                return
            }
            var buffer: [UInt8] = []
            var fields: [CSVField] = []
            for column in 0..<width {
                let start = buffer.count
                if column < row.cells.count { buffer.append(contentsOf: row.cells[column].utf8) }
                fields.append(CSVField(start: start, end: buffer.count, hasEscapedQuotes: false))
            }
            let outcome = buffer.withUnsafeBufferPointer { bytes in
                rowBuilder.build(RowView(bytes: bytes, fields: fields), line: row.number, scratch: &scratch, into: &result.records)
            }
            switch outcome {
            case .record: result.recordCount += 1
            case let .rejected(reason, detail): result.rejected.append(RejectedRow(line: row.number, reason: reason, detail: detail, text: text))
            }
            if result.records.count > 4 << 20 {
                try deliver(result)
                result = ChunkedCSVReader.ChunkResult(stop: 0, stopLine: 0)
            }
        }
        if builder == nil { throw IINError.emptyFile(path: url.path) }
        try deliver(result)
    }

    /// Puts the input's bytes at `destination`: a hard link where the file
    /// system allows, a copy where it does not (another device).
    static func keep(_ source: URL, as destination: URL) throws(IINError) {
        try? FileManager.default.removeItem(at: destination)
        do {
            try FileManager.default.linkItem(at: source, to: destination)
        } catch {
            try DiskWrites.copy(source, to: destination)
        }
    }

    /// Old Mac exports end lines with CR alone; read as they are, such a
    /// file is one long line and so zero rows. A text with CRs and no LF at
    /// all is rewritten with LFs, byte for byte the same length, so record
    /// offsets still point at the same fields. A file that mixes CR-only
    /// lines with LF ones is left alone: its CRs sit inside fields.
    static func normaliseBareCarriageReturns(_ text: URL, scratch: URL) throws(IINError) {
        let file = try MappedFile(url: text)
        let bytes = file.bytes
        guard let base = bytes.baseAddress, memchr(base, 0x0A, bytes.count) == nil, memchr(base, 0x0D, bytes.count) != nil else { return }
        let converted = scratch.appendingPathComponent(text.lastPathComponent + ".lf")
        let writer = try BufferedFileWriter(url: converted)
        var block: [UInt8] = []
        block.reserveCapacity(1 << 20)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + (1 << 20))
            block.removeAll(keepingCapacity: true)
            for byte in bytes[start..<end] { block.append(byte == 0x0D ? 0x0A : byte) }
            writer.write(block: block)
            start = end
        }
        try writer.close()
        // Never through the hard link to the user's input: replace the name.
        guard rename(converted.path, text.path) == 0 else {
            throw IINError.unwritableFile(path: text.path, reason: String(cString: strerror(errno)))
        }
    }

    /// Replaces a kept GB18030 text by its UTF-8 conversion (never writing
    /// through a hard link to the user's input).
    static func convertInPlace(_ text: URL, original: URL, scratch: URL) throws(IINError) {
        let converted = scratch.appendingPathComponent(text.lastPathComponent + ".utf8")
        do throws(IINError) {
            try TextEncoding.convertGB18030File(text, to: converted)
        } catch {
            if case .unknownEncoding = error { throw IINError.unknownEncoding(path: original.path) }
            throw error
        }
        do {
            try FileManager.default.removeItem(at: text)
            try FileManager.default.moveItem(at: converted, to: text)
        } catch {
            throw IINError.unwritableFile(path: text.path, reason: error.localizedDescription)
        }
    }
}
