import Foundation

/// The cases people resolved by hand: a CSV with the columns `credit_code`,
/// `name` and `city_code` (and any others, such as a note, which are kept
/// for people and ignored here). A row gives a credit code or an enterprise
/// name, or both (then either matches). `city_code` is a 2020 city code, a
/// 2020 county-level code (taken to its city), or `outside_mainland`.
///
/// Names match by enterprise key (NFKC, white space removed, ASCII upper
/// case), as deduplication compares them.
public struct GeocodeOverrides: Sendable {
    public struct Entry: Sendable, Equatable {
        public var answer: PlaceAnswer
        public var row: Int
    }

    private var byCode: [UInt64: [([UInt8], Entry)]] = [:]
    private var byKey: [UInt64: [([UInt8], Entry)]] = [:]
    /// Every side of every record is looked up, and almost none is in the
    /// table: these filters answer "not here" from a text's length and its
    /// first and last eight bytes, without hashing the whole text (the
    /// full hash was 2.5 % of a cold 12M run for a three-row table).
    private var codeFilter = QuickFilter()
    private var keyFilter = QuickFilter()
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    public static let outsideMainlandValue = "outside_mainland"

    public static func load(_ url: URL, gazetteer: Gazetteer) throws(IINError) -> GeocodeOverrides {
        let table = try CSVTable.read(url)
        let codeColumn = try table.columnIndex("credit_code")
        let nameColumn = try table.columnIndex("name")
        let cityColumn = try table.columnIndex("city_code")
        let counties = Dictionary(gazetteer.counties.map { ($0.code, $0.cityCode) }, uniquingKeysWith: { first, _ in first })
        var overrides = GeocodeOverrides()
        var seen: [String: Int] = [:]
        for (row, line) in zip(table.rows, table.lines) {
            let cityText = row[cityColumn].trimmingCharacters(in: .whitespaces)
            let answer: PlaceAnswer
            if cityText == outsideMainlandValue {
                answer = .outsideMainland
            } else if let code = Int(cityText), gazetteer.city(code: code) != nil {
                answer = .city(code)
            } else if let code = Int(cityText), let city = counties[code] {
                answer = .city(city)
            } else {
                throw IINError.invalidTableCell(path: url.path, row: line, column: "city_code", value: cityText,
                                                expected: "a 2020 city or county-level code (such as 440300 or 440305) or '\(outsideMainlandValue)'")
            }
            let code = row[codeColumn].trimmingCharacters(in: .whitespaces).uppercased()
            let name = row[nameColumn]
            if code.isEmpty && name.trimmingCharacters(in: .whitespaces).isEmpty {
                throw IINError.invalidTableCell(path: url.path, row: line, column: "credit_code", value: "",
                                                expected: "empty when name is empty too; give a credit code or an enterprise name")
            }
            let entry = Entry(answer: answer, row: line)
            if !code.isEmpty {
                if let earlier = seen["code:" + code] {
                    throw IINError.invalidTableCell(path: url.path, row: line, column: "credit_code", value: code, expected: "a credit code not already given on row \(earlier)")
                }
                seen["code:" + code] = line
                let bytes = Array(code.utf8)
                overrides.byCode[Self.hash(bytes[...]), default: []].append((bytes, entry))
                bytes.withUnsafeBufferPointer { overrides.codeFilter.insert($0) }
            }
            if !name.trimmingCharacters(in: .whitespaces).isEmpty {
                let key = EnterpriseKey.make(bytes: Array(name.utf8))
                let keyText = String(decoding: key, as: UTF8.self)
                if let earlier = seen["name:" + keyText] {
                    throw IINError.invalidTableCell(path: url.path, row: line, column: "name", value: name, expected: "a name not already given on row \(earlier)")
                }
                seen["name:" + keyText] = line
                overrides.byKey[Self.hash(key[...]), default: []].append((key, entry))
                key.withUnsafeBufferPointer { overrides.keyFilter.insert($0) }
            }
            overrides.count += 1
        }
        return overrides
    }

    /// Both tables; on a credit code or name both give, `other` wins.
    public func merging(_ other: GeocodeOverrides) -> GeocodeOverrides {
        var merged = self
        for (hash, entries) in other.byCode { merged.byCode[hash] = entries + (merged.byCode[hash] ?? []) }
        for (hash, entries) in other.byKey { merged.byKey[hash] = entries + (merged.byKey[hash] ?? []) }
        merged.count += other.count
        merged.codeFilter.formUnion(other.codeFilter)
        merged.keyFilter.formUnion(other.keyFilter)
        return merged
    }

    /// The override for a side, by credit code first, then by key.
    public func lookup(creditCode: UnsafeBufferPointer<UInt8>, key: UnsafeBufferPointer<UInt8>) -> Entry? {
        if creditCode.count > 0, codeFilter.mightContain(creditCode, upperCased: true), let entries = byCode[Self.hashUpper(creditCode)] {
            for (code, entry) in entries where code.count == creditCode.count
                && zip(code, creditCode).allSatisfy({ $0 == Self.upper($1) }) { return entry }
        }
        if key.count > 0, keyFilter.mightContain(key, upperCased: false), let entries = byKey[Self.hash(key)] {
            for (stored, entry) in entries where stored.elementsEqual(key) { return entry }
        }
        return nil
    }

    @inline(__always) static func upper(_ byte: UInt8) -> UInt8 { byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte }

    static func hash<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    static func hashUpper(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        hash(bytes.lazy.map(upper))
    }

    /// A 4,096-bit Bloom filter (two bits a text) over a text's length and
    /// its first and last eight bytes: a "no" is certain, a "maybe" goes
    /// to the table.
    struct QuickFilter: Sendable {
        private var words = [UInt64](repeating: 0, count: 64)

        mutating func insert(_ text: UnsafeBufferPointer<UInt8>) {
            let hash = Self.hash(text, upperCased: false)
            for bit in [hash & 4095, (hash >> 32) & 4095] { words[Int(bit >> 6)] |= 1 << (bit & 63) }
        }

        mutating func formUnion(_ other: QuickFilter) {
            for index in words.indices { words[index] |= other.words[index] }
        }

        @inline(__always)
        func mightContain(_ text: UnsafeBufferPointer<UInt8>, upperCased: Bool) -> Bool {
            let hash = Self.hash(text, upperCased: upperCased)
            let first = hash & 4095, second = (hash >> 32) & 4095
            return words[Int(first >> 6)] & (1 << (first & 63)) != 0 && words[Int(second >> 6)] & (1 << (second & 63)) != 0
        }

        /// Credit codes are stored upper-cased and looked up as written,
        /// so a lookup folds ASCII case as it reads. Eight bytes at a time
        /// from each end: a byte-by-byte hash here cost as much as the
        /// table lookup it spares.
        @inline(__always)
        static func hash(_ text: UnsafeBufferPointer<UInt8>, upperCased: Bool) -> UInt64 {
            guard let base = text.baseAddress else { return 0 }
            let count = text.count
            var head: UInt64 = 0, tail: UInt64 = 0
            if count >= 8 {
                head = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
                tail = UnsafeRawPointer(base + count - 8).loadUnaligned(as: UInt64.self)
            } else {
                for index in 0..<count { head |= UInt64(base[index]) << (8 * UInt64(index)) }
            }
            if upperCased {
                head = upper(word: head)
                tail = upper(word: tail)
            }
            var hash = (UInt64(count) ^ head) &* 0x9E37_79B9_7F4A_7C15
            hash = (hash ^ (hash >> 29) ^ tail) &* 0xBF58_476D_1CE4_E5B9
            return hash ^ (hash >> 32)
        }

        /// ASCII a-z upper-cased in each byte of a word, other bytes kept.
        @inline(__always)
        static func upper(word: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let low7 = word & (0x7F * ones)
            let atLeastA = low7 &+ (0x80 - 0x61) * ones
            let aboveZ = low7 &+ (0x80 - 0x7B) * ones
            let lower = atLeastA & ~aboveZ & ~word & (0x80 * ones)
            return word &- (lower >> 2)
        }
    }
}
