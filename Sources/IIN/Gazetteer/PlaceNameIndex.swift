/// What a place name can mean.
public struct PlaceMeaning: Sendable, Hashable {
    public enum Level: Int, Sendable { case province, city, county, outsideMainland }
    public var level: Level
    /// The division's own code (province, city or county; 0 outside).
    public var code: Int
    /// The 2020 cities holding it: one for a division of 2020, possibly
    /// several for a historical one that was split; empty for a province
    /// and for places outside the mainland.
    public var cities: [Int]
    public var provinceCode: Int
    /// A name no longer in force in 2020.
    public var historical: Bool
}

/// Every place name the geocoder knows, full and short forms, 2020 and
/// historical (2000-2020), built once into one trie over Unicode scalars,
/// so a text is read in a single pass over its UTF-8 bytes with no
/// per-record pattern.
///
/// Each name's meanings are also kept as per-level city sets (`NameSense`),
/// which is all the reader needs to narrow candidates.
///
/// `@unchecked Sendable`: after `init` nothing is written, and the raw
/// buffers the reader uses are owned by `frozen`, which this value holds.
public struct PlaceNameIndex: @unchecked Sendable {
    /// Children while building, per node.
    private var building: [[UInt32: Int32]] = [[:]]
    /// Per node: the index of its name's sense, or -1.
    private var senseAt: [Int32] = [-1]
    public private(set) var senses: [NameSense] = []
    public private(set) var meanings: [[PlaceMeaning]] = []
    public let cityCodes: [Int]
    private let cityIndexByCode: [Int: Int]
    /// The frozen trie, as raw buffers so the reader's inner loop touches
    /// no reference counts: the root's children by scalar (BMP) in a direct
    /// table of edge indices; every edge carries its child's sense and the
    /// run of the child's own edges, laid out breadth first, so a step of
    /// the walk reads one short contiguous run.
    private var frozen = FrozenTrie()
    private var rootPointer = UnsafePointer<Int32>(bitPattern: 8)!
    private var edgePointer = UnsafePointer<TrieEdge>(bitPattern: 8)!
    private var sensePointer = UnsafePointer<CompactSense>(bitPattern: 8)!
    private var setPointer = UnsafePointer<CitySet>(bitPattern: 8)!

    /// What a name can mean, folded into city sets per level: `province`
    /// is the union of the cities of the provinces it can name, and so on.
    public struct NameSense: Sendable {
        public var hasLevel: (Bool, Bool, Bool) = (false, false, false)
        public var province = CitySet()
        public var city = CitySet()
        public var county = CitySet()
        public var outsideMainland = false
        /// Words that stand before places without being one ("中国").
        public var filler = false
        /// Words that stand inside a chain without narrowing it
        /// ("中国（四川）自由贸易试验区成都…").
        public var zoneWord = false
    }

    /// Written before a place without narrowing it.
    public static let fillers = ["中国", "中华人民共和国", "在"]
    /// Written between the parts of a chain without narrowing it.
    public static let zoneWords = ["自由贸易试验区", "自由贸易区", "自贸试验区", "自贸区"]

    public init(gazetteer: Gazetteer) {
        cityCodes = gazetteer.cities.map(\.code)
        var indexByCode: [Int: Int] = [:]
        for (index, code) in cityCodes.enumerated() { indexByCode[code] = index }
        cityIndexByCode = indexByCode

        var citiesOfProvince: [Int: [Int]] = [:]
        for city in gazetteer.cities { citiesOfProvince[city.provinceCode, default: []].append(city.code) }
        for province in gazetteer.provinces {
            let meaning = PlaceMeaning(level: .province, code: province.code, cities: [], provinceCode: province.code, historical: false)
            for name in Self.provinceForms(province.name) { add(name, meaning, provinceCities: citiesOfProvince[province.code] ?? []) }
        }
        for city in gazetteer.cities {
            let meaning = PlaceMeaning(level: .city, code: city.code, cities: [city.code], provinceCode: city.provinceCode, historical: false)
            for name in Self.cityForms(city.nameCN) { add(name, meaning) }
        }
        for county in gazetteer.counties {
            let meaning = PlaceMeaning(level: .county, code: county.code, cities: [county.cityCode], provinceCode: county.code / 10000 * 10000, historical: false)
            for name in Self.countyForms(county.name) { add(name, meaning) }
        }
        for unit in gazetteer.history {
            let prefectureLevel = unit.code % 100 == 0
            let directlyAdministered = (unit.code / 100) % 100 == 90
            if prefectureLevel || directlyAdministered {
                let meaning = PlaceMeaning(level: .city, code: unit.code, cities: unit.cities, provinceCode: unit.code / 10000 * 10000, historical: true)
                for name in Self.cityForms(unit.name) { add(name, meaning) }
            }
            if !prefectureLevel {
                let meaning = PlaceMeaning(level: .county, code: unit.code, cities: unit.cities, provinceCode: unit.code / 10000 * 10000, historical: true)
                for name in Self.countyForms(unit.name) { add(name, meaning) }
            }
        }
        for name in gazetteer.outsideMainlandNames {
            add(name, PlaceMeaning(level: .outsideMainland, code: 0, cities: [], provinceCode: 0, historical: false))
        }
        for name in Self.fillers {
            let node = insertPath(name)
            senses[Int(ensureSense(node))].filler = true
        }
        for name in Self.zoneWords {
            let node = insertPath(name)
            senses[Int(ensureSense(node))].zoneWord = true
        }
        freeze()
    }

    private mutating func freeze() {
        precondition(building[0].keys.allSatisfy { $0 < 1 << 16 }, "a place name starting outside the Basic Multilingual Plane")
        var rootTable = [Int32](repeating: -1, count: 1 << 16)
        var edges: [TrieEdge] = []
        var queue: [(node: Int, edge: Int)] = []
        for (scalar, child) in building[0].sorted(by: { $0.key < $1.key }) {
            rootTable[Int(scalar)] = Int32(edges.count)
            edges.append(TrieEdge(scalar: scalar, sense: senseAt[Int(child)], childFirst: 0, childCount: Int32(building[Int(child)].count)))
            queue.append((Int(child), edges.count - 1))
        }
        var head = 0
        while head < queue.count {
            let (node, edge) = queue[head]
            head += 1
            edges[edge].childFirst = Int32(edges.count)
            for (scalar, child) in building[node].sorted(by: { $0.key < $1.key }) {
                edges.append(TrieEdge(scalar: scalar, sense: senseAt[Int(child)], childFirst: 0, childCount: Int32(building[Int(child)].count)))
                queue.append((Int(child), edges.count - 1))
            }
        }
        building = []
        // Most names mean one city at a level: such a set is its city's
        // index; the others are kept once each in a small table.
        var sets: [CitySet] = []
        var setIndex: [CitySet: Int] = [:]
        func encode(_ set: CitySet) -> Int16 {
            if let only = set.single { return Int16(only) }
            if let known = setIndex[set] { return Int16(-known - 1) }
            sets.append(set)
            setIndex[set] = sets.count - 1
            return Int16(-sets.count)
        }
        let compact = senses.map { sense in
            CompactSense(flags: (sense.hasLevel.0 ? CompactSense.province : 0) | (sense.hasLevel.1 ? CompactSense.city : 0)
                            | (sense.hasLevel.2 ? CompactSense.county : 0) | (sense.outsideMainland ? CompactSense.outside : 0)
                            | (sense.filler ? CompactSense.filler : 0) | (sense.zoneWord ? CompactSense.zoneWord : 0),
                         province: encode(sense.province), city: encode(sense.city), county: encode(sense.county))
        }
        frozen = FrozenTrie(rootTable: rootTable, edges: edges, senses: compact, sets: sets)
        rootPointer = UnsafePointer(frozen.rootTable.baseAddress!)
        edgePointer = UnsafePointer(frozen.edges.baseAddress!)
        sensePointer = UnsafePointer(frozen.senses.baseAddress!)
        setPointer = UnsafePointer(frozen.sets.baseAddress!)
    }

    /// A city set as `CompactSense` encodes it.
    @inline(__always)
    public func citySet(_ code: Int16) -> CitySet {
        if code >= 0 {
            var set = CitySet()
            set.insert(Int(code))
            return set
        }
        return setPointer[Int(-code - 1)]
    }

    /// The sense of a name found by `longestName`.
    @inline(__always)
    public func sense(_ index: Int) -> CompactSense { sensePointer[index] }

    /// A name's sense in eight bytes, for the reader's inner loop; its sets
    /// are decoded with `citySet(_:)`.
    public struct CompactSense: Sendable {
        static let province: UInt8 = 1, city: UInt8 = 2, county: UInt8 = 4, outside: UInt8 = 8, filler: UInt8 = 16, zoneWord: UInt8 = 32
        var flags: UInt8
        public var province: Int16
        public var city: Int16
        public var county: Int16

        @inline(__always) public var hasProvince: Bool { flags & Self.province != 0 }
        @inline(__always) public var hasCity: Bool { flags & Self.city != 0 }
        @inline(__always) public var hasCounty: Bool { flags & Self.county != 0 }
        @inline(__always) public var outsideMainland: Bool { flags & Self.outside != 0 }
        @inline(__always) public var filler: Bool { flags & Self.filler != 0 }
        @inline(__always) public var zoneWord: Bool { flags & Self.zoneWord != 0 }
    }

    public var cityCount: Int { cityCodes.count }

    public func cityIndex(code: Int) -> Int? { cityIndexByCode[code] }

    /// The city codes of a set, in increasing order.
    public func codes(_ set: CitySet) -> [Int] { set.indices.map { cityCodes[$0] } }

    private mutating func insertPath(_ name: String) -> Int {
        var node = 0
        for scalar in name.unicodeScalars {
            if let next = building[node][scalar.value] {
                node = Int(next)
                continue
            }
            building.append([:])
            senseAt.append(-1)
            let created = building.count - 1
            building[node][scalar.value] = Int32(created)
            node = created
        }
        return node
    }

    private mutating func ensureSense(_ node: Int) -> Int32 {
        if senseAt[node] < 0 {
            senses.append(NameSense())
            meanings.append([])
            senseAt[node] = Int32(senses.count - 1)
        }
        return senseAt[node]
    }

    private mutating func add(_ name: String, _ meaning: PlaceMeaning, provinceCities: [Int] = []) {
        let node = insertPath(name)
        let index = Int(ensureSense(node))
        guard !meanings[index].contains(meaning) else { return }
        meanings[index].append(meaning)
        var set = CitySet()
        for code in meaning.level == .province ? provinceCities : meaning.cities {
            if let position = cityIndexByCode[code] { set.insert(position) }
        }
        switch meaning.level {
        case .province:
            senses[index].hasLevel.0 = true
            senses[index].province.formUnion(set)
        case .city:
            senses[index].hasLevel.1 = true
            senses[index].city.formUnion(set)
        case .county:
            senses[index].hasLevel.2 = true
            senses[index].county.formUnion(set)
        case .outsideMainland:
            senses[index].outsideMainland = true
        }
    }

    /// The longest known name starting at `start` that ends on a character
    /// boundary: its end and sense index.
    @inline(__always)
    public func longestName(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> (end: Int, sense: Int)? {
        guard start < end, let (first, firstLength) = Self.decodeScalar(bytes, at: start, end: end), first < 1 << 16 else { return nil }
        let rootEdge = rootPointer[Int(first)]
        guard rootEdge >= 0 else { return nil }
        var edge = edgePointer[Int(rootEdge)]
        var position = start + firstLength
        var best: (end: Int, sense: Int)? = edge.sense >= 0 ? (position, Int(edge.sense)) : nil
        walk: while position < end && edge.childCount > 0 {
            guard let (scalar, length) = Self.decodeScalar(bytes, at: position, end: end) else { break }
            var low = Int(edge.childFirst), high = low + Int(edge.childCount)
            while high - low > 8 {
                let middle = (low + high) >> 1
                if edgePointer[middle].scalar < scalar { low = middle + 1 } else { high = middle + 1 }
            }
            while low < high {
                let candidate = edgePointer[low]
                if candidate.scalar == scalar {
                    edge = candidate
                    position += length
                    if edge.sense >= 0 { best = (position, Int(edge.sense)) }
                    continue walk
                }
                if candidate.scalar > scalar { break }
                low += 1
            }
            break
        }
        return best
    }

    @inline(__always)
    static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int, end: Int) -> (UInt32, Int)? {
        let lead = bytes[position]
        if lead < 0x80 { return (UInt32(lead), 1) }
        if lead >= 0xE0 && lead < 0xF0 {
            guard position + 2 < end else { return nil }
            let scalar = (UInt32(lead & 0x0F) << 12) | (UInt32(bytes[position + 1] & 0x3F) << 6) | UInt32(bytes[position + 2] & 0x3F)
            return (scalar, 3)
        }
        if lead >= 0xC0 && lead < 0xE0 {
            guard position + 1 < end else { return nil }
            return ((UInt32(lead & 0x1F) << 6) | UInt32(bytes[position + 1] & 0x3F), 2)
        }
        if lead >= 0xF0 {
            guard position + 3 < end else { return nil }
            let scalar = (UInt32(lead & 0x07) << 18) | (UInt32(bytes[position + 1] & 0x3F) << 12) | (UInt32(bytes[position + 2] & 0x3F) << 6)
                | UInt32(bytes[position + 3] & 0x3F)
            return (scalar, 4)
        }
        return nil
    }

    /// Every meaning of a name, for explanations and tests.
    public func meanings(of name: String) -> [PlaceMeaning] {
        var bytes = Array(name.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            let view = UnsafeBufferPointer(buffer)
            guard let match = longestName(in: view, from: 0, to: view.count), match.end == view.count else { return [] }
            return meanings[match.sense]
        }
    }

    // MARK: - Name forms

    /// Ethnic-group names that stand between a place and its
    /// 自治州/自治县/自治区 suffix, longest first.
    static let ethnicGroups: [String] = [
        "哈尼族彝族", "傣族景颇族", "布依族苗族", "苗族侗族", "土家族苗族", "藏族羌族", "蒙古族藏族", "黎族苗族", "壮族瑶族", "苗族瑶族傣族", "彝族哈尼族拉祜族",
        "哈萨克", "柯尔克孜", "维吾尔", "蒙古", "朝鲜族", "蒙古族", "藏族", "彝族", "回族", "壮族", "苗族", "侗族", "瑶族", "白族", "傣族", "黎族",
        "傈僳族", "土家族", "羌族", "满族", "畲族", "水族", "仫佬族", "毛南族", "仡佬族", "土族", "撒拉族", "保安族", "东乡族", "裕固族", "锡伯族",
        "达斡尔族", "鄂温克族", "鄂伦春族", "佤族", "拉祜族", "纳西族", "怒族", "独龙族", "普米族", "景颇族", "布依族", "哈尼族", "塔吉克", "各族",
    ]

    static func stripEthnic(_ name: String) -> String {
        var result = name
        var changed = true
        while changed {
            changed = false
            for group in ethnicGroups where result.hasSuffix(group) && result.count > group.count + 1 {
                result = String(result.dropLast(group.count))
                changed = true
                break
            }
        }
        return result
    }

    static func provinceForms(_ name: String) -> [String] {
        var forms = [name]
        for suffix in ["特别行政区", "自治区", "省", "市"] where name.hasSuffix(suffix) {
            forms.append(stripEthnic(String(name.dropLast(suffix.count))))
            break
        }
        return forms
    }

    static func cityForms(_ name: String) -> [String] {
        var forms = [name]
        if name.hasSuffix("自治州") {
            let place = stripEthnic(String(name.dropLast(3)))
            forms += [place + "州", place]
        } else {
            for suffix in ["地区", "林区", "盟", "市", "县"] where name.hasSuffix(suffix) && name.count - suffix.count >= 2 {
                forms.append(String(name.dropLast(suffix.count)))
                break
            }
        }
        return forms
    }

    static func countyForms(_ name: String) -> [String] {
        var forms = [name]
        if name.hasSuffix("自治县") || name.hasSuffix("自治旗") {
            let place = stripEthnic(String(name.dropLast(3)))
            if place.count >= 2 { forms += [place + String(name.suffix(1)), place] }
        } else {
            // Districts (区) have no short form: "南山", "鼓楼", "西安" alone mean
            // a city or nothing, never a district somewhere.
            for suffix in ["县", "市", "旗"] where name.hasSuffix(suffix) && name.count - suffix.count >= 2 {
                forms.append(String(name.dropLast(suffix.count)))
                break
            }
        }
        return forms
    }
}

/// One edge of the frozen trie, with what the walk needs of its child.
struct TrieEdge {
    var scalar: UInt32
    /// The child's sense index, or -1 when no name ends there.
    var sense: Int32
    var childFirst: Int32
    var childCount: Int32
}

/// Immutable copies of the trie's tables in raw memory, freed with the
/// last index that holds them.
final class FrozenTrie: @unchecked Sendable {
    let rootTable: UnsafeMutableBufferPointer<Int32>
    let edges: UnsafeMutableBufferPointer<TrieEdge>
    let senses: UnsafeMutableBufferPointer<PlaceNameIndex.CompactSense>
    let sets: UnsafeMutableBufferPointer<CitySet>

    convenience init() {
        self.init(rootTable: [], edges: [], senses: [], sets: [])
    }

    init(rootTable: [Int32], edges: [TrieEdge], senses: [PlaceNameIndex.CompactSense], sets: [CitySet]) {
        func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, array.count))
            _ = buffer.initialize(from: array)
            return UnsafeMutableBufferPointer(rebasing: buffer[0..<array.count])
        }
        self.rootTable = copy(rootTable)
        self.edges = copy(edges)
        self.senses = copy(senses)
        self.sets = copy(sets)
    }

    deinit {
        rootTable.baseAddress?.deallocate()
        edges.baseAddress?.deallocate()
        senses.baseAddress?.deallocate()
        sets.baseAddress?.deallocate()
    }
}
