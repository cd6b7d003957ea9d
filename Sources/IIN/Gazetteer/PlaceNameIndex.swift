/// What a place name can mean.
public struct PlaceMeaning: Sendable, Hashable {
    public enum Level: Int, Sendable { case province, city, county, outsideMainland }
    public var level: Level
    /// The division's own code (province, city or county).
    public var code: Int
    /// The 2020 city holding it (0 for provinces and places outside).
    public var cityCode: Int
    public var provinceCode: Int
}

/// Every place name the geocoder knows, full and short forms, in one byte
/// trie, so a text is matched in one pass over its UTF-8 bytes.
public struct PlaceNameIndex: Sendable {
    private var children: [[UInt8: Int32]] = [[:]]
    private var meaningsAt: [Int32] = [-1]
    private var meanings: [[PlaceMeaning]] = []

    public init(gazetteer: Gazetteer) {
        for province in gazetteer.provinces {
            for name in Self.provinceForms(province.name) {
                add(name, PlaceMeaning(level: .province, code: province.code, cityCode: 0, provinceCode: province.code))
            }
        }
        for city in gazetteer.cities {
            let meaning = PlaceMeaning(level: .city, code: city.code, cityCode: city.code, provinceCode: city.provinceCode)
            for name in Self.cityForms(city.nameCN) { add(name, meaning) }
        }
        for county in gazetteer.counties {
            let meaning = PlaceMeaning(level: .county, code: county.code, cityCode: county.cityCode, provinceCode: county.code / 10000 * 10000)
            for name in Self.countyForms(county.name) { add(name, meaning) }
        }
        for name in gazetteer.outsideMainlandNames {
            add(name, PlaceMeaning(level: .outsideMainland, code: 0, cityCode: 0, provinceCode: 0))
        }
    }

    private mutating func add(_ name: String, _ meaning: PlaceMeaning) {
        var node = 0
        for byte in name.utf8 {
            if let next = children[node][byte] {
                node = Int(next)
            } else {
                children.append([:])
                meaningsAt.append(-1)
                let created = Int32(children.count - 1)
                children[node][byte] = created
                node = Int(created)
            }
        }
        if meaningsAt[node] < 0 {
            meanings.append([])
            meaningsAt[node] = Int32(meanings.count - 1)
        }
        if !meanings[Int(meaningsAt[node])].contains(meaning) { meanings[Int(meaningsAt[node])].append(meaning) }
    }

    /// A place name found in a text.
    public struct Match: Sendable {
        public var range: Range<Int>
        public var meanings: [PlaceMeaning]
    }

    /// Scans left to right, taking the longest known name at each position
    /// and continuing after it ("巴彦淖尔市" is one name, not 巴彦 + ...).
    public func matches(in text: String) -> [Match] {
        let bytes = Array(text.utf8)
        var found: [Match] = []
        var position = 0
        while position < bytes.count {
            var node = 0
            var longest: (end: Int, meanings: Int32)?
            var probe = position
            while probe < bytes.count, let next = children[node][bytes[probe]] {
                node = Int(next)
                probe += 1
                if meaningsAt[node] >= 0, probe == bytes.count || bytes[probe] & 0xC0 != 0x80 {
                    longest = (probe, meaningsAt[node])
                }
            }
            if let longest {
                found.append(Match(range: position..<longest.end, meanings: meanings[Int(longest.meanings)]))
                position = longest.end
            } else {
                position += 1
                while position < bytes.count && bytes[position] & 0xC0 == 0x80 { position += 1 }
            }
        }
        return found
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
