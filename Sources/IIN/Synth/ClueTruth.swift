import Foundation

/// What a clue the generator writes must give, decided from the source
/// tables alone and never by asking the geocoder: so the truth file can
/// catch a geocoding error instead of agreeing with it by construction.
///
/// - Names: every written form (full, and short as the contract lists
///   them) of every province, city, county-level unit of 2020 and former
///   unit of 2000-2020 (cities.csv, counties.csv, history.csv) is counted
///   with the 2020 cities it can mean; a form names a city only when it
///   can mean that city alone and is no province's.
/// - Codes: the areacodes crosswalk (`synth/areacodes-result.csv`, a copy
///   of result.csv) read directly, one step: a code with one use, out of
///   use, whose every successor is a 2020 unit with that one use names
///   those units' cities; one city is a clear code, several a split.
///
/// It shares no code with `PlaceNameIndex`, `PlaceReader`, `Crosswalk` or
/// `AdministrativeCodes`.
struct ClueTruth: Sendable {
    /// Each written form and the 2020 cities it can mean.
    private var meanings: [String: Set<Int>] = [:]
    private var provinceForms: Set<String> = []
    /// Each written form and the county-level units it can mean, each with
    /// its city: unit 0 for a former unit split between units, -1 where the
    /// form names a city.
    private var countyMeanings: [String: [(unit: Int, city: Int)]] = [:]
    /// Every form, and the words read before places, to keep brands clear.
    private var allForms: Set<String> = []

    /// A code of a former unit, its years, and the 2020 cities its area
    /// went to.
    struct FormerCode: Sendable {
        var code: Int
        var start: Int
        var end: Int
        var cities: Set<Int>
        /// The one county-level unit of 2020 its area went to, if one.
        var county: Int?
    }
    /// Per 2020 city, former codes that name it alone, and those split
    /// between it and others.
    private(set) var clearCodes: [Int: [FormerCode]] = [:]
    private(set) var splitCodes: [Int: [FormerCode]] = [:]

    static let ethnicGroups = ["蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族",
                               "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "拉祜族", "水族", "东乡族", "纳西族",
                               "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族",
                               "普米族", "塔吉克族", "怒族", "鄂温克族", "保安族", "裕固族", "独龙族", "鄂伦春族", "各族", "哈萨克", "柯尔克孜",
                               "蒙古", "维吾尔", "塔吉克"]

    init(gazetteer: Gazetteer, crosswalkCSV: String) {
        var provinceCities: [Int: Set<Int>] = [:]
        for city in gazetteer.cities { provinceCities[city.provinceCode, default: []].insert(city.code) }
        for province in gazetteer.provinces {
            for form in Self.provinceForms(province.name) {
                provinceForms.insert(form)
                meanings[form, default: []].formUnion(provinceCities[province.code] ?? [])
            }
        }
        for city in gazetteer.cities {
            for form in Self.forms(city.nameCN, prefectureLevel: true) { meanings[form, default: []].insert(city.code) }
        }
        for county in gazetteer.counties {
            for form in Self.forms(county.name, prefectureLevel: false) { meanings[form, default: []].insert(county.cityCode) }
        }
        for unit in gazetteer.history {
            for form in Self.forms(unit.name, prefectureLevel: unit.code % 100 == 0) { meanings[form, default: []].formUnion(unit.cities) }
        }
        allForms = Set(meanings.keys).union(gazetteer.outsideMainlandNames).union(["中国", "中华人民共和国", "在"])
        for county in gazetteer.counties {
            for form in Self.forms(county.name, prefectureLevel: false) { countyMeanings[form, default: []].append((county.code, county.cityCode)) }
        }
        for city in gazetteer.cities {
            for form in Self.forms(city.nameCN, prefectureLevel: true) { countyMeanings[form, default: []].append((-1, city.code)) }
        }
        for unit in gazetteer.history {
            let prefectureLevel = unit.code % 100 == 0
            if prefectureLevel || (unit.code / 100) % 100 == 90 {
                for form in Self.forms(unit.name, prefectureLevel: true) { countyMeanings[form, default: []] += unit.cities.map { (-1, $0) } }
            }
            if !prefectureLevel {
                for form in Self.forms(unit.name, prefectureLevel: false) { countyMeanings[form, default: []] += unit.cities.map { (unit.county ?? 0, $0) } }
            }
        }

        var countyCity: [Int: Int] = [:]
        for city in gazetteer.cities { countyCity[city.code] = city.code }
        for county in gazetteer.counties { countyCity[county.code] = county.cityCode }
        readCrosswalk(crosswalkCSV, units2020: countyCity)
    }

    /// The city a written form names alone, if any. A municipality's name
    /// is its province's too, and names it.
    func city(named form: String) -> Int? {
        guard let cities = meanings[form], cities.count == 1 else { return nil }
        if provinceForms.contains(form) && !Gazetteer.municipalityCodes.contains(cities.first!) { return nil }
        return cities.first
    }

    func cityCount(named form: String) -> Int { meanings[form]?.count ?? 0 }

    /// The county-level unit a written form names inside a city, if it
    /// names one there and no city.
    func county(named form: String, in city: Int) -> Int? {
        let here = (countyMeanings[form] ?? []).filter { $0.city == city }
        guard let first = here.first, first.unit > 0, here.allSatisfy({ $0.unit == first.unit }) else { return nil }
        return first.unit
    }

    /// True when a known place name opens the text, so a brand would read
    /// as a place.
    func opensWithPlace(_ text: String) -> Bool {
        let characters = Array(text)
        return (1...max(1, characters.count)).contains { allForms.contains(String(characters.prefix($0))) }
    }

    private mutating func readCrosswalk(_ text: String, units2020: [Int: Int]) {
        var rowsPerCode: [Int: [[Substring]]] = [:]
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 9, let code = Int(fields[0]) else { continue }
            rowsPerCode[code, default: []].append(fields)
        }
        for (code, rows) in rowsPerCode where rows.count == 1 && units2020[code] == nil && code % 100 != 0 {
            let fields = rows[0]
            guard fields[5] == "弃用", let start = Int(fields[6]), let end = Int(fields[7]), start <= 2015, !fields[8].isEmpty else { continue }
            // Only successors with one use, still in use: a reused code
            // (511421 was 垫江县 of 涪陵 before it was 仁寿县) is left out.
            let successors = fields[8].split(separator: ";").map { Int($0.prefix(6)) }.map { code in
                code.flatMap { rowsPerCode[$0]?.count == 1 && rowsPerCode[$0]![0][5] == "在用" ? $0 : nil }
            }
            let cities = successors.map { $0.flatMap { units2020[$0] } }
            guard cities.allSatisfy({ $0 != nil }) else { continue }
            let units = Set(successors.map { $0! })
            let county = units.count == 1 && units.first! % 100 != 0 ? units.first : nil
            let former = FormerCode(code: code, start: start, end: end, cities: Set(cities.map { $0! }), county: county)
            for city in former.cities {
                if former.cities.count == 1 { clearCodes[city, default: []].append(former) } else { splitCodes[city, default: []].append(former) }
            }
        }
        for city in clearCodes.keys { clearCodes[city]!.sort { $0.code < $1.code } }
        for city in splitCodes.keys { splitCodes[city]!.sort { $0.code < $1.code } }
    }

    // MARK: - Written forms, as the contract lists them

    static func stripEthnic(_ name: String) -> String {
        var place = name
        while let group = ethnicGroups.filter({ place.hasSuffix($0) && place.count > $0.count + 1 }).max(by: { $0.count < $1.count }) {
            place = String(place.dropLast(group.count))
        }
        return place
    }

    static func provinceForms(_ name: String) -> [String] {
        for suffix in ["特别行政区", "自治区", "省", "市"] where name.hasSuffix(suffix) {
            return [name, stripEthnic(String(name.dropLast(suffix.count)))]
        }
        return [name]
    }

    /// Full name and short forms: without 市/地区/盟/林区/县/旗 (two
    /// characters left at least), an autonomous unit as place + 州/县/旗
    /// and the place alone; districts (区) have no short form.
    static func forms(_ name: String, prefectureLevel: Bool) -> [String] {
        for suffix in ["自治州", "自治县", "自治旗"] where name.hasSuffix(suffix) {
            let place = stripEthnic(String(name.dropLast(3)))
            return place.count >= 2 ? [name, place + String(suffix.last!), place] : [name]
        }
        let suffixes = prefectureLevel ? ["地区", "林区", "盟", "市", "县"] : ["县", "市", "旗"]
        for suffix in suffixes where name.hasSuffix(suffix) && name.count - suffix.count >= 2 {
            return [name, String(name.dropLast(suffix.count))]
        }
        return [name]
    }
}
