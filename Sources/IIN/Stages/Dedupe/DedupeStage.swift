import Foundation

/// Stage 3: keeps the first record of each (investor key, investee key,
/// link type, year) in input order and counts the rest as duplicates
/// (see stages/dedupe.json).
public struct DedupeStage: Stage {
    public static let kind = "dedupe"
    public static let codeVersion = 3
    public static let usesGazetteer = false
    public static let recordsFile = "kept.bin"

    public init() {}

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        let geocode = try context.upstreamFolder(kind: GeocodeStage.kind)
        var accounting = try RecordAccounting.read(from: geocode)
        let input = try MappedFile(url: geocode.appendingPathComponent(GeocodeStage.recordsFile))
        let output = try BufferedFileWriter(url: context.output.appendingPathComponent(Self.recordsFile))
        // Geocoded records average about 115 bytes.
        let seen = DigestSet(expected: input.count / 120)
        var kept = 0
        var duplicates = 0
        var scanner = GeocodedRecordScanner(bytes: input.bytes, path: input.url.path)
        context.progress.begin("dedupe", total: input.count, unit: "bytes")
        var reported = 0
        while !scanner.atEnd {
            let record = try scanner.next()
            guard accounting.files.indices.contains(record.file) else {
                throw IINError.corruptArtifact(path: input.url.path, reason: "record names input file \(record.file)")
            }
            // Records are copied on byte for byte: nothing is decoded that
            // deduplication does not compare.
            if seen.insert(record.digest, year: record.year, linkType: record.linkType) {
                accounting.files[record.file].kept += 1
                kept += 1
                output.write(UnsafeBufferPointer(rebasing: input.bytes[record.range]))
            } else {
                accounting.files[record.file].duplicate += 1
                duplicates += 1
            }
            if record.range.upperBound - reported >= 1 << 26 {
                context.progress.advance(by: record.range.upperBound - reported)
                input.releasePages(before: record.range.lowerBound)
                reported = record.range.upperBound
            }
        }
        try output.close()
        try accounting.write(to: context.output)
        return StageOutcome(counts: ["kept": kept, "duplicates": duplicates])
    }
}
