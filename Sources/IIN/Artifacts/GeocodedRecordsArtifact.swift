import Foundation

// The geocode stage's records: one part per input file, in input order,
// as `parts.json` lists them (`GeocodePart`): `geocoded-NNN.bin`,
// `keys-NNN.bin` and `rejects-NNN.sqlite`, with `accounting.json`,
// `geocoding.json` and `rejects.sqlite` over all files beside them. As in
// the ingest artifact, nothing inside a part names its position.
//
// `geocoded-NNN.bin` holds the file's records whose sides both resolved,
// in input order, each:
//
//   varint line,
//   length-prefixed record id, investor name, investee name,
//   fixed64 key digest high, low,
//   CapitalField (copied from the ingest artifact),
//   varint year, varint link type,
//   varint investor city, investee city (2020 codes),
//   varint investor method, investee method (GeocodeMethod raw values).
//
// `keys-NNN.bin` has, per record of `geocoded-NNN.bin` in the same order,
// three little-endian UInt64: key digest high, low, year << 1 | link
// type. Fixed width, so deduplication reads it in parallel without
// decoding records.
//
// Binary rather than CSV because each later stage reads it whole, and
// re-parsing text for every stage of a 17-million row rebuild would cost
// more than the work. Written only by `GeocodedRecordsArtifact.append`,
// read only by `GeocodedRecordReader`.

/// What the geocode stage knows of one input file's part without reading it.
struct GeocodePart: Codable, Sendable, Equatable {
    var written: Int
    /// Rows rejected here, by reason.
    var rejected: [String: Int]
    var tally: GeocodeTally
}

/// The names and the one encoder of the geocode stage's record files.
enum GeocodedRecordsArtifact {
    static let keyWidth = 24

    /// The name of a part's file of `role` at position `part`.
    static func fileName(role: String, part: Int) -> String {
        switch role {
        case "records": return PartFiles.name("geocoded", part: part, extension: "bin")
        case "rejects": return PartFiles.name(role, part: part, extension: "sqlite")
        default: return PartFiles.name(role, part: part, extension: "bin")
        }
    }

    /// The parts of a geocode artifact, in input order, and their record
    /// and key files.
    static func parts(in folder: URL) throws(IINError) -> [(part: PartManifest<GeocodePart>.Part, records: URL, keys: URL)] {
        try PartManifest<GeocodePart>.read(from: folder).parts.map { part throws(IINError) in
            guard let records = part.files["records"], let keys = part.files["keys"] else {
                throw IINError.corruptArtifact(path: folder.appendingPathComponent(PartManifest<GeocodePart>.fileName).path, reason: "a part lacks its records or keys")
            }
            return (part, folder.appendingPathComponent(records), folder.appendingPathComponent(keys))
        }
    }

    /// Appends a resolved record to `records` and its key to `keys`.
    @inline(__always)
    static func append(_ view: IngestedRecordView, investorCity: Int, investeeCity: Int, investorMethod: GeocodeMethod, investeeMethod: GeocodeMethod,
                       records: inout [UInt8], keys: inout [UInt8]) {
        records.appendVarint(UInt64(view.line))
        records.appendLengthPrefixed(view.recordID)
        records.appendLengthPrefixed(view.investor.name)
        records.appendLengthPrefixed(view.investee.name)
        records.appendFixed64(view.digestHigh)
        records.appendFixed64(view.digestLow)
        records.append(contentsOf: view.capital)
        records.appendVarint(UInt64(view.year))
        records.appendVarint(UInt64(view.linkType))
        records.appendVarint(UInt64(investorCity))
        records.appendVarint(UInt64(investeeCity))
        records.appendVarint(UInt64(investorMethod.rawValue))
        records.appendVarint(UInt64(investeeMethod.rawValue))
        keys.appendFixed64(view.digestHigh)
        keys.appendFixed64(view.digestLow)
        keys.appendFixed64(UInt64(view.year << 1 | view.linkType))
    }
}

/// One geocoded record as slices of the mapped file, with its byte range
/// so a reader can hand back the pages it has passed.
struct GeocodedRecordView {
    var file: Int
    var line: Int
    var recordID: UnsafeBufferPointer<UInt8>
    var investorName: UnsafeBufferPointer<UInt8>
    var investeeName: UnsafeBufferPointer<UInt8>
    var digest: KeyDigest
    var capital: UnsafeBufferPointer<UInt8>
    var year: Int
    var linkType: LinkType
    var investorCity: Int
    var investeeCity: Int
    var investorMethod: GeocodeMethod
    var investeeMethod: GeocodeMethod
    var range: Range<Int>
    let path: String

    /// The record with its strings, for the consistency sample.
    func record() throws(IINError) -> GeocodedRecord {
        var capitalCursor = MappedRecordCursor(bytes: capital, path: path)
        func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        return GeocodedRecord(location: RowLocation(file: file, line: line), recordID: text(recordID), investorName: text(investorName),
                              investeeName: text(investeeName), keyDigest: digest, capital: try CapitalField.read(&capitalCursor), year: year,
                              linkType: linkType, investorCity: investorCity, investeeCity: investeeCity, investorMethod: investorMethod,
                              investeeMethod: investeeMethod)
    }
}

/// Walks one part's `geocoded-NNN.bin` on its mapped bytes, building no
/// string.
struct GeocodedRecordReader {
    private var cursor: MappedRecordCursor
    /// The part's input file, by position in this run.
    let file: Int

    init(bytes: UnsafeBufferPointer<UInt8>, path: String, file: Int) {
        cursor = MappedRecordCursor(bytes: bytes, path: path)
        self.file = file
    }

    var atEnd: Bool { cursor.atEnd }

    mutating func next() throws(IINError) -> GeocodedRecordView {
        let start = cursor.offset
        let line = try cursor.varint()
        let recordID = try cursor.lengthPrefixed()
        let investorName = try cursor.lengthPrefixed()
        let investeeName = try cursor.lengthPrefixed()
        let digest = KeyDigest(high: try cursor.fixed64(), low: try cursor.fixed64())
        let capital = try CapitalField.skip(&cursor)
        let year = try cursor.varint()
        guard let linkType = LinkType(rawValue: try cursor.varint()) else { throw cursor.corrupt("unknown link type") }
        let investorCity = try cursor.varint()
        let investeeCity = try cursor.varint()
        guard let investorMethod = GeocodeMethod(rawValue: try cursor.varint()), let investeeMethod = GeocodeMethod(rawValue: try cursor.varint()) else {
            throw cursor.corrupt("unknown geocoding method")
        }
        return GeocodedRecordView(file: file, line: line, recordID: recordID, investorName: investorName, investeeName: investeeName, digest: digest,
                                  capital: capital, year: year, linkType: linkType, investorCity: investorCity, investeeCity: investeeCity,
                                  investorMethod: investorMethod, investeeMethod: investeeMethod, range: start..<cursor.offset, path: cursor.path)
    }
}
