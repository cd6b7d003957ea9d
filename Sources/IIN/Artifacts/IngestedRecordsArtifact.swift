import Foundation

// The ingest artifact: one part per input file, in input order, as
// `parts.json` lists them (`IngestPart`): `records-NNN.bin`, the file's
// `text-NNN.csv` when it is a CSV, and `rejects-NNN.sqlite`; beside them
// `accounting.json` and `rejects.sqlite` over all files. NNN is the file's
// position in this run; a part reused from an earlier run is linked in
// under its new position's names, which is why nothing inside a part
// names its position.
//
// `text-NNN.csv` is the decoded UTF-8 text of the input file (a hard link
// to the input when it already is UTF-8). `records-NNN.bin` holds the
// file's records that passed, in input order, one after another, each:
//
//   varint line, varint row start (the row's offset in the text file; 0
//   for a workbook),
//   text record id,
//   4 texts of the investor (name, credit code, region, address),
//   4 texts of the investee,
//   length-prefixed investor key, investee key (empty: the key is the name),
//   fixed64 key digest high, low,
//   text paid-in capital as given, CapitalField,
//   varint year, varint link type.
//
// A text is `varint(length << 1 | 1)` and its bytes inline (workbooks,
// escaped fields), or `varint(length << 1)` and `varint(offset from the
// row start)` into the text file. Written only by `IngestedRecordSink`,
// read only by `IngestedRecordParser`.

/// What the ingest stage knows of one input file's part without reading it.
public struct IngestPart: Codable, Sendable, Equatable {
    /// The file's rows read and rejections (kept and duplicates are zero
    /// until dedupe).
    public var account: FileAccount
    public var records: Int
}

/// One ingested record as slices of mapped bytes (the ingest artifact and
/// the kept source texts): what geocoding reads, without building strings.
package struct IngestedRecordView {
    /// The record's input file, by position in this run.
    var file: Int
    /// Where the record starts in its part's `records-NNN.bin`: the
    /// geocode stage's records point back here instead of copying texts.
    var offset: Int
    var line: Int
    var recordID: UnsafeBufferPointer<UInt8>
    package var investor: SideFields
    package var investee: SideFields
    var digestHigh: UInt64
    var digestLow: UInt64
    /// The paid-in capital as read, in the record layout's encoding
    /// (flag, amount, unit, currency), copied as it is.
    var capital: UnsafeBufferPointer<UInt8>
    var year: Int
    var linkType: Int
}

/// Walks the records of one or more parts of the ingest artifact, in
/// order, without copying.
package struct IngestedRecordParser {
    struct Part {
        var records: UnsafeBufferPointer<UInt8>
        var text: UnsafeBufferPointer<UInt8>?
        var path: String
        var file: Int
    }

    private let parts: [Part]
    private var current = 0
    private var cursor: MappedRecordCursor
    private var rowStart = 0

    init(parts: [Part]) {
        self.parts = parts
        let first = parts.first ?? Part(records: UnsafeBufferPointer(start: nil, count: 0), text: nil, path: "", file: 0)
        cursor = MappedRecordCursor(bytes: first.records, path: first.path)
    }

    package var atEnd: Bool {
        cursor.atEnd && (current + 1 >= parts.count || parts[(current + 1)...].allSatisfy { $0.records.isEmpty })
    }

    var offset: Int { cursor.offset }

    /// Moves to the record starting at `offset` of the current part.
    mutating func seek(to offset: Int) throws(IINError) {
        guard offset >= 0, offset < cursor.bytes.count else { throw cursor.corrupt("no record starts at byte \(offset)") }
        cursor.offset = offset
    }

    /// The part, and the source-text offset, of the last record read.
    var lastRow: (part: Int, start: Int) { (current, rowStart) }

    package mutating func next() throws(IINError) -> IngestedRecordView {
        while cursor.atEnd && current + 1 < parts.count {
            current += 1
            cursor = MappedRecordCursor(bytes: parts[current].records, path: parts[current].path)
            rowStart = 0
        }
        let offset = cursor.offset
        let line = try cursor.varint()
        rowStart = try cursor.varint()
        let recordID = try text()
        var investor = try side()
        var investee = try side()
        let investorKey = try cursor.lengthPrefixed()
        let investeeKey = try cursor.lengthPrefixed()
        // An empty key field means the key is the name itself.
        investor.key = investorKey.isEmpty ? investor.name : investorKey
        investee.key = investeeKey.isEmpty ? investee.name : investeeKey
        let high = try cursor.fixed64()
        let low = try cursor.fixed64()
        _ = try text() // the capital text as given
        let capital = try CapitalField.skip(&cursor)
        let year = try cursor.varint()
        let linkType = try cursor.varint()
        return IngestedRecordView(file: parts[current].file, offset: offset, line: line, recordID: recordID, investor: investor, investee: investee, digestHigh: high,
                                  digestLow: low, capital: capital, year: year, linkType: linkType)
    }

    private mutating func side() throws(IINError) -> SideFields {
        let name = try text()
        let creditCode = try text()
        let region = try text()
        let address = try text()
        return SideFields(name: name, creditCode: creditCode, region: region, address: address, key: name)
    }

    /// A text field: inline bytes, or a slice of the row's source text.
    @inline(__always)
    private mutating func text() throws(IINError) -> UnsafeBufferPointer<UInt8> {
        let tag = try cursor.varint()
        let length = tag >> 1
        if tag & 1 == 1 { return try cursor.take(length) }
        let start = rowStart + (try cursor.varint())
        if length == 0 { return UnsafeBufferPointer(rebasing: cursor.bytes[0..<0]) }
        guard let source = parts[current].text, start + length <= source.count else { throw cursor.corrupt("a field points outside its source text") }
        return UnsafeBufferPointer(rebasing: source[start..<(start + length)])
    }
}

/// The ingest artifact mapped for reading as bytes: each part's records
/// and the kept source text they point into, held open together.
package struct IngestedRecordsArtifact {
    /// The name of a part's file of `role` at position `part`.
    static func fileName(role: String, part: Int) -> String {
        switch role {
        case "text": return PartFiles.name(role, part: part, extension: "csv")
        case "rejects": return PartFiles.name(role, part: part, extension: "sqlite")
        default: return PartFiles.name(role, part: part, extension: "bin")
        }
    }

    struct MappedPart {
        var records: MappedFile
        var text: MappedFile?
    }

    package let manifest: PartManifest<IngestPart>
    let parts: [MappedPart]

    package init(folder: URL) throws(IINError) {
        manifest = try PartManifest<IngestPart>.read(from: folder)
        var parts: [MappedPart] = []
        for part in manifest.parts {
            guard let records = part.files["records"] else {
                throw IINError.corruptArtifact(path: folder.appendingPathComponent(PartManifest<IngestPart>.fileName).path, reason: "a part lists no records file")
            }
            let text = try part.files["text"].map { name throws(IINError) in try MappedFile(url: folder.appendingPathComponent(name)) }
            parts.append(MappedPart(records: try MappedFile(url: folder.appendingPathComponent(records)), text: text))
        }
        self.parts = parts
    }

    /// The records of every part, in input order.
    package func parser() -> IngestedRecordParser {
        IngestedRecordParser(parts: parts.indices.map(parserPart))
    }

    /// The records of one part.
    func parser(part: Int) -> IngestedRecordParser {
        IngestedRecordParser(parts: [parserPart(part)])
    }

    private func parserPart(_ index: Int) -> IngestedRecordParser.Part {
        IngestedRecordParser.Part(records: parts[index].records.bytes, text: parts[index].text?.bytes, path: parts[index].records.url.path, file: index)
    }

    /// Hands back the pages of everything before the position of a parser
    /// over part `part`: records come in input order, so a
    /// multi-gigabyte crawl read once keeps memory flat.
    func releasePages(before parser: IngestedRecordParser, part: Int) {
        parts[part].records.releasePages(before: parser.offset)
        parts[part].text?.releasePages(before: parser.lastRow.start)
    }
}

/// Writes the record layout into memory reserved for it: about 30
/// separate appends per record, each with its capacity check, cost 9 % of
/// ingest.
struct IngestedRecordSink {
    let base: UnsafeMutablePointer<UInt8>
    var offset = 0
    let inline: Bool
    /// The start of the text rows are sliced from, and this row's offset in it.
    let text: UnsafePointer<UInt8>?
    let rowStart: Int

    init(base: UnsafeMutablePointer<UInt8>, inline: Bool, text: UnsafePointer<UInt8>?, rowStart: Int) {
        self.base = base
        self.inline = inline
        self.text = text
        self.rowStart = rowStart
    }

    /// A text field: `length << 1 | 1` and the bytes, or `length << 1`
    /// and the field's offset from the row's start in the kept text.
    @inline(__always) mutating func text(_ field: UnsafeBufferPointer<UInt8>) {
        if inline {
            varint(UInt64(field.count) << 1 | 1)
            if let source = field.baseAddress, field.count > 0 {
                (base + offset).update(from: source, count: field.count)
                offset += field.count
            }
            return
        }
        varint(UInt64(field.count) << 1)
        guard let start = field.baseAddress, let text else {
            varint(0)
            return
        }
        varint(UInt64(start - text - rowStart))
    }

    @inline(__always) mutating func byte(_ value: UInt8) {
        base[offset] = value
        offset += 1
    }

    @inline(__always) mutating func varint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            byte(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        byte(UInt8(remaining))
    }

    @inline(__always) mutating func lengthPrefixed(_ bytes: UnsafeBufferPointer<UInt8>) {
        varint(UInt64(bytes.count))
        if let source = bytes.baseAddress, bytes.count > 0 {
            (base + offset).update(from: source, count: bytes.count)
            offset += bytes.count
        }
    }

    @inline(__always) mutating func fixed64(_ value: UInt64) {
        UnsafeMutableRawPointer(base + offset).storeBytes(of: value.littleEndian, as: UInt64.self)
        offset += 8
    }

    @inline(__always) mutating func capital(_ capital: PaidInCapital?) {
        guard let capital else {
            byte(0)
            return
        }
        byte(1)
        fixed64(capital.amount.bitPattern)
        varint(UInt64(CapitalField.unitIndex(capital.unit)))
        var currency = capital.currency
        currency.withUTF8 { lengthPrefixed($0) }
    }

    @inline(__always) mutating func key(_ key: [UInt8], name: UnsafeBufferPointer<UInt8>) {
        key.withUnsafeBufferPointer { keyBytes in
            if keyBytes.count == name.count && (name.count == 0 || memcmp(keyBytes.baseAddress!, name.baseAddress!, name.count) == 0) {
                byte(0)
            } else {
                lengthPrefixed(keyBytes)
            }
        }
    }
}

