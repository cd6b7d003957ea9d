import Foundation
import Testing
@testable import IIN

/// Dedupe splits the key space into more partitions as the input grows,
/// to bound its memory; the flags must not depend on how many.
@Suite("Dedupe partitions")
struct DedupePartitionTests {
    /// Three key files of 24-byte keys (digest high, low, year << 1 | link
    /// type), with repeats inside a file, across files, and the same
    /// digest in another year (not a repeat); the truth is a plain set
    /// walked in input order.
    @Test func theFlagsAreTheSameForAnyNumberOfPartitions() throws {
        var random = SeededRandom(seed: 7)
        var files: [[[UInt64]]] = [[], [], []]
        var drawn: [[UInt64]] = []
        for file in 0..<3 {
            for _ in 0..<2_000 {
                let roll = random.below(10)
                var key: [UInt64]
                if roll < 3, !drawn.isEmpty {
                    key = drawn[random.below(drawn.count)]
                    // A repeat of the pair in another year is a new key.
                    if roll == 0 { key[2] = UInt64((1990 + random.below(30)) << 1) }
                } else {
                    key = [random.next(), random.next(), UInt64((2000 + random.below(21)) << 1 | random.below(2))]
                }
                drawn.append(key)
                files[file].append(key)
            }
        }
        var seen = Set<[UInt64]>()
        let truth = files.joined().map { !seen.insert($0).inserted }
        #expect(truth.filter { $0 }.count > 500, "the corpus must hold repeats")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("iin-dedupe-partitions-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var mapped: [MappedFile] = []
        for (index, keys) in files.enumerated() {
            var bytes = Data()
            for key in keys { for word in key { withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) } } }
            let url = folder.appendingPathComponent("keys-\(index).bin")
            try bytes.write(to: url)
            mapped.append(try MappedFile(url: url))
        }
        for (partitions, threads) in [(1, 1), (2, 2), (3, 2), (7, 2), (16, 1)] {
            let flags = try DedupeStage.flagDuplicates(mapped, partitions: partitions, threads: threads)
            let found = truth.indices.map(flags.isMarked)
            #expect(found == truth, "\(partitions) partitions on \(threads) threads: \(zip(found, truth).filter { $0 != $1 }.count) flags differ")
        }
    }
}
