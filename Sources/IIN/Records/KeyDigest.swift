/// A 128-bit digest of an (investor key, investee key) pair: MurmurHash3
/// x64/128, seed 0.
///
/// Deduplication stores digests, not keys: 16 bytes instead of two names
/// per record keeps 12 million keys in a few hundred megabytes. For 12
/// million distinct pairs the chance that any two share a digest is about
/// 12e6^2 / 2^129 ≈ 2e-25. Unlike Swift's `Hasher` it is the same in every
/// process, so the artifacts are too.
public struct KeyDigest: Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init(investorKey: [UInt8], investeeKey: [UInt8]) {
        var joined = investorKey
        joined.append(0)
        joined.append(contentsOf: investeeKey)
        self = joined.withUnsafeBufferPointer { KeyDigest.murmur3(UnsafeRawBufferPointer($0)) }
    }

    static func murmur3(_ data: UnsafeRawBufferPointer) -> KeyDigest {
        let c1: UInt64 = 0x87C3_7B91_1142_53D5
        let c2: UInt64 = 0x4CF5_AD43_2745_937F
        var h1: UInt64 = 0
        var h2: UInt64 = 0
        let length = data.count
        let blocks = length / 16
        for block in 0..<blocks {
            var k1 = data.loadUnaligned(fromByteOffset: block * 16, as: UInt64.self).littleEndian
            var k2 = data.loadUnaligned(fromByteOffset: block * 16 + 8, as: UInt64.self).littleEndian
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
            h1 = rotl(h1, 27); h1 &+= h2; h1 = h1 &* 5 &+ 0x52DC_E729
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
            h2 = rotl(h2, 31); h2 &+= h1; h2 = h2 &* 5 &+ 0x3849_5AB5
        }
        let tail = blocks * 16
        var k1: UInt64 = 0
        var k2: UInt64 = 0
        let rest = length & 15
        if rest > 8 {
            for index in stride(from: rest - 1, through: 8, by: -1) { k2 ^= UInt64(data[tail + index]) << UInt64((index - 8) * 8) }
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
        }
        if rest > 0 {
            for index in stride(from: min(rest, 8) - 1, through: 0, by: -1) { k1 ^= UInt64(data[tail + index]) << UInt64(index * 8) }
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
        }
        h1 ^= UInt64(length); h2 ^= UInt64(length)
        h1 &+= h2; h2 &+= h1
        h1 = mix(h1); h2 = mix(h2)
        h1 &+= h2; h2 &+= h1
        return KeyDigest(high: h1, low: h2)
    }

    @inline(__always) static func rotl(_ value: UInt64, _ count: UInt64) -> UInt64 { (value << count) | (value >> (64 - count)) }

    @inline(__always) static func mix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33; k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33; k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }
}
