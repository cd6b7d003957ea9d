import Foundation

/// Stage 3: keeps the first record of each (investor key, investee key,
/// link type, year) in input order and counts the rest as duplicates
/// (see stages/dedupe.json).
///
/// Its artifact is `DuplicateBitmap` over the geocode stage's records;
/// `KeptRecords` reads the two together.
public struct DedupeStage: Stage {
    public static let kind = "dedupe"
    public static let codeVersion = 4
    public static let usesGazetteer = false
    public static let reads: [String] = [GeocodeStage.kind]

    public init() {}

    public func run(_ context: StageContext, parameters: NoParameters) throws(IINError) -> StageOutcome {
        let geocode = try context.upstreamFolder(kind: GeocodeStage.kind)
        var accounting = try RecordAccounting.read(from: geocode)
        let width = GeocodedRecordsArtifact.keyWidth
        let keyFiles = try GeocodedRecordsArtifact.parts(in: geocode).map { part throws(IINError) in try MappedFile(url: part.keys) }
        // The workers read the maps through bare pointers.
        defer { withExtendedLifetime(keyFiles) {} }
        guard keyFiles.count == accounting.files.count else {
            throw IINError.corruptArtifact(path: geocode.path, reason: "\(keyFiles.count) parts for \(accounting.files.count) input files")
        }
        for keys in keyFiles where keys.count % width != 0 {
            throw IINError.corruptArtifact(path: keys.url.path, reason: "\(keys.count) bytes is not a whole number of \(width)-byte keys")
        }
        // Each file's keys, with the position of its first in the whole input.
        var parts: [(keys: SharedBytes, first: Int, count: Int)] = []
        for keys in keyFiles { parts.append((SharedBytes(bytes: keys.bytes), parts.last.map { $0.first + $0.count } ?? 0, keys.count / width)) }
        let count = parts.last.map { $0.first + $0.count } ?? 0
        let shared = parts
        @Sendable func word(_ keys: SharedBytes, _ index: Int, _ field: Int) -> UInt64 {
            UnsafeRawPointer(keys.bytes.baseAddress!).loadUnaligned(fromByteOffset: index * width + field * 8, as: UInt64.self).littleEndian
        }
        context.progress.begin("dedupe", total: count, unit: "records")

        // One partition of the key space per thread, each walking all keys
        // in input order, so "first seen" is the same for any thread count.
        let duplicates = DuplicateFlags(count: count)
        let partitions = max(1, min(context.threads, 16))
        let failures = Parallel.map(count: partitions, threads: partitions) { partition -> IINError? in
            do throws(IINError) {
                let seen = try DigestSet(expected: count / partitions + 1024)
                for part in shared {
                    for index in 0..<part.count {
                        let high = word(part.keys, index, 0)
                        guard Int((high >> 40) % UInt64(partitions)) == partition else { continue }
                        if try !seen.insert(KeyDigest(high: high, low: word(part.keys, index, 1)), extra: word(part.keys, index, 2)) {
                            duplicates.mark(part.first + index)
                        }
                    }
                }
                return nil
            } catch {
                return error
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }

        var kept = 0
        for (file, part) in parts.enumerated() {
            for index in part.first..<(part.first + part.count) {
                if duplicates.isMarked(index) {
                    accounting.files[file].duplicate += 1
                } else {
                    accounting.files[file].kept += 1
                    kept += 1
                }
            }
        }
        let bitmap = DuplicateBitmap.bytes(count: count, isDuplicate: duplicates.isMarked)
        try DiskWrites.write(Data(bitmap), to: context.output.appendingPathComponent(DuplicateBitmap.fileName))
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
