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

    /// Keys per partition's table: 8 million keys take 13.3 million slots
    /// of 16 bytes (213 MB at a load of 0.6), and one table is alive per
    /// thread. A larger input takes more partitions, each one more walk
    /// over the keys (0.2 s a walk at 48 million), rather than larger
    /// tables: one partition per thread took 3.2 GB of tables there.
    static let keysPerPartition = 8_000_000

    /// How many keys ahead a slot is prefetched: far enough for the load
    /// to arrive before its insert, near enough to stay in the cache.
    static let prefetchDistance = 16

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
        let count = keyFiles.reduce(0) { $0 + $1.count / width }
        context.progress.begin("dedupe", total: count, unit: "records")
        let threads = max(1, min(context.threads, 16))
        let duplicates = try Self.flagDuplicates(keyFiles, partitions: max(threads, (count + Self.keysPerPartition - 1) / Self.keysPerPartition),
                                                 threads: threads)
        var parts: [(first: Int, count: Int)] = []
        for keys in keyFiles { parts.append((parts.last.map { $0.first + $0.count } ?? 0, keys.count / width)) }

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

    /// Flags every record whose key an earlier record (in input order)
    /// has. The key space is split into `partitions`, each walking all
    /// keys in input order, so "first seen", and the flags, are the same
    /// for any number of partitions or threads.
    static func flagDuplicates(_ keyFiles: [MappedFile], partitions: Int, threads: Int) throws(IINError) -> DuplicateFlags {
        let width = GeocodedRecordsArtifact.keyWidth
        // Each file's keys, with the position of its first in the whole input.
        var parts: [(keys: SharedBytes, first: Int, count: Int)] = []
        for keys in keyFiles { parts.append((SharedBytes(bytes: keys.bytes), parts.last.map { $0.first + $0.count } ?? 0, keys.count / width)) }
        let count = parts.last.map { $0.first + $0.count } ?? 0
        let shared = parts
        @Sendable func word(_ keys: SharedBytes, _ index: Int, _ field: Int) -> UInt64 {
            UnsafeRawPointer(keys.bytes.baseAddress!).loadUnaligned(fromByteOffset: index * width + field * 8, as: UInt64.self).littleEndian
        }
        let duplicates = DuplicateFlags(count: count)
        let failures = Parallel.map(count: partitions, threads: threads) { partition -> IINError? in
            do throws(IINError) {
                let seen = try DigestSet(expected: count / partitions + 1024)
                for (file, part) in shared.enumerated() {
                    for index in 0..<part.count {
                        // The slot of a key further on is loaded while
                        // this one is inserted: the misses overlap.
                        if index + Self.prefetchDistance < part.count {
                            let ahead = word(part.keys, index + Self.prefetchDistance, 0)
                            if Int((ahead >> 40) % UInt64(partitions)) == partition {
                                seen.prefetch(high: ahead, extra: word(part.keys, index + Self.prefetchDistance, 2))
                            }
                        }
                        let high = word(part.keys, index, 0)
                        guard Int((high >> 40) % UInt64(partitions)) == partition else { continue }
                        if try !seen.insert(KeyDigest(high: high, low: word(part.keys, index, 1)), extra: word(part.keys, index, 2)) {
                            duplicates.mark(part.first + index)
                        }
                    }
                    // The keys walked need not stay resident: a partition
                    // still walking them faults them back in from the page
                    // cache. At 48M records they are 1.1 GB.
                    keyFiles[file].releasePages(before: keyFiles[file].count)
                }
                return nil
            } catch {
                return error
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        return duplicates
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
