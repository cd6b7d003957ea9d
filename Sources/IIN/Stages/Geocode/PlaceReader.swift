/// The answer of one geocoding method for one side of a record.
public enum PlaceAnswer: Sendable, Equatable {
    case city(Int)
    case outsideMainland
    /// No single city: the candidates weighed (empty when nothing matched
    /// or only a province did).
    case none(candidates: [Int])

    public var isResult: Bool {
        if case .none = self { return false }
        return true
    }
}

/// A method's answer without allocating: a city code, -1 for outside the
/// mainland, 0 for no answer with the candidates weighed as a set.
public struct CompactAnswer: Sendable, Equatable {
    public var code: Int32
    public var candidates: CitySet

    public static let nothing = CompactAnswer(code: 0, candidates: CitySet())
    public static let outsideMainland = CompactAnswer(code: -1, candidates: CitySet())

    @inline(__always) public static func city(_ code: Int) -> CompactAnswer { CompactAnswer(code: Int32(code), candidates: CitySet()) }
    @inline(__always) public static func none(_ candidates: CitySet) -> CompactAnswer { CompactAnswer(code: 0, candidates: candidates) }

    @inline(__always) public var isResult: Bool { code != 0 }

    public func answer(_ index: PlaceNameIndex) -> PlaceAnswer {
        if code > 0 { return .city(Int(code)) }
        if code < 0 { return .outsideMainland }
        return .none(candidates: index.codes(candidates))
    }
}

/// Reads a free text (region, address, or a part of an enterprise name) as
/// the administrative chain an address opens with: province, city,
/// county-level unit, each narrowing the next ("吉林省朝阳区" is Changchun).
///
/// The chain must start the text (after separators and "中国"); each name
/// must follow the previous one with only separators between; it ends at
/// the first text that is not a name, or a name no deeper than the chain
/// already is, which is street-level text ("南京市鼓楼区中山路" stays
/// Nanjing although 中山 is a city). A deeper name that does not fit the
/// chain ("北京市南山区") makes the text contradict itself: no answer.
/// A province alone is no answer, except the four municipalities.
public struct PlaceReader: Sendable {
    public let index: PlaceNameIndex
    private let everyCity: CitySet

    public init(index: PlaceNameIndex) {
        self.index = index
        everyCity = CitySet.all(count: index.cityCount)
    }

    public init(gazetteer: Gazetteer) {
        self.init(index: PlaceNameIndex(gazetteer: gazetteer))
    }

    /// Reads a whole string (for people and tests; the stage reads bytes).
    public func read(_ text: String) -> PlaceAnswer {
        var trace: [Range<Int>]? = nil
        return read(text, trace: &trace)
    }

    /// Reads a string, also returning the byte ranges of the names the
    /// chain took.
    public func read(_ text: String, trace: inout [Range<Int>]?) -> PlaceAnswer {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            read(UnsafeBufferPointer(buffer), from: 0, to: buffer.count, trace: &trace)
        }
    }

    @inline(__always)
    public func read(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> PlaceAnswer {
        var trace: [Range<Int>]? = nil
        return read(bytes, from: start, to: end, trace: &trace)
    }

    public func read(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, trace: inout [Range<Int>]?) -> PlaceAnswer {
        readCompact(bytes, from: start, to: end, trace: &trace).answer(index)
    }

    @inline(__always)
    public func readCompact(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> CompactAnswer {
        var trace: [Range<Int>]? = nil
        return readCompact(bytes, from: start, to: end, trace: &trace)
    }

    public func readCompact(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, trace: inout [Range<Int>]?) -> CompactAnswer {
        var position = Self.skipSeparators(bytes, from: start, to: end)
        var matchedAny = false
        // The cities still possible for chains whose deepest name is a
        // province (0), a city (1) or a county-level unit (2).
        var atProvince = CitySet(), atCity = CitySet(), atCounty = CitySet()
        var hasProvince = false, hasCity = false
        while position < end {
            guard let match = index.longestName(in: bytes, from: position, to: end) else { break }
            let sense = index.sense(match.sense)
            if sense.filler {
                if matchedAny { break }
                position = Self.skipSeparators(bytes, from: match.end, to: end)
                continue
            }
            if sense.outsideMainland && !matchedAny {
                trace?.append(position..<match.end)
                return .outsideMainland
            }
            var nextProvince = CitySet(), nextCity = CitySet(), nextCounty = CitySet()
            var deeper = false
            if sense.hasProvince && !matchedAny {
                nextProvince = index.citySet(sense.province)
                deeper = true
            }
            if sense.hasCity && (!matchedAny || hasProvince) {
                deeper = true
                let cities = index.citySet(sense.city)
                if !matchedAny { nextCity = cities }
                if hasProvince { nextCity.formUnion(cities.intersection(atProvince)) }
            }
            if sense.hasCounty && (!matchedAny || hasProvince || hasCity) {
                deeper = true
                let counties = index.citySet(sense.county)
                if !matchedAny { nextCounty = counties }
                if hasProvince { nextCounty.formUnion(counties.intersection(atProvince)) }
                if hasCity { nextCounty.formUnion(counties.intersection(atCity)) }
            }
            if !deeper { break }
            if nextProvince.isEmpty && nextCity.isEmpty && nextCounty.isEmpty {
                trace?.append(position..<match.end)
                var weighed = atProvince.count == 1 ? atProvince : CitySet()
                weighed.formUnion(atCity)
                if sense.hasCity { weighed.formUnion(index.citySet(sense.city)) }
                if sense.hasCounty { weighed.formUnion(index.citySet(sense.county)) }
                return .none(weighed)
            }
            trace?.append(position..<match.end)
            matchedAny = true
            atProvince = nextProvince; hasProvince = !nextProvince.isEmpty
            atCity = nextCity; hasCity = !nextCity.isEmpty
            atCounty = nextCounty
            position = Self.skipSeparators(bytes, from: match.end, to: end)
        }
        var cities = atCity
        cities.formUnion(atCounty)
        var unresolved = false
        if hasProvince {
            // A province alone names no city, unless it is a municipality.
            if atProvince.count == 1 { cities.formUnion(atProvince) } else { unresolved = true }
        }
        if !unresolved, let only = cities.single { return .city(index.cityCodes[only]) }
        return .none(cities)
    }

    /// Skips white space and the punctuation that separates the parts of a
    /// place ("广东-深圳市", "广东省 深圳市", "中国（上海）").
    @inline(__always)
    static func skipSeparators(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var position = start
        while position < end {
            let byte = bytes[position]
            if byte < 0x80 {
                switch byte {
                case 0x20, 0x09, 0x2D, 0x5F, 0x2F, 0x5C, 0x7C, 0x2C, 0x2E, 0x3B, 0x3A, 0x28, 0x29, 0x5B, 0x5D, 0x22, 0x27:
                    position += 1
                    continue
                default:
                    return position
                }
            }
            guard position + 2 < end else { return position }
            let second = bytes[position + 1], third = bytes[position + 2]
            switch (byte, second, third) {
            case (0xEF, 0xBC, 0x8C), (0xEF, 0xBC, 0x8D), (0xEF, 0xBC, 0x88), (0xEF, 0xBC, 0x89), (0xEF, 0xBC, 0x9A), (0xEF, 0xBC, 0x9B),
                 (0xE3, 0x80, 0x81), (0xE3, 0x80, 0x80), (0xE2, 0x80, 0x94), (0xE3, 0x83, 0xBB), (0xE3, 0x80, 0x90), (0xE3, 0x80, 0x91):
                // ，－（）：；、 (ideographic space) — ・【】
                position += 3
            default:
                if byte == 0xC2 && second == 0xB7 { position += 2; continue } // ·
                return position
            }
        }
        return position
    }
}
