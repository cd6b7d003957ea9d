import Foundation

/// One ingested record as slices of mapped bytes (the ingest artifact and
/// the kept source texts): what geocoding reads, without building strings.
struct IngestedRecordView {
    var file: Int
    var line: Int
    var recordID: UnsafeBufferPointer<UInt8>
    var investor: SideFields
    var investee: SideFields
    var digestHigh: UInt64
    var digestLow: UInt64
    /// The paid-in capital as read, in the record layout's encoding
    /// (flag, amount, unit, currency), copied as it is.
    var capital: UnsafeBufferPointer<UInt8>
    var year: Int
    var linkType: Int
}

/// Walks the ingest artifact's records (layout: `RecordCodec.readIngested`).
struct IngestedRecordParser {
    private var cursor: MappedRecordCursor
    let texts: [UnsafeBufferPointer<UInt8>?]
    private var rowStart = 0
    private var file = 0

    init(records: UnsafeBufferPointer<UInt8>, texts: [UnsafeBufferPointer<UInt8>?], path: String) {
        cursor = MappedRecordCursor(bytes: records, path: path)
        self.texts = texts
    }

    var atEnd: Bool { cursor.atEnd }
    var offset: Int { cursor.offset }
    /// The input file and source-text offset of the last record read.
    var lastRow: (file: Int, start: Int) { (file, rowStart) }

    mutating func next() throws(IINError) -> IngestedRecordView {
        file = try cursor.varint()
        let line = try cursor.varint()
        rowStart = try cursor.varint()
        guard file >= 0 && file < texts.count else { throw cursor.corrupt("names input file \(file)") }
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
        let capitalStart = cursor.offset
        if try cursor.varint() == 1 {
            _ = try cursor.fixed64()
            _ = try cursor.varint()
            _ = try cursor.lengthPrefixed()
        }
        let capital = UnsafeBufferPointer(rebasing: cursor.bytes[capitalStart..<cursor.offset])
        let year = try cursor.varint()
        let linkType = try cursor.varint()
        return IngestedRecordView(file: file, line: line, recordID: recordID, investor: investor, investee: investee, digestHigh: high,
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
        guard let source = texts[file], start + length <= source.count else { throw cursor.corrupt("a field points outside its source text") }
        return UnsafeBufferPointer(rebasing: source[start..<(start + length)])
    }
}

/// The ingest artifact mapped for reading as bytes: its records and the
/// kept source texts they point into, held open together.
struct MappedIngestArtifact {
    let records: MappedFile
    let texts: [MappedFile?]
    let recordsPath: String

    init(folder: URL, fileCount: Int) throws(IINError) {
        let recordsURL = folder.appendingPathComponent(IngestStage.recordsFile)
        records = try MappedFile(url: recordsURL)
        recordsPath = recordsURL.path
        var texts: [MappedFile?] = []
        for index in 0..<fileCount {
            let url = folder.appendingPathComponent(IngestedRecords.textName(index))
            texts.append(FileManager.default.fileExists(atPath: url.path) ? try MappedFile(url: url) : nil)
        }
        self.texts = texts
    }

    func parser() -> IngestedRecordParser {
        IngestedRecordParser(records: records.bytes, texts: texts.map { $0?.bytes }, path: recordsPath)
    }

    /// Hands back the pages of everything before the parser's position:
    /// records come in input order, so a multi-gigabyte crawl read once
    /// keeps memory flat.
    func releasePages(before parser: IngestedRecordParser) {
        records.releasePages(before: parser.offset)
        let (file, start) = parser.lastRow
        for (index, text) in texts.enumerated() where index <= file {
            text?.releasePages(before: index < file ? text?.count ?? 0 : start)
        }
    }
}
