import Crypto
import Foundation

/// `duplicates.bits`, the dedupe stage's artifact: one bit per record of
/// the geocode stage's parts, in input order, bit `i % 8` of byte `i / 8`
/// set for a duplicate. A bitmap rather than a copy of the kept records: on the
/// 12-million record corpus that is 1.3 MB written instead of 1.2 GB.
enum DuplicateBitmap {
    static let fileName = "duplicates.bits"

    static func bytes(count: Int, isDuplicate: (Int) -> Bool) -> [UInt8] {
        var bitmap = [UInt8](repeating: 0, count: (count + 7) / 8)
        for index in 0..<count where isDuplicate(index) { bitmap[index >> 3] |= 1 << UInt8(index & 7) }
        return bitmap
    }
}

/// The kept records: the geocode stage's records less those the dedupe
/// stage's bitmap marks as duplicates, in input order.
public struct KeptRecords: Sendable {
    /// Each input file's geocoded part, in input order.
    let parts: [GeocodedRecordsArtifact.PartFileSet]
    /// The position in the whole input of each file's first record.
    let firstRecord: [Int]
    /// Each file's record count, as geocode's parts list it.
    let recordCounts: [Int]
    let duplicates: [UInt8]

    /// - Parameters:
    ///   - geocode: the geocode stage's artifact folder.
    ///   - dedupe: the dedupe stage's artifact folder.
    public init(geocode: URL, dedupe: URL) throws(IINError) {
        parts = try GeocodedRecordsArtifact.parts(in: geocode)
        recordCounts = parts.map(\.part.summary.written)
        var first: [Int] = []
        var total = 0
        for count in recordCounts {
            first.append(total)
            total += count
        }
        firstRecord = first
        duplicates = [UInt8](try FileBytes.read(dedupe.appendingPathComponent(DuplicateBitmap.fileName)))
    }

    /// The number of input files.
    var fileCount: Int { parts.count }

    /// The SHA-256 of one file's duplicate flags, bit `i % 8` of byte
    /// `i / 8` for its record `i`: with its geocode part's key, what names
    /// the file's kept records.
    func duplicateFlagsDigest(file position: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: (recordCounts[position] + 7) / 8)
        for record in 0..<recordCounts[position] where isDuplicate(firstRecord[position] + record) {
            bytes[record >> 3] |= 1 << UInt8(record & 7)
        }
        return SHA256.hash(data: bytes).hexString
    }

    func isDuplicate(_ index: Int) -> Bool {
        index >> 3 < duplicates.count && duplicates[index >> 3] & (1 << UInt8(index & 7)) != 0
    }

    /// Each kept record as a view of the mapped file, reading no strings;
    /// pages already passed are handed back, so memory stays flat.
    func forEachView(_ body: (GeocodedRecordView) throws(IINError) -> Void) throws(IINError) {
        for file in parts.indices { try forEachView(file: file, body) }
    }

    /// The kept records of one input file: files can be read on threads of
    /// their own, since each knows where its records start in the bitmap.
    func forEachView(file position: Int, _ body: (GeocodedRecordView) throws(IINError) -> Void) throws(IINError) {
        let file = try MappedFile(url: parts[position].records)
        defer { withExtendedLifetime(file) {} }
        var reader = GeocodedRecordReader(bytes: file.bytes, path: file.url.path, file: position)
        var index = firstRecord[position]
        var released = 0
        while !reader.atEnd {
            let record = try reader.next()
            if !isDuplicate(index) { try body(record) }
            index += 1
            if record.range.lowerBound - released >= 1 << 26 {
                file.releasePages(before: record.range.lowerBound)
                released = record.range.lowerBound
            }
        }
        guard index - firstRecord[position] == recordCounts[position] else {
            throw IINError.corruptArtifact(path: file.url.path, reason: "\(index - firstRecord[position]) records where parts.json lists \(recordCounts[position])")
        }
    }

    /// The geocoded record starting at byte `offset` of a part's records
    /// file, `records` (mapped by the caller, who reads several).
    func view(in records: MappedFile, file position: Int, at offset: Int) throws(IINError) -> GeocodedRecordView {
        let bytes = records.bytes
        guard offset >= 0, offset < bytes.count else {
            throw IINError.corruptArtifact(path: records.url.path, reason: "no record starts at byte \(offset) of \(bytes.count)")
        }
        var reader = GeocodedRecordReader(bytes: UnsafeBufferPointer(rebasing: bytes[offset...]), path: records.url.path, file: position)
        return try reader.next()
    }

    /// How many of file `position`'s records are kept.
    func keptCount(file position: Int) -> Int {
        (0..<recordCounts[position]).reduce(0) { $0 + (isDuplicate(firstRecord[position] + $1) ? 0 : 1) }
    }

    /// Whether each candidate's offset starts a record of its line in the
    /// part of file `position`.
    func pointsAtRecords(_ candidates: [SampleDraw.Candidate], file position: Int) throws(IINError) -> Bool {
        guard !candidates.isEmpty else { return true }
        let records = try MappedFile(url: parts[position].records)
        for candidate in candidates {
            guard let view = try? view(in: records, file: position, at: candidate.offset), view.line == candidate.line else { return false }
        }
        return true
    }

    /// The texts of part `position`'s records, mapped: read only for the
    /// records that need them.
    func source(file position: Int) throws(IINError) -> GeocodedSource {
        try GeocodedSource(parts[position])
    }

    /// Each kept record in full.
    public func forEach(_ body: (GeocodedRecord) throws(IINError) -> Void) throws(IINError) {
        for file in parts.indices {
            let source = try source(file: file)
            try forEachView(file: file) { view throws(IINError) in try body(source.record(view)) }
        }
    }
}
