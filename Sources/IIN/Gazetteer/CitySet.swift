/// A set of the 367 cities as a fixed-width bit set, indexed by a city's
/// position in `Gazetteer.cities`, so that narrowing candidates while
/// reading a text is a few word-wide ANDs and never allocates.
public struct CitySet: Sendable, Hashable {
    static let wordCount = 6
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0, w4: UInt64 = 0, w5: UInt64 = 0

    public init() {}

    public static let empty = CitySet()

    public static func all(count: Int) -> CitySet {
        var set = CitySet()
        for index in 0..<count { set.insert(index) }
        return set
    }

    private func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: return w0
        case 1: return w1
        case 2: return w2
        case 3: return w3
        case 4: return w4
        default: return w5
        }
    }

    private mutating func setWord(_ index: Int, _ value: UInt64) {
        switch index {
        case 0: w0 = value
        case 1: w1 = value
        case 2: w2 = value
        case 3: w3 = value
        case 4: w4 = value
        default: w5 = value
        }
    }

    public mutating func insert(_ index: Int) {
        precondition(index >= 0 && index < Self.wordCount * 64, "city index \(index) out of range")
        setWord(index >> 6, word(index >> 6) | (1 << UInt64(index & 63)))
    }

    public func contains(_ index: Int) -> Bool {
        word(index >> 6) & (1 << UInt64(index & 63)) != 0
    }

    @inline(__always)
    public var isEmpty: Bool { (w0 | w1 | w2 | w3 | w4 | w5) == 0 }

    @inline(__always)
    public var count: Int {
        w0.nonzeroBitCount + w1.nonzeroBitCount + w2.nonzeroBitCount + w3.nonzeroBitCount + w4.nonzeroBitCount + w5.nonzeroBitCount
    }

    @inline(__always)
    public func intersection(_ other: CitySet) -> CitySet {
        var result = CitySet()
        result.w0 = w0 & other.w0
        result.w1 = w1 & other.w1
        result.w2 = w2 & other.w2
        result.w3 = w3 & other.w3
        result.w4 = w4 & other.w4
        result.w5 = w5 & other.w5
        return result
    }

    @inline(__always)
    public mutating func formUnion(_ other: CitySet) {
        w0 |= other.w0
        w1 |= other.w1
        w2 |= other.w2
        w3 |= other.w3
        w4 |= other.w4
        w5 |= other.w5
    }

    /// The members' indices in increasing order.
    public var indices: [Int] {
        var result: [Int] = []
        for wordIndex in 0..<Self.wordCount {
            var bits = word(wordIndex)
            while bits != 0 {
                result.append(wordIndex * 64 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
        return result
    }

    /// The only member, or nil when there are none or several.
    @inline(__always)
    public var single: Int? {
        guard count == 1 else { return nil }
        if w0 != 0 { return w0.trailingZeroBitCount }
        if w1 != 0 { return 64 + w1.trailingZeroBitCount }
        if w2 != 0 { return 128 + w2.trailingZeroBitCount }
        if w3 != 0 { return 192 + w3.trailingZeroBitCount }
        if w4 != 0 { return 256 + w4.trailingZeroBitCount }
        return 320 + w5.trailingZeroBitCount
    }
}
