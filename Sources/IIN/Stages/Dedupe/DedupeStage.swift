import Crypto
import Foundation

/// Stage 3: keeps the first record of each (investor key, investee key,
/// link type, year) in input order and counts the rest as duplicates
/// (see stages/dedupe.json).
public struct DedupeStage: Stage {
    public static let kind = "dedupe"
    public static let codeVersion = 1
    public static let usesGazetteer = false
    public static let recordsFile = "kept.bin"

    public init() {}

    /// A 128-bit digest of the dedupe key. Storing digests instead of the
    /// keys keeps 12 million keys in about 400 MB; the chance that two of 12
    /// million distinct keys share a digest is about 2e-25.
    struct KeyDigest: Hashable {
        var high: UInt64
        var low: UInt64

        init(_ record: IngestedRecord) {
            var hasher = SHA256()
            hasher.update(data: Data(record.investorKey.utf8))
            hasher.update(data: [0, UInt8(record.linkType.rawValue), UInt8(record.year >> 8), UInt8(record.year & 0xFF), 0])
            hasher.update(data: Data(record.investeeKey.utf8))
            let bytes = Array(hasher.finalize())
            high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        let geocode = try context.upstreamFolder(kind: GeocodeStage.kind)
        var accounting = try RecordAccounting.read(from: geocode)
        var seen = Set<KeyDigest>()
        let output = try BufferedFileWriter(url: context.output.appendingPathComponent(Self.recordsFile))
        var kept = 0
        var duplicates = 0
        try forEachRecord(in: geocode.appendingPathComponent(GeocodeStage.recordsFile), read: RecordCodec.readGeocoded) { geocoded in
            let record = geocoded.record
            if seen.insert(KeyDigest(record)).inserted {
                accounting.files[record.location.file].kept += 1
                kept += 1
                RecordCodec.write(KeptRecord(location: record.location, recordID: record.recordID, investorName: record.investor.name,
                                             investeeName: record.investee.name, investorCity: geocoded.investorCity,
                                             investeeCity: geocoded.investeeCity, year: record.year, linkType: record.linkType), to: output)
            } else {
                accounting.files[record.location.file].duplicate += 1
                duplicates += 1
            }
        }
        try output.close()
        try accounting.write(to: context.output)
        return StageOutcome(counts: ["kept": kept, "duplicates": duplicates])
    }
}
