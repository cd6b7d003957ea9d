import Foundation

/// The binary record files passed between stages: varints and
/// length-prefixed strings, one record after another, in input order.
///
/// Binary rather than CSV because each stage reads the previous one's
/// output whole, and re-parsing text for every stage of a nightly 17-million
/// row rebuild would cost more than the work itself. The layouts are fixed
/// by the stages' code versions.
enum RecordCodec {
    /// A text field of the ingest layout: inline bytes, or a slice of the
    /// kept source text at the row's offset (see `RecordBuilder.RawSink`).
    static func readText(_ input: inout BinaryReader, row: UnsafeBufferPointer<UInt8>?, rowStart: Int) throws(IINError) -> String {
        let tag = try input.readVarint()
        let length = Int(tag >> 1)
        if tag & 1 == 1 { return try input.readString(length: length) }
        let offset = try input.readInt()
        if length == 0 { return "" }
        guard let row, rowStart + offset + length <= row.count else {
            throw IINError.corruptArtifact(path: input.url.path, reason: "a field points outside its source text at byte \(input.position)")
        }
        return String(decoding: UnsafeBufferPointer(rebasing: row[(rowStart + offset)..<(rowStart + offset + length)]), as: UTF8.self)
    }

    static func readParty(_ input: inout BinaryReader, text: UnsafeBufferPointer<UInt8>?, rowStart: Int) throws(IINError) -> PartyText {
        PartyText(name: try readText(&input, row: text, rowStart: rowStart), creditCode: try readText(&input, row: text, rowStart: rowStart),
                  region: try readText(&input, row: text, rowStart: rowStart), address: try readText(&input, row: text, rowStart: rowStart))
    }

    static func append(_ capital: PaidInCapital?, to buffer: inout [UInt8]) {
        guard let capital else {
            buffer.append(0)
            return
        }
        buffer.append(1)
        buffer.appendFixed64(capital.amount.bitPattern)
        buffer.appendVarint(UInt64(PaidInCapital.Unit.allCases.firstIndex(of: capital.unit)!))
        buffer.appendLengthPrefixed(capital.currency.utf8)
    }

    static func readCapital(_ input: inout BinaryReader) throws(IINError) -> PaidInCapital? {
        guard try input.readInt() == 1 else { return nil }
        let amount = Double(bitPattern: try input.readFixed64())
        let unitIndex = try input.readInt()
        guard PaidInCapital.Unit.allCases.indices.contains(unitIndex) else {
            throw IINError.corruptArtifact(path: input.url.path, reason: "unknown capital unit")
        }
        return PaidInCapital(amount: amount, unit: PaidInCapital.Unit.allCases[unitIndex], currency: try input.readString())
    }

    /// - Parameter text: the kept source text of an input file, by index
    ///   (nil for a workbook, whose records carry their text inline).
    static func readIngested(_ input: inout BinaryReader, rowStart: inout Int,
                             text: (Int) throws(IINError) -> UnsafeBufferPointer<UInt8>?) throws(IINError) -> IngestedRecord {
        let location = RowLocation(file: try input.readInt(), line: try input.readInt())
        rowStart = try input.readInt()
        let source = try text(location.file)
        let recordID = try readText(&input, row: source, rowStart: rowStart)
        let investor = try readParty(&input, text: source, rowStart: rowStart)
        let investee = try readParty(&input, text: source, rowStart: rowStart)
        // An empty key field means the key is the name itself.
        let investorKey = try input.readString().nonEmpty ?? investor.name
        let investeeKey = try input.readString().nonEmpty ?? investee.name
        let digest = KeyDigest(high: try input.readFixed64(), low: try input.readFixed64())
        let capitalText = try readText(&input, row: source, rowStart: rowStart)
        let capital = try readCapital(&input)
        let year = try input.readInt()
        guard let linkType = LinkType(rawValue: try input.readInt()) else {
            throw IINError.corruptArtifact(path: input.url.path, reason: "unknown link type")
        }
        return IngestedRecord(location: location, recordID: recordID, investor: investor, investee: investee,
                              investorKey: investorKey, investeeKey: investeeKey, keyDigest: digest, paidInCapital: capitalText,
                              capital: capital, year: year, linkType: linkType)
    }

    static func write(_ record: GeocodedRecord, to output: BufferedFileWriter) {
        var buffer: [UInt8] = []
        buffer.appendVarint(UInt64(record.location.file))
        buffer.appendVarint(UInt64(record.location.line))
        buffer.appendLengthPrefixed(record.recordID.utf8)
        buffer.appendLengthPrefixed(record.investorName.utf8)
        buffer.appendLengthPrefixed(record.investeeName.utf8)
        buffer.appendFixed64(record.keyDigest.high)
        buffer.appendFixed64(record.keyDigest.low)
        append(record.capital, to: &buffer)
        buffer.appendVarint(UInt64(record.year))
        buffer.appendVarint(UInt64(record.linkType.rawValue))
        buffer.appendVarint(UInt64(record.investorCity))
        buffer.appendVarint(UInt64(record.investeeCity))
        buffer.appendVarint(UInt64(record.investorMethod.rawValue))
        buffer.appendVarint(UInt64(record.investeeMethod.rawValue))
        output.write(buffer)
    }

    static func readGeocoded(_ input: inout BinaryReader) throws(IINError) -> GeocodedRecord {
        let location = RowLocation(file: try input.readInt(), line: try input.readInt())
        let recordID = try input.readString()
        let investorName = try input.readString()
        let investeeName = try input.readString()
        let digest = KeyDigest(high: try input.readFixed64(), low: try input.readFixed64())
        let capital = try readCapital(&input)
        let year = try input.readInt()
        guard let linkType = LinkType(rawValue: try input.readInt()) else {
            throw IINError.corruptArtifact(path: input.url.path, reason: "unknown link type")
        }
        let investorCity = try input.readInt()
        let investeeCity = try input.readInt()
        guard let investorMethod = GeocodeMethod(rawValue: try input.readInt()),
              let investeeMethod = GeocodeMethod(rawValue: try input.readInt())
        else { throw IINError.corruptArtifact(path: input.url.path, reason: "unknown geocoding method") }
        return GeocodedRecord(location: location, recordID: recordID, investorName: investorName, investeeName: investeeName,
                              keyDigest: digest, capital: capital, year: year, linkType: linkType, investorCity: investorCity,
                              investeeCity: investeeCity, investorMethod: investorMethod, investeeMethod: investeeMethod)
    }
}

/// The fields of a kept record that aggregation needs, read from mapped
/// bytes without building any string, with the record's byte range so the
/// reader can hand back the pages it has passed.
struct GeocodedRecordSummary {
    var file: Int
    var digest: KeyDigest
    var year: Int
    var linkType: LinkType
    var investorCity: Int
    var investeeCity: Int
    var range: Range<Int>
}

/// Walks a file of geocoded records on its mapped bytes.
struct GeocodedRecordScanner {
    private var cursor: MappedRecordCursor

    init(bytes: UnsafeBufferPointer<UInt8>, path: String) {
        cursor = MappedRecordCursor(bytes: bytes, path: path)
    }

    var atEnd: Bool { cursor.atEnd }
    var offset: Int { cursor.offset }

    mutating func next() throws(IINError) -> GeocodedRecordSummary {
        let start = cursor.offset
        let file = try cursor.varint()
        _ = try cursor.varint() // line
        for _ in 0..<3 { _ = try cursor.lengthPrefixed() } // record id, names
        let digest = KeyDigest(high: try cursor.fixed64(), low: try cursor.fixed64())
        if try cursor.varint() == 1 { // capital: amount, unit, currency
            _ = try cursor.fixed64()
            _ = try cursor.varint()
            _ = try cursor.lengthPrefixed()
        }
        let year = try cursor.varint()
        guard let linkType = LinkType(rawValue: try cursor.varint()) else { throw cursor.corrupt("unknown link type") }
        let investorCity = try cursor.varint()
        let investeeCity = try cursor.varint()
        _ = try cursor.varint()
        _ = try cursor.varint()
        return GeocodedRecordSummary(file: file, digest: digest, year: year, linkType: linkType, investorCity: investorCity,
                                     investeeCity: investeeCity, range: start..<cursor.offset)
    }
}

extension String {
    /// Nil for the empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}

/// Reads a whole record file, calling `body` for each record in order.
func forEachRecord<Record>(in url: URL, read: (inout BinaryReader) throws(IINError) -> Record,
                           _ body: (Record) throws(IINError) -> Void) throws(IINError) {
    var reader = try BinaryReader(url: url)
    while !reader.atEnd {
        try body(try read(&reader))
    }
}
