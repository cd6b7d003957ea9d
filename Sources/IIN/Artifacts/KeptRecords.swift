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
public struct KeptRecords {
    /// Each input file's record file, in input order.
    let records: [URL]
    let duplicates: [UInt8]

    /// - Parameters:
    ///   - geocode: the geocode stage's artifact folder.
    ///   - dedupe: the dedupe stage's artifact folder.
    public init(geocode: URL, dedupe: URL) throws(IINError) {
        records = try GeocodedRecordsArtifact.parts(in: geocode).map(\.records)
        duplicates = [UInt8](try FileBytes.read(dedupe.appendingPathComponent(DuplicateBitmap.fileName)))
    }

    func isDuplicate(_ index: Int) -> Bool {
        index >> 3 < duplicates.count && duplicates[index >> 3] & (1 << UInt8(index & 7)) != 0
    }

    /// Each kept record as a view of the mapped file, reading no strings;
    /// pages already passed are handed back, so memory stays flat.
    func forEachView(_ body: (GeocodedRecordView) throws(IINError) -> Void) throws(IINError) {
        var index = 0
        for (position, url) in records.enumerated() {
            let file = try MappedFile(url: url)
            defer { withExtendedLifetime(file) {} }
            var reader = GeocodedRecordReader(bytes: file.bytes, path: file.url.path, file: position)
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
        }
    }

    /// Each kept record in full.
    public func forEach(_ body: (GeocodedRecord) throws(IINError) -> Void) throws(IINError) {
        try forEachView { view throws(IINError) in try body(view.record()) }
    }
}
