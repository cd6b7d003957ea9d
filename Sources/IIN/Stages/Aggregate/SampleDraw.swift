import Crypto
import Foundation

/// The consistency sample of validation.md section 3, drawn while the
/// aggregate stage counts the kept records, instead of in a pass of its
/// own: `per_slice` kept records of each slice, uniformly without
/// replacement, the same on every run.
///
/// Each record of a slice gets a priority, a seeded hash of the slice, its
/// file's name and its line; the sample is the `per_slice` records of
/// lowest priority (bottom-k sampling). Unlike a reservoir, which must see
/// the records in one sequence, the files are drawn on threads of their
/// own, and a file whose kept records are as they were keeps its draw
/// between builds, since nothing of its draw depends on the other files or
/// on its position among them.
enum SampleDraw {
    static let fileName = "sample.json"

    /// The stage's `sample` parameter.
    struct Parameters: Decodable, Sendable {
        var perSlice: Int
        var seed: Int
        enum CodingKeys: String, CodingKey { case perSlice = "per_slice", seed }
    }

    /// A record of one file that may be drawn: its line, and where its
    /// geocoded record starts in the file's part.
    struct Candidate: Codable, Sendable, Equatable {
        var line: Int
        var offset: Int
    }

    /// One drawn record: its slice, its file by position in this run.
    struct Drawn: Codable, Sendable, Equatable {
        var slice: Int
        var file: Int
        var line: Int
        var offset: Int
    }

    /// `sample.json`: the parameters and the drawn records, by slice, then
    /// file and line.
    struct Document: Codable, Sendable, Equatable {
        var perSlice: Int
        var seed: Int
        var drawn: [Drawn]
        enum CodingKeys: String, CodingKey { case perSlice = "per_slice", seed, drawn }

        func write(to folder: URL) throws(IINError) {
            try JSONFile.write(self, to: folder.appendingPathComponent(SampleDraw.fileName))
        }

        static func read(from folder: URL) throws(IINError) -> Document {
            try JSONFile.read(Document.self, from: folder.appendingPathComponent(SampleDraw.fileName))
        }
    }

    /// What a file's priorities start from: the seed and the file's name.
    static func salt(seed: Int, fileName: String) -> UInt64 {
        var hasher = SHA256()
        hasher.update(data: Data("\(seed)\u{0}\(fileName)".utf8))
        return hasher.finalize().withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    /// The priority of the record at `line` of a file in the slice of
    /// `sliceYear` (SplitMix64's finaliser over the three).
    @inline(__always)
    static func priority(salt: UInt64, sliceYear: Int, line: Int) -> UInt64 {
        var value = salt ^ (UInt64(truncatingIfNeeded: sliceYear) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(truncatingIfNeeded: line) &* 0xD1B5_4A32_D192_ED03)
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// The `limit` candidates of lowest priority seen so far: a max-heap
    /// on (priority, line), so the one to drop is on top.
    struct Lowest: Sendable {
        let limit: Int
        private(set) var heap: [(priority: UInt64, candidate: Candidate)] = []

        init(limit: Int) { self.limit = limit }

        private static func above(_ left: (priority: UInt64, candidate: Candidate), _ right: (priority: UInt64, candidate: Candidate)) -> Bool {
            (left.priority, left.candidate.line) > (right.priority, right.candidate.line)
        }

        @inline(__always)
        mutating func offer(priority: UInt64, candidate: @autoclosure () -> Candidate) {
            guard limit > 0 else { return }
            if heap.count < limit {
                heap.append((priority, candidate()))
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard Self.above(heap[child], heap[parent]) else { break }
                    heap.swapAt(child, parent)
                    child = parent
                }
                return
            }
            guard priority < heap[0].priority else { return }
            heap[0] = (priority, candidate())
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var largest = parent
                if left < heap.count && Self.above(heap[left], heap[largest]) { largest = left }
                if right < heap.count && Self.above(heap[right], heap[largest]) { largest = right }
                if largest == parent { break }
                heap.swapAt(parent, largest)
                parent = largest
            }
        }

        /// The candidates, by line.
        var candidates: [Candidate] { heap.map(\.candidate).sorted { $0.line < $1.line } }
    }

    /// The sample from each file's candidates per slice (in the order of
    /// `sliceYears`): per slice, the `perSlice` of lowest priority over all
    /// files, ties by file position and line.
    static func draw(perFile: [[[Candidate]]], fileNames: [String], sliceYears: [Int], parameters: Parameters) -> Document {
        var drawn: [Drawn] = []
        for (position, year) in sliceYears.enumerated() {
            var pool: [(priority: UInt64, file: Int, candidate: Candidate)] = []
            for (file, slices) in perFile.enumerated() where position < slices.count {
                let salt = salt(seed: parameters.seed, fileName: fileNames[file])
                for candidate in slices[position] {
                    pool.append((priority(salt: salt, sliceYear: year, line: candidate.line), file, candidate))
                }
            }
            pool.sort { ($0.priority, $0.file, $0.candidate.line) < ($1.priority, $1.file, $1.candidate.line) }
            drawn += pool.prefix(max(parameters.perSlice, 0)).sorted { ($0.file, $0.candidate.line) < ($1.file, $1.candidate.line) }
                .map { Drawn(slice: year, file: $0.file, line: $0.candidate.line, offset: $0.candidate.offset) }
        }
        return Document(perSlice: parameters.perSlice, seed: parameters.seed, drawn: drawn)
    }
}
