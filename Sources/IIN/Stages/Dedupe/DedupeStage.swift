import Foundation

/// Stage 3: keeps the first record of each (investor key, investee key,
/// link type, year) in input order and counts the rest as duplicates
/// (see stages/dedupe.json).
public struct DedupeStage: Stage {
    public static let kind = "dedupe"
    public static let codeVersion = 2
    public static let usesGazetteer = false
    public static let recordsFile = "kept.bin"

    public init() {}

    /// What makes two records one: the digest of their enterprise keys,
    /// the link type and the year.
    struct DedupeKey: Hashable {
        var digest: KeyDigest
        var yearAndType: Int

        init(_ record: IngestedRecord) {
            digest = record.keyDigest
            yearAndType = record.year << 1 | record.linkType.rawValue
        }
    }

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        let geocode = try context.upstreamFolder(kind: GeocodeStage.kind)
        var accounting = try RecordAccounting.read(from: geocode)
        var seen = Set<DedupeKey>()
        let output = try BufferedFileWriter(url: context.output.appendingPathComponent(Self.recordsFile))
        var kept = 0
        var duplicates = 0
        try forEachRecord(in: geocode.appendingPathComponent(GeocodeStage.recordsFile), read: RecordCodec.readGeocoded) { geocoded in
            let record = geocoded.record
            if seen.insert(DedupeKey(record)).inserted {
                accounting.files[record.location.file].kept += 1
                kept += 1
                RecordCodec.write(KeptRecord(location: record.location, recordID: record.recordID, investorName: record.investor.name,
                                             investeeName: record.investee.name, investorCity: geocoded.investorCity,
                                             investeeCity: geocoded.investeeCity, capital: record.capital, year: record.year, linkType: record.linkType), to: output)
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
