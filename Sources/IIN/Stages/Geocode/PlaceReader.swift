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
/// The chain must start the text (after separators, "中国", "在" and labels
/// such as "注册地址："); each name must follow the previous one with only
/// separators between. It ends at the first text that is not a name, at a
/// name no deeper than the chain already is, at a name directly followed by
/// a street word ("北京西路": a street, not Beijing), and at a deeper name
/// outside what the chain has named ("无锡市新区…": 新区 is a zone of Wuxi
/// here, not Tangshan's former district). What follows is street-level
/// text. A province alone is no answer, except the four municipalities.
///
/// A field may hold several addresses, separated by "；", ";", "/", "、", "，", "," or
/// a label ending in a colon: each is read as a chain of its own, and they
/// answer together only when they agree.
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
        readCompact(bytes, from: start, to: end, severalAddresses: true, trace: &trace)
    }

    /// Reads every address of a field; `severalAddresses` false reads only
    /// the first (an enterprise name opens with one place).
    public func readCompact(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, severalAddresses: Bool,
                            trace: inout [Range<Int>]?) -> CompactAnswer {
        var chain = readChain(bytes, from: start, to: end, trace: &trace)
        guard severalAddresses else { return chain.answer }
        var answer = chain.answer
        while let next = chain.nextAddress ?? Self.nextAddress(bytes, from: chain.stop, to: end) {
            chain = readChain(bytes, from: next, to: end, trace: &trace)
            let other = chain.answer
            // A later address names its place in full or at two levels
            // (上海市…, 上海浦东新区…); a lone short name after a comma is a
            // building or company (…，北京大厦5楼).
            if !other.isResult || !(chain.names >= 2 || chain.opensInFull) { continue }
            if !answer.isResult {
                answer = other
            } else if answer.code != other.code {
                // Two addresses naming different places: no one answer.
                var candidates = CitySet()
                for code in [answer.code, other.code] where code > 0 {
                    if let position = index.cityIndex(code: Int(code)) { candidates.insert(position) }
                }
                return .none(candidates)
            }
        }
        return answer
    }

    /// One address's chain: its answer, where it stopped, and where the
    /// next address starts when the chain stopped at an address separator.
    struct Chain {
        var answer: CompactAnswer
        var stop: Int
        var nextAddress: Int?
        /// How many names the chain took, and whether the first is written
        /// with its division word (市, 省, 区 …).
        var names = 0
        var opensInFull = false
        /// The sense of the deepest name the chain took, -1 for none: what
        /// a county reading looks at.
        var deepest = -1
    }

    /// The county-level unit of 2020 a text names, read as `readCompact`
    /// reads it, each address on its own: `city` 0 asks without knowing
    /// the side's city (-1 then means the answer depends on it), otherwise
    /// only units inside that city count. 0 when no address names one
    /// unit, or two name different ones.
    func county(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, severalAddresses: Bool, city: Int32, senses: CountySenses) -> Int32 {
        var trace: [Range<Int>]? = nil
        // A chain that names another city ("广东省广州市白云区" for a side in
        // Guiyang, which has a 白云区 too) names none of this city's units.
        let cityIndex = city > 0 ? index.cityIndex(code: Int(city)) : nil
        func unit(_ chain: Chain) -> Int32 {
            if let cityIndex {
                let answer = chain.answer
                if answer.code < 0 || (answer.code > 0 && answer.code != city) || (answer.code == 0 && !answer.candidates.isEmpty && !answer.candidates.contains(cityIndex)) {
                    return 0
                }
            }
            return senses.unit(chain.deepest, city: city)
        }
        var chain = readChain(bytes, from: start, to: end, trace: &trace)
        var found = unit(chain)
        guard severalAddresses else { return found }
        while let next = chain.nextAddress ?? Self.nextAddress(bytes, from: chain.stop, to: end) {
            chain = readChain(bytes, from: next, to: end, trace: &trace)
            if !(chain.names >= 2 || chain.opensInFull) { continue }
            let other = unit(chain)
            if other == 0 { continue }
            if found == 0 { found = other } else if found != other { return city == 0 && (found < 0 || other < 0) ? -1 : 0 }
        }
        return found
    }

    @inline(__always)
    private func readChain(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, trace: inout [Range<Int>]?) -> Chain {
        var (position, crossedList) = Self.skipSeparatorsNotingList(bytes, from: start, to: end)
        var matchedAny = false
        // The cities still possible for chains whose deepest name is a
        // province (0), a city (1) or a county-level unit (2).
        var atProvince = CitySet(), atCity = CitySet(), atCounty = CitySet()
        var hasProvince = false, hasCity = false
        var nextAddress: Int?
        var names = 0, opensInFull = false
        var deepest = -1
        while position < end {
            guard let match = index.longestName(in: bytes, from: position, to: end) else { break }
            let sense = index.sense(match.sense)
            if sense.filler || sense.zoneWord {
                if sense.filler && matchedAny { break }
                (position, crossedList) = Self.skipSeparatorsNotingList(bytes, from: match.end, to: end)
                continue
            }
            if isStreet(bytes, name: position..<match.end, to: end) { break }
            if sense.outsideMainland && !matchedAny {
                trace?.append(position..<match.end)
                return Chain(answer: .outsideMainland, stop: match.end, nextAddress: nil, names: 1,
                             opensInFull: StreetWords.endsWithDivisionWord(bytes, position..<match.end))
            }
            var nextProvince = CitySet(), nextCity = CitySet(), nextCounty = CitySet()
            if sense.hasProvince && !matchedAny {
                nextProvince = index.citySet(sense.province)
            }
            if sense.hasCity && (!matchedAny || hasProvince) {
                let cities = index.citySet(sense.city)
                if !matchedAny { nextCity = cities }
                if hasProvince { nextCity.formUnion(cities.intersection(atProvince)) }
            }
            if sense.hasCounty && (!matchedAny || hasProvince || hasCity) {
                let counties = index.citySet(sense.county)
                if !matchedAny { nextCounty = counties }
                if hasProvince { nextCounty.formUnion(counties.intersection(atProvince)) }
                if hasCity { nextCounty.formUnion(counties.intersection(atCity)) }
            }
            // Not deeper, or outside what the chain has named: street,
            // building, zone or company text (or, after an address
            // separator, the next address).
            if nextProvince.isEmpty && nextCity.isEmpty && nextCounty.isEmpty {
                if matchedAny && crossedList { nextAddress = position }
                break
            }
            trace?.append(position..<match.end)
            deepest = match.sense
            if names == 0 { opensInFull = StreetWords.endsWithDivisionWord(bytes, position..<match.end) }
            names += 1
            matchedAny = true
            atProvince = nextProvince; hasProvince = !nextProvince.isEmpty
            atCity = nextCity; hasCity = !nextCity.isEmpty
            atCounty = nextCounty
            (position, crossedList) = Self.skipSeparatorsNotingList(bytes, from: match.end, to: end)
        }
        var cities = atCity
        cities.formUnion(atCounty)
        var unresolved = false
        if hasProvince {
            // A province alone names no city, unless it is a municipality.
            if atProvince.count == 1 { cities.formUnion(atProvince) } else { unresolved = true }
        }
        let answer: CompactAnswer = !unresolved && cities.single != nil ? .city(index.cityCodes[cities.single!]) : .none(cities)
        return Chain(answer: answer, stop: position, nextAddress: nextAddress, names: names, opensInFull: opensInFull, deepest: deepest)
    }

    /// True when a street word follows: a place name so followed names a
    /// street ("黄山路", "北京西路", "中山北一路"), not the place. A known
    /// name starting there (道县, 道里区, 路北区) is a place, not a street,
    /// and so is a name written with its division word (市, 县, 区 …):
    /// "…县里仁镇" and "…区南街街道" are townships after their county.
    @inline(__always)
    private func isStreet(_ bytes: UnsafeBufferPointer<UInt8>, name: Range<Int>, to end: Int) -> Bool {
        guard StreetWords.follow(bytes, at: name.upperBound, end: end), !StreetWords.endsWithDivisionWord(bytes, name) else { return false }
        return index.longestName(in: bytes, from: name.upperBound, to: end) == nil
    }

    /// Where the next address of a field starts: after the next address
    /// separator (or label colon) at or after `start`, if any.
    static func nextAddress(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        // Every address is scanned to its end, so this steps a character at
        // a time and looks closer only at the bytes a separator starts with.
        var position = start
        while position < end {
            let byte = bytes[position]
            if byte == 0x3B || byte == 0x2F || byte == 0x3A || byte == 0x2C || byte == 0xEF || byte == 0xE3,
               let length = listSeparatorLength(bytes, at: position, end: end) {
                return skipSeparators(bytes, from: position + length, to: end)
            }
            position += byte < 0xC0 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4
        }
        return nil
    }

    /// "；" ";" "/" "、" "，" "," ":" "：": what separates two addresses in one field
    /// (a colon ends a label such as "注册地址：" or "营销总部：").
    @inline(__always)
    static func listSeparatorLength(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int, end: Int) -> Int? {
        let byte = bytes[position]
        if byte == 0x3B || byte == 0x2F || byte == 0x3A || byte == 0x2C { return 1 }
        guard position + 2 < end else { return nil }
        let second = bytes[position + 1], third = bytes[position + 2]
        if byte == 0xEF && second == 0xBC && (third == 0x9B || third == 0x9A || third == 0x8C) { return 3 }
        if byte == 0xE3 && second == 0x80 && third == 0x81 { return 3 }
        return nil
    }

    /// Skips separators, saying whether an address separator was among them.
    @inline(__always)
    static func skipSeparatorsNotingList(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> (Int, Bool) {
        let next = skipSeparators(bytes, from: start, to: end)
        var scan = start
        while scan < next {
            if let length = listSeparatorLength(bytes, at: scan, end: end) { return (next, scan + length <= next) }
            scan += 1
        }
        return (next, false)
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
            if byte >= 0xF0 && position + 3 < end {
                // Outside the Basic Multilingual Plane (emoji): no place name is.
                position += 4
                continue
            }
            guard position + 2 < end else { return position }
            let second = bytes[position + 1], third = bytes[position + 2]
            if byte == 0xE2 {
                // U+2000-U+2FFF: punctuation, arrows, symbols, dingbats (★ → ■).
                position += 3
                continue
            }
            switch (byte, second, third) {
            case (0xEF, 0xBC, 0x8C), (0xEF, 0xBC, 0x8D), (0xEF, 0xBC, 0x88), (0xEF, 0xBC, 0x89), (0xEF, 0xBC, 0x9A), (0xEF, 0xBC, 0x9B),
                 (0xE3, 0x80, 0x81), (0xE3, 0x80, 0x80), (0xE3, 0x83, 0xBB), (0xE3, 0x80, 0x90), (0xE3, 0x80, 0x91):
                // ，－（）：；、 (ideographic space) ・【】
                position += 3
            default:
                if byte == 0xC2 && (second == 0xB7 || second == 0xA0) { position += 2; continue } // · and the no-break space
                if byte == 0xEF && second == 0xBB && third == 0xBF { position += 3; continue } // a byte-order mark
                return position
            }
        }
        return position
    }
}

/// The words that make a place name before them a street name: 路, 街,
/// 大街, 大道, 道, 巷, 弄, 胡同, 里, 公路, 环路, with up to two directions
/// (东西南北中) and numbers (一 to 十) before them: 东路, 北大街, 一路, 中山北一路.
enum StreetWords {
    // Scalars compared in switches, not sets: this runs after every name
    // the reader matches.
    @inline(__always) static func isDirection(_ scalar: UInt32) -> Bool {
        switch scalar { case 0x4E1C, 0x897F, 0x5357, 0x5317, 0x4E2D: return true; default: return false } // 东西南北中
    }
    @inline(__always) static func isNumber(_ scalar: UInt32) -> Bool {
        switch scalar { case 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341: return true; default: return false } // 一…十
    }
    /// 路 街 道 巷 弄 里.
    @inline(__always) static func isSingle(_ scalar: UInt32) -> Bool {
        switch scalar { case 0x8DEF, 0x8857, 0x9053, 0x5DF7, 0x5F04, 0x91CC: return true; default: return false }
    }
    /// 大街 大道 胡同 公路 环路.
    @inline(__always) static func isDouble(_ first: UInt32, _ second: UInt32) -> Bool {
        switch (first, second) {
        case (0x5927, 0x8857), (0x5927, 0x9053), (0x80E1, 0x540C), (0x516C, 0x8DEF), (0x73AF, 0x8DEF): return true
        default: return false
        }
    }
    /// 里 and 道 alone count only right after the name: "三里屯", "八里台"
    /// are places.
    @inline(__always) static func isBare(_ scalar: UInt32) -> Bool { scalar == 0x91CC || scalar == 0x9053 }
    /// 镇 乡 (街道 is looked at on its own).
    @inline(__always) static func isTownshipWord(_ scalar: UInt32) -> Bool { scalar == 0x9547 || scalar == 0x4E61 }
    /// 省 市 县 区 旗 盟.
    @inline(__always) static func isDivisionWord(_ scalar: UInt32) -> Bool {
        switch scalar { case 0x7701, 0x5E02, 0x53BF, 0x533A, 0x65D7, 0x76DF: return true; default: return false }
    }

    @inline(__always)
    static func endsWithDivisionWord(_ bytes: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> Bool {
        guard name.count >= 3, let (value, _) = PlaceNameIndex.decodeScalar(bytes, at: name.upperBound - 3, end: name.upperBound) else { return false }
        return isDivisionWord(value)
    }

    /// A character a street word can start with: a direction, a number, a
    /// street word, or the first of a two-character one.
    @inline(__always) static func canStart(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x4E1C, 0x897F, 0x5357, 0x5317, 0x4E2D, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341,
             0x8DEF, 0x8857, 0x9053, 0x5DF7, 0x5F04, 0x91CC, 0x5927, 0x80E1, 0x516C, 0x73AF:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func follow(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> Bool {
        @inline(__always) func scalar(_ at: Int) -> UInt32? {
            guard at < end, let (value, _) = PlaceNameIndex.decodeScalar(bytes, at: at, end: end), value >= 0x80 else { return nil }
            return value
        }
        // Most names are followed by no street word: one look decides.
        guard let opening = scalar(start), canStart(opening) else { return false }
        // Every scalar here is a three-byte CJK character.
        var position = start
        var skipped = 0
        while skipped < 2, let value = scalar(position), isDirection(value) { position += 3; skipped += 1 }
        skipped = 0
        while skipped < 2, let value = scalar(position), isNumber(value) { position += 3; skipped += 1 }
        guard let first = scalar(position) else { return false }
        let wordEnd: Int
        if let second = scalar(position + 3), isDouble(first, second) {
            wordEnd = position + 6
        } else if isSingle(first) {
            // 里 and 道 alone count only right after the name: "三里屯".
            if isBare(first) && position != start { return false }
            wordEnd = position + 3
        } else {
            return false
        }
        // A township named with a street word is a place: 里水镇, 二街镇,
        // 道东街道, 路桥街道; a road-named subdistrict (北京路街道) is not.
        for gap in 0...2 {
            let at = wordEnd + 3 * gap
            guard let next = scalar(at) else { break }
            if isTownshipWord(next) { return false }
            if gap > 0 && next == 0x8857 && scalar(at + 3) == 0x9053 { return false } // 街道
        }
        return true
    }
}
