import Foundation

/// Stage 3: keeps the first record of each (investor key, investee key,
/// link type, year) in input order and counts the rest as duplicates
/// (see stages/dedupe.json).
///
/// Its artifact is a bitmap over the geocode stage's records (a set bit is
/// a duplicate) rather than a copy of the kept ones: on the 12-million
/// record corpus that is 1.3 MB written instead of 1.2 GB. `KeptRecords`
/// reads the two together.
public struct DedupeStage: Stage {
    public static let kind = "dedupe"
    public static let codeVersion = 4
    public static let usesGazetteer = false
    public static let duplicatesFile = "duplicates.bits"

    public init() {}

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        let geocode = try context.upstreamFolder(kind: GeocodeStage.kind)
        var accounting = try RecordAccounting.read(from: geocode)
        let input = try MappedFile(url: geocode.appendingPathComponent(GeocodeStage.recordsFile))

        // Pass 1: what each record's identity is, read once, in order.
        var highs: [UInt64] = []
        var lows: [UInt64] = []
        var extras: [UInt64] = []
        var files: [Int32] = []
        let estimate = input.count / 110
        highs.reserveCapacity(estimate)
        lows.reserveCapacity(estimate)
        extras.reserveCapacity(estimate)
        files.reserveCapacity(estimate)
        var scanner = GeocodedRecordScanner(bytes: input.bytes, path: input.url.path)
        var released = 0
        context.progress.begin("dedupe", total: input.count, unit: "bytes")
        while !scanner.atEnd {
            let record = try scanner.next()
            guard accounting.files.indices.contains(record.file) else {
                throw IINError.corruptArtifact(path: input.url.path, reason: "record names input file \(record.file)")
            }
            highs.append(record.digest.high)
            lows.append(record.digest.low)
            extras.append(UInt64(record.year << 1 | record.linkType.rawValue))
            files.append(Int32(record.file))
            if record.range.upperBound - released >= 1 << 26 {
                context.progress.advance(by: record.range.upperBound - released)
                input.releasePages(before: record.range.lowerBound)
                released = record.range.upperBound
            }
        }

        // Pass 2: one partition of the key space per thread, each walking all
        // records in input order, so "first seen" is the same for any thread
        // count.
        let count = highs.count
        let duplicates = DuplicateFlags(count: count)
        let partitions = max(1, min(context.threads, 16))
        let shared = (highs, lows, extras)
        _ = Parallel.map(count: partitions, threads: partitions) { partition in
            let (highs, lows, extras) = shared
            let seen = DigestSet(expected: count / partitions + 1024)
            for index in 0..<count where Int((highs[index] >> 40) % UInt64(partitions)) == partition {
                if !seen.insert(KeyDigest(high: highs[index], low: lows[index]), extra: extras[index]) {
                    duplicates.mark(index)
                }
            }
            return 0
        }

        var bitmap = [UInt8](repeating: 0, count: (count + 7) / 8)
        var kept = 0
        for index in 0..<count {
            let file = Int(files[index])
            if duplicates.isMarked(index) {
                bitmap[index >> 3] |= 1 << UInt8(index & 7)
                accounting.files[file].duplicate += 1
            } else {
                accounting.files[file].kept += 1
                kept += 1
            }
        }
        let url = context.output.appendingPathComponent(Self.duplicatesFile)
        do { try Data(bitmap).write(to: url) } catch {
            throw IINError.unwritableFile(path: url.path, reason: error.localizedDescription)
        }
        try accounting.write(to: context.output)
        return StageOutcome(counts: ["kept": kept, "duplicates": count - kept])
    }
}

/// One flag per record, set by several threads at disjoint indices (each
/// index belongs to exactly one partition), so no two threads ever touch
/// the same byte.
final class DuplicateFlags: @unchecked Sendable {
    private let flags: UnsafeMutableBufferPointer<UInt8>

    init(count: Int) {
        flags = .allocate(capacity: max(count, 1))
        flags.initialize(repeating: 0)
    }

    deinit { flags.deallocate() }

    func mark(_ index: Int) { flags[index] = 1 }
    func isMarked(_ index: Int) -> Bool { flags[index] != 0 }
}

/// The kept records: the geocode stage's records minus those the dedupe
/// stage's bitmap marks as duplicates, in input order.
public struct KeptRecords {
    let records: URL
    let duplicates: [UInt8]

    /// - Parameters:
    ///   - geocode: the geocode stage's artifact folder.
    ///   - dedupe: the dedupe stage's artifact folder.
    public init(geocode: URL, dedupe: URL) throws(IINError) {
        records = geocode.appendingPathComponent(GeocodeStage.recordsFile)
        duplicates = [UInt8](try FileBytes.read(dedupe.appendingPathComponent(DedupeStage.duplicatesFile)))
    }

    public init(context: StageContext) throws(IINError) {
        try self.init(geocode: context.upstreamFolder(kind: GeocodeStage.kind), dedupe: context.upstreamFolder(kind: DedupeStage.kind))
    }

    func isDuplicate(_ index: Int) -> Bool {
        index >> 3 < duplicates.count && duplicates[index >> 3] & (1 << UInt8(index & 7)) != 0
    }

    /// Each kept record's summary, reading no strings.
    func forEachSummary(_ body: (GeocodedRecordSummary) throws(IINError) -> Void) throws(IINError) {
        let file = try MappedFile(url: records)
        var scanner = GeocodedRecordScanner(bytes: file.bytes, path: file.url.path)
        var index = 0
        var released = 0
        while !scanner.atEnd {
            let record = try scanner.next()
            if !isDuplicate(index) { try body(record) }
            index += 1
            if record.range.lowerBound - released >= 1 << 26 {
                file.releasePages(before: record.range.lowerBound)
                released = record.range.lowerBound
            }
        }
    }

    /// Each kept record in full.
    public func forEach(_ body: (GeocodedRecord) throws(IINError) -> Void) throws(IINError) {
        var index = 0
        try forEachRecord(in: records, read: RecordCodec.readGeocoded) { record throws(IINError) in
            defer { index += 1 }
            if !isDuplicate(index) { try body(record) }
        }
    }
}
