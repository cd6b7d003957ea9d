#if canImport(Glibc)
import Glibc
#endif

/// A set of (key digest, year and link type) for deduplication: open
/// addressing with linear probing in one flat table of slots.
///
/// The digest is already uniformly distributed (MurmurHash3), so it serves
/// as the slot hash directly; `Set` would run SipHash over 24 bytes per
/// record again. A slot holds all it compares, so a probe costs one cache
/// miss; at 12 million records the table (about 400 MB) is far larger than
/// any cache and misses are the whole cost, so it lives in an anonymous
/// mapping advised for huge pages, which spares a TLB miss per probe.
final class DigestSet {
    private struct Slot {
        var high: UInt64
        var low: UInt64
        /// year << 1 | link type; 0 marks an empty slot (years are at least 1949).
        var extra: UInt64
    }

    private var table: UnsafeMutablePointer<Slot>
    private var capacity: Int
    private var mask: Int
    private(set) var count = 0

    init(expected: Int) throws(IINError) {
        var capacity = 1024
        while Double(capacity) * 0.7 < Double(expected) && capacity < 1 << 40 { capacity <<= 1 }
        self.capacity = capacity
        mask = capacity - 1
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

    /// `extra` is year << 1 | link type, never 0.
    @inline(__always)
    func insert(_ digest: KeyDigest, extra: UInt64) throws(IINError) -> Bool {
        if Double(count + 1) > Double(capacity) * 0.7 { try grow() }
        var index = Self.slot(digest.high, extra, mask)
        while true {
            let occupant = table[index].extra
            if occupant == 0 {
                table[index] = Slot(high: digest.high, low: digest.low, extra: extra)
                count += 1
                return true
            }
            if occupant == extra && table[index].high == digest.high && table[index].low == digest.low { return false }
            index = (index + 1) & mask
        }
    }

    /// The same pair in another year must not land on the same slot.
    @inline(__always)
    private static func slot(_ high: UInt64, _ extra: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: high &+ extra &* 0x9E37_79B9_7F4A_7C15) & mask
    }

    private func grow() throws(IINError) {
        let old = table
        let oldCapacity = capacity
        let grown = try Self.allocate(capacity * 2)
        capacity *= 2
        mask = capacity - 1
        table = grown
        for position in 0..<oldCapacity where old[position].extra != 0 {
            var index = Self.slot(old[position].high, old[position].extra, mask)
            while table[index].extra != 0 { index = (index + 1) & mask }
            table[index] = old[position]
        }
        munmap(old, oldCapacity * MemoryLayout<Slot>.stride)
    }
}
