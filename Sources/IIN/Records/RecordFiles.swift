import Foundation

/// The binary record files passed between stages: varints and
/// length-prefixed strings, one record after another, in input order.
///
/// Binary rather than CSV because each stage reads the previous one's
/// output whole, and re-parsing text for every stage of a nightly 17-million
/// row rebuild would cost more than the work itself. The layouts are fixed
/// by the stages' code versions.
enum RecordCodec {
    static func write(_ party: PartyText, to output: BufferedFileWriter) {
        output.writeLengthPrefixed(party.name)
        output.writeLengthPrefixed(party.creditCode)
        output.writeLengthPrefixed(party.region)
        output.writeLengthPrefixed(party.address)
    }

    static func readParty(_ input: inout BinaryReader) throws(IINError) -> PartyText {
        PartyText(name: try input.readString(), creditCode: try input.readString(),
                  region: try input.readString(), address: try input.readString())
    }

    /// The ingest layout. `RecordBuilder` writes the same layout straight
    /// from row bytes; this form is for stages that pass records on.
    static func write(_ record: IngestedRecord, to output: BufferedFileWriter) {
        var buffer: [UInt8] = []
        buffer.appendVarint(UInt64(record.location.file))
        buffer.appendVarint(UInt64(record.location.line))
        buffer.appendLengthPrefixed(record.recordID.utf8)
        for party in [record.investor, record.investee] {
            buffer.appendLengthPrefixed(party.name.utf8)
            buffer.appendLengthPrefixed(party.creditCode.utf8)
            buffer.appendLengthPrefixed(party.region.utf8)
            buffer.appendLengthPrefixed(party.address.utf8)
        }
        buffer.appendLengthPrefixed(record.investorKey.utf8)
        buffer.appendLengthPrefixed(record.investeeKey.utf8)
        buffer.appendFixed64(record.keyDigest.high)
        buffer.appendFixed64(record.keyDigest.low)
        buffer.appendLengthPrefixed(record.paidInCapital.utf8)
        append(record.capital, to: &buffer)
        buffer.appendVarint(UInt64(record.year))
        buffer.appendVarint(UInt64(record.linkType.rawValue))
        output.write(buffer)
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

    static func readIngested(_ input: inout BinaryReader) throws(IINError) -> IngestedRecord {
        let location = RowLocation(file: try input.readInt(), line: try input.readInt())
        let recordID = try input.readString()
        let investor = try readParty(&input)
        let investee = try readParty(&input)
        let investorKey = try input.readString()
        let investeeKey = try input.readString()
        let digest = KeyDigest(high: try input.readFixed64(), low: try input.readFixed64())
        let capitalText = try input.readString()
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
        write(record.record, to: output)
        output.writeVarint(UInt64(record.investorCity))
        output.writeVarint(UInt64(record.investeeCity))
        output.writeVarint(UInt64(record.investorMethod.rawValue))
        output.writeVarint(UInt64(record.investeeMethod.rawValue))
    }

    static func readGeocoded(_ input: inout BinaryReader) throws(IINError) -> GeocodedRecord {
        let record = try readIngested(&input)
        let investorCity = try input.readInt()
        let investeeCity = try input.readInt()
        guard let investorMethod = GeocodeMethod(rawValue: try input.readInt()),
              let investeeMethod = GeocodeMethod(rawValue: try input.readInt())
        else { throw IINError.corruptArtifact(path: input.url.path, reason: "unknown geocoding method") }
        return GeocodedRecord(record: record, investorCity: investorCity, investeeCity: investeeCity,
                              investorMethod: investorMethod, investeeMethod: investeeMethod)
    }

    static func write(_ record: KeptRecord, to output: BufferedFileWriter) {
        output.writeVarint(UInt64(record.location.file))
        output.writeVarint(UInt64(record.location.line))
        output.writeLengthPrefixed(record.recordID)
        output.writeLengthPrefixed(record.investorName)
        output.writeLengthPrefixed(record.investeeName)
        output.writeVarint(UInt64(record.investorCity))
        output.writeVarint(UInt64(record.investeeCity))
        var capital: [UInt8] = []
        append(record.capital, to: &capital)
        output.write(capital)
        output.writeVarint(UInt64(record.year))
        output.writeVarint(UInt64(record.linkType.rawValue))
    }

    static func readKept(_ input: inout BinaryReader) throws(IINError) -> KeptRecord {
        let location = RowLocation(file: try input.readInt(), line: try input.readInt())
        let recordID = try input.readString()
        let investorName = try input.readString()
        let investeeName = try input.readString()
        let investorCity = try input.readInt()
        let investeeCity = try input.readInt()
        let capital = try readCapital(&input)
        let year = try input.readInt()
        guard let linkType = LinkType(rawValue: try input.readInt()) else {
            throw IINError.corruptArtifact(path: input.url.path, reason: "unknown link type")
        }
        return KeptRecord(location: location, recordID: recordID, investorName: investorName, investeeName: investeeName,
                          investorCity: investorCity, investeeCity: investeeCity, capital: capital, year: year, linkType: linkType)
    }
}

/// Reads a whole record file, calling `body` for each record in order.
func forEachRecord<Record>(in url: URL, read: (inout BinaryReader) throws(IINError) -> Record,
                           _ body: (Record) throws(IINError) -> Void) throws(IINError) {
    var reader = try BinaryReader(url: url)
    while !reader.atEnd {
        try body(try read(&reader))
    }
}
