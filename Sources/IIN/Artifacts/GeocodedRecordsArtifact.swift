import Foundation

// The geocode stage's records: one part per input file, in input order,
// as `parts.json` lists them (`GeocodePart`): `geocoded-NNN.bin`,
// `keys-NNN.bin`, `rejects-NNN.sqlite`, and `source-NNN.bin` with
// `source-text-NNN.csv` (hard links to the ingest part's records and text,
// so no byte is copied), with `accounting.json`, `geocoding.json` and
// `rejects.sqlite` over all files beside them. As in the ingest artifact,
// nothing inside a part names its position.
//
// `geocoded-NNN.bin` holds the file's records whose sides both resolved,
// in input order, each:
//
//   varint line,
//   varint source offset (where the record starts in `source-NNN.bin`:
//     its record id, names, key digest and paid-in capital are read there),
//   varint year, varint link type,
//   varint investor city, investee city (2020 codes),
//   varint investor method, investee method (GeocodeMethod raw values).
//
// The texts stay in the linked source: copying the record id and both
// names made this file 127 bytes a record instead of about 20, and on
// 12 million records writing the 1.3 GB difference was a third of the
// stage (perf: the kernel's page-cache copy and SHA-256 of the writer).
// The links keep the artifact whole by itself, so its content digest
// still covers every text a later stage reads.
//
// `keys-NNN.bin` has, per record of `geocoded-NNN.bin` in the same order,
// three little-endian UInt64: key digest high, low, year << 1 | link
// type. Fixed width, so deduplication reads it in parallel without
// decoding records.
//
// Written only by `GeocodedRecordsArtifact.append`, read only by
// `GeocodedRecordReader`.

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
        case "source-text": return PartFiles.name(role, part: part, extension: "csv")
        default: return PartFiles.name(role, part: part, extension: "bin")
        }
    }

    /// One part's files: its records and keys, and the ingest records
    /// (and their text, for a CSV input) its records point back into.
    struct PartFileSet {
        var part: PartManifest<GeocodePart>.Part
        var records: URL
        var keys: URL
        var source: URL
        var sourceText: URL?
    }

    /// The parts of a geocode artifact, in input order, and their record
    /// and key files.
    static func parts(in folder: URL) throws(IINError) -> [PartFileSet] {
        try PartManifest<GeocodePart>.read(from: folder).parts.map { part throws(IINError) in
            guard let records = part.files["records"], let keys = part.files["keys"], let source = part.files["source"] else {
                throw IINError.corruptArtifact(path: folder.appendingPathComponent(PartManifest<GeocodePart>.fileName).path,
                                               reason: "a part lacks its records, keys or source")
            }
            return PartFileSet(part: part, records: folder.appendingPathComponent(records), keys: folder.appendingPathComponent(keys),
                               source: folder.appendingPathComponent(source), sourceText: part.files["source-text"].map(folder.appendingPathComponent))
        }
    }

    /// Appends a resolved record to `records` and its key to `keys`.
    @inline(__always)
    static func append(_ view: IngestedRecordView, investorCity: Int, investeeCity: Int, investorMethod: GeocodeMethod, investeeMethod: GeocodeMethod,
                       records: inout [UInt8], keys: inout [UInt8]) {
        records.appendVarint(UInt64(view.line))
        records.appendVarint(UInt64(view.offset))
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

/// One geocoded record as read from the mapped file, with its byte range
/// so a reader can hand back the pages it has passed.
struct GeocodedRecordView {
    var file: Int
    var line: Int
    /// Where the record starts in the part's source (ingest) records.
    var sourceOffset: Int
    var year: Int
    var linkType: LinkType
    var investorCity: Int
    var investeeCity: Int
    var investorMethod: GeocodeMethod
    var investeeMethod: GeocodeMethod
    var range: Range<Int>
}

/// A part's source records and text, mapped: where a geocoded record's
/// texts are read, for the few records that need them.
struct GeocodedSource {
    let records: MappedFile
    let text: MappedFile?

    init(_ files: GeocodedRecordsArtifact.PartFileSet) throws(IINError) {
        records = try MappedFile(url: files.source)
        text = try files.sourceText.map { url throws(IINError) in try MappedFile(url: url) }
    }

    /// The record with its strings, for the consistency sample.
    func record(_ view: GeocodedRecordView) throws(IINError) -> GeocodedRecord {
        let bytes = records.bytes
        guard view.sourceOffset < bytes.count else {
            throw IINError.corruptArtifact(path: records.url.path, reason: "a geocoded record points at byte \(view.sourceOffset), past the end")
        }
        var parser = IngestedRecordParser(parts: [.init(records: UnsafeBufferPointer(rebasing: bytes[view.sourceOffset...]), text: self.text?.bytes,
                                                        path: records.url.path, file: view.file)])
        let source = try parser.next()
        guard source.line == view.line else {
            throw IINError.corruptArtifact(path: records.url.path, reason: "the record at byte \(view.sourceOffset) is of line \(source.line), not \(view.line)")
        }
        var capitalCursor = MappedRecordCursor(bytes: source.capital, path: records.url.path)
        let capital = try CapitalField.read(&capitalCursor)
        func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        return withExtendedLifetime(self) {
            GeocodedRecord(location: RowLocation(file: view.file, line: view.line), recordID: text(source.recordID), investorName: text(source.investor.name),
                           investeeName: text(source.investee.name), keyDigest: KeyDigest(high: source.digestHigh, low: source.digestLow),
                           capital: capital, year: view.year, linkType: view.linkType, investorCity: view.investorCity, investeeCity: view.investeeCity,
                           investorMethod: view.investorMethod, investeeMethod: view.investeeMethod)
        }
    }
}

/// A part's geocoded records' two sides as the ingest stage left them,
/// pointing into the mapped source (valid while the source lives): what a
/// county network reads again at county level. One parser for the part,
/// moved to each record, so no record costs an allocation.
struct GeocodedSideReader {
    private let source: GeocodedSource
    private var parser: IngestedRecordParser

    init(_ source: GeocodedSource, file: Int) {
        self.source = source
        parser = IngestedRecordParser(parts: [.init(records: source.records.bytes, text: source.text?.bytes, path: source.records.url.path, file: file)])
    }

    mutating func sides(_ view: GeocodedRecordView) throws(IINError) -> (investor: SideFields, investee: SideFields) {
        try parser.seek(to: view.sourceOffset)
        let record = try parser.next()
        guard record.line == view.line else {
            throw IINError.corruptArtifact(path: source.records.url.path, reason: "the record at byte \(view.sourceOffset) is of line \(record.line), not \(view.line)")
        }
        return (record.investor, record.investee)
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
        let sourceOffset = try cursor.varint()
        let year = try cursor.varint()
        guard let linkType = LinkType(rawValue: try cursor.varint()) else { throw cursor.corrupt("unknown link type") }
        let investorCity = try cursor.varint()
        let investeeCity = try cursor.varint()
        guard let investorMethod = GeocodeMethod(rawValue: try cursor.varint()), let investeeMethod = GeocodeMethod(rawValue: try cursor.varint()) else {
            throw cursor.corrupt("unknown geocoding method")
        }
        return GeocodedRecordView(file: file, line: line, sourceOffset: sourceOffset, year: year, linkType: linkType, investorCity: investorCity,
                                  investeeCity: investeeCity, investorMethod: investorMethod, investeeMethod: investeeMethod, range: start..<cursor.offset)
    }
}
