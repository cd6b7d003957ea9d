/// Answers already worked out for a text, by its bytes. Region fields
/// repeat a few thousand distinct values across millions of records, so a
/// worker reads each once. Bounded: past `capacity` texts it stops
/// remembering new ones and simply reads them.
package struct RegionMemo<Value> {
    private var arena: [UInt8] = []
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private var offsets: [Int32] = []
    private var lengths: [Int32] = []
    private var answers: [Value] = []
    private var mask: Int
    let capacity: Int

    package init(capacity: Int = 1 << 20) {
        self.capacity = capacity
        slots = [Int32](repeating: -1, count: 1 << 12)
        mask = (1 << 12) - 1
    }

    package var count: Int { answers.count }

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash ^ (hash >> 29)
    }

    /// The remembered answer, or `read`'s, remembered.
    @inline(__always)
    mutating func answer(for bytes: UnsafeBufferPointer<UInt8>, read: (UnsafeBufferPointer<UInt8>) -> Value) -> Value {
        let hash = Self.hash(bytes)
        var position = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[position]
            if entry < 0 { break }
            let index = Int(entry)
            if hashes[index] == hash && Int(lengths[index]) == bytes.count && equal(index, bytes) { return answers[index] }
            position = (position + 1) & mask
        }
        let answer = read(bytes)
        // Offsets are 32-bit: a memo past 2 GB of texts stops memoizing.
        guard answers.count < capacity, arena.count + bytes.count < Int(Int32.max) else { return answer }
        slots[position] = Int32(answers.count)
        hashes.append(hash)
        offsets.append(Int32(arena.count))
        lengths.append(Int32(bytes.count))
        arena.append(contentsOf: bytes)
        answers.append(answer)
        if answers.count * 2 > mask { grow() }
        return answer
    }

    private func equal(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let offset = Int(offsets[index])
        return arena.withUnsafeBufferPointer { stored in
            guard let base = stored.baseAddress, let other = bytes.baseAddress else { return bytes.isEmpty }
            return memcmp(base + offset, other, bytes.count) == 0
        }
    }

    private mutating func grow() {
        let size = (mask + 1) * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (index, hash) in hashes.enumerated() {
            var position = Int(truncatingIfNeeded: hash) & mask
            while slots[position] >= 0 { position = (position + 1) & mask }
            slots[position] = Int32(index)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RegionMemo: Sendable where Value: Sendable {}
