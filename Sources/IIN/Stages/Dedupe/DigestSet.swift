import CIINSystem
#if canImport(Glibc)
import Glibc
#endif

/// A set of (key digest, year and link type) for deduplication: open
/// addressing with linear probing in one flat table of 16-byte slots.
///
/// The digest is already uniformly distributed (MurmurHash3), so it serves
/// as the slot hash directly; `Set` would run SipHash over 24 bytes per
/// record again. The year and link type are folded into the digest's high
/// word by an odd multiplier, a bijection for each digest, so two keys
/// share a slot value only when their 128 bits collide, as likely as two
/// digests colliding (2^-128), which dedupe already accepts. A slot holds
/// all it compares, so a probe costs one cache miss; the table, far larger
/// than any cache, lives in an anonymous mapping advised for huge pages,
/// which spares a TLB miss per probe.
///
/// The capacity is any number of slots, mapped to by the high bits of a
/// 64x64 product rather than a mask, so the table is sized to a load of
/// 0.6 instead of the next power of two: at 12M records the two tables
/// were 806 MB of 24-byte slots, pages the kernel zeroes before first use
/// (a quarter of the stage's time), and are 313 MB.
final class DigestSet {
    private struct Slot {
        var high: UInt64
        var low: UInt64
    }

    static let maximumLoad = 0.6

    private var table: UnsafeMutablePointer<Slot>
    private var capacity: Int
    private(set) var count = 0
    /// The folded key (0, 0) marks an empty slot, so it is kept aside.
    private var holdsZero = false

    init(expected: Int) throws(IINError) {
        capacity = max(1024, Int((Double(expected) / Self.maximumLoad).rounded(.up)))
        table = try Self.allocate(capacity)
    }

    deinit {
        munmap(table, capacity * MemoryLayout<Slot>.stride)
    }

    /// Zeroed memory straight from the kernel (empty slots are all zero).
    private static func allocate(_ capacity: Int) throws(IINError) -> UnsafeMutablePointer<Slot> {
        let bytes = capacity * MemoryLayout<Slot>.stride
        let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != MAP_FAILED else {
            throw IINError.limitExceeded(path: "the dedupe stage", part: "its key table of \(ByteCount.text(bytes))",
                                         limit: "the memory the system would give (\(String(cString: strerror(errno))))")
        }
        madvise(raw, bytes, MADV_HUGEPAGE)
        return raw.bindMemory(to: Slot.self, capacity: capacity)
    }

    /// Inserts the key; false when it was there already.
    @inline(__always)
    func insert(_ digest: KeyDigest, year: Int, linkType: LinkType) throws(IINError) -> Bool {
        try insert(digest, extra: UInt64(year << 1 | linkType.rawValue))
    }

    /// `extra` is year << 1 | link type.
    @inline(__always)
    func insert(_ digest: KeyDigest, extra: UInt64) throws(IINError) -> Bool {
        let high = Self.fold(digest.high, extra), low = digest.low
        if high == 0 && low == 0 {
            defer { holdsZero = true }
            if !holdsZero { count += 1 }
            return !holdsZero
        }
        if Double(count + 1) > Double(capacity) * Self.maximumLoad { try grow() }
        var index = Self.slot(high, capacity)
        while true {
            let occupant = table[index]
            if occupant.high == 0 && occupant.low == 0 {
                table[index] = Slot(high: high, low: low)
                count += 1
                return true
            }
            if occupant.high == high && occupant.low == low { return false }
            index += 1
            if index == capacity { index = 0 }
        }
    }

    /// Starts loading the slot a later `insert` of this key probes first.
    @inline(__always)
    func prefetch(high: UInt64, extra: UInt64) {
        iin_prefetch_for_write(table + Self.slot(Self.fold(high, extra), capacity))
    }

    /// The same pair in another year must differ in the high word.
    @inline(__always)
    private static func fold(_ high: UInt64, _ extra: UInt64) -> UInt64 {
        high ^ (extra &* 0x9E37_79B9_7F4A_7C15)
    }

    /// The slot from the high word's top bits: (high * capacity) >> 64.
    @inline(__always)
    private static func slot(_ high: UInt64, _ capacity: Int) -> Int {
        Int(truncatingIfNeeded: high.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    private func grow() throws(IINError) {
        let old = table
        let oldCapacity = capacity
        let grown = try Self.allocate(capacity * 2)
        capacity *= 2
        table = grown
        for position in 0..<oldCapacity where old[position].high != 0 || old[position].low != 0 {
            var index = Self.slot(old[position].high, capacity)
            while table[index].high != 0 || table[index].low != 0 {
                index += 1
                if index == capacity { index = 0 }
            }
            table[index] = old[position]
        }
        munmap(old, oldCapacity * MemoryLayout<Slot>.stride)
    }
}
