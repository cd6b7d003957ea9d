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
    let records: UnsafeBufferPointer<UInt8>
    let texts: [UnsafeBufferPointer<UInt8>?]
    let path: String
    private(set) var offset = 0
    private var rowStart = 0
    private var file = 0

    init(records: UnsafeBufferPointer<UInt8>, texts: [UnsafeBufferPointer<UInt8>?], path: String) {
        self.records = records
        self.texts = texts
        self.path = path
    }

    var atEnd: Bool { offset >= records.count }

    mutating func next() throws(IINError) -> IngestedRecordView {
        file = try varint()
        let line = try varint()
        rowStart = try varint()
        guard file >= 0 && file < texts.count else { throw corrupt("names input file \(file)") }
        let recordID = try text()
        var investor = try side()
        var investee = try side()
        let investorKey = try inline()
        let investeeKey = try inline()
        investor.key = investorKey.isEmpty ? investor.name : investorKey
        investee.key = investeeKey.isEmpty ? investee.name : investeeKey
        let high = try fixed64()
        let low = try fixed64()
        _ = try text() // the capital text as given
        let capitalStart = offset
        if try varint() == 1 {
            _ = try fixed64()
            _ = try varint()
            _ = try inline()
        }
        let capital = UnsafeBufferPointer(rebasing: records[capitalStart..<offset])
        let year = try varint()
        let linkType = try varint()
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

    private func corrupt(_ reason: String) -> IINError {
        IINError.corruptArtifact(path: path, reason: "\(reason) at byte \(offset)")
    }

    @inline(__always)
    private mutating func text() throws(IINError) -> UnsafeBufferPointer<UInt8> {
        let tag = try varint()
        let length = tag >> 1
        if tag & 1 == 1 {
            guard offset + length <= records.count else { throw corrupt("field runs past the end") }
            defer { offset += length }
            return UnsafeBufferPointer(rebasing: records[offset..<(offset + length)])
        }
        let start = rowStart + (try varint())
        if length == 0 { return UnsafeBufferPointer(rebasing: records[0..<0]) }
        guard let source = texts[file], start + length <= source.count else { throw corrupt("a field points outside its source text") }
        return UnsafeBufferPointer(rebasing: source[start..<(start + length)])
    }

    @inline(__always)
    private mutating func inline() throws(IINError) -> UnsafeBufferPointer<UInt8> {
        let length = try varint()
        guard offset + length <= records.count else { throw corrupt("field runs past the end") }
        defer { offset += length }
        return UnsafeBufferPointer(rebasing: records[offset..<(offset + length)])
    }

    @inline(__always)
    private mutating func varint() throws(IINError) -> Int {
        var result = 0
        var shift = 0
        while offset < records.count, shift < 64 {
            let byte = records[offset]
            offset += 1
            result |= Int(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        throw corrupt("truncated integer")
    }

    @inline(__always)
    private mutating func fixed64() throws(IINError) -> UInt64 {
        guard offset + 8 <= records.count, let base = records.baseAddress else { throw corrupt("truncated") }
        let value = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self).littleEndian
        offset += 8
        return value
    }
}
