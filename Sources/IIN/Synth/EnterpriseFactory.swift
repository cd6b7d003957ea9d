import Foundation

/// A synthetic enterprise and everything a registration record says of it.
struct SyntheticEnterprise: Sendable {
    var name: String
    var cityIndex: Int
    var county: CountyUnit
    var creditCode: String
    var address: String
    /// Which of its fields name its city unambiguously (the region field is
    /// judged per record): the credit code, the address, the name.
    var codeIsClear: Bool
    var addressIsClear: Bool
    var nameIsClear: Bool
    /// The county-level unit the credit code and the address name inside
    /// the enterprise's city, where they name one (`ClueTruth`).
    var codeCounty: Int? = nil
    var addressCounty: Int? = nil
    /// Branches opened so far, to number the next one.
    var branches = 0
}

/// How a record's region field names its place, and so whether the region
/// alone can resolve it. Written to the truth file.
enum RegionClue: String, Sendable {
    case full, city, cityCounty = "city_county", separated
    /// A name the city had in the record's year and no longer has (襄樊市).
    case historical
    /// A county-level name alone: resolvable only if no other city has it.
    case countyUnique = "county_unique", countyAmbiguous = "county_ambiguous"
    case province, empty, outside

    var isClear: Bool { [.full, .city, .cityCounty, .separated, .historical, .countyUnique].contains(self) }
}

/// Makes realistic names, credit codes, addresses and region texts from the
/// gazetteer, the township list (mca2025) and the areacodes crosswalk.
/// Whether a clue names its city is decided by `ClueTruth` from the source
/// tables, never by the geocoder, so the truth file can catch its errors.
struct EnterpriseFactory: Sendable {
    let gazetteer: Gazetteer
    let truth: ClueTruth
    let countiesByCity: [Int: [CountyUnit]]
    let townshipsByCounty: [Int: [String]]
    /// County full names that alone do not name their city.
    let ambiguousCountyNames: Set<String>
    /// Counties whose names alone fit several cities, to make sides whose
    /// only clues are ambiguous.
    let ambiguousCounties: [CountyUnit]
    let shortNames: [Int: String]
    /// Per city, names it had from 2000 to 2020 and no longer has, with the
    /// years they were in force.
    let historicalNames: [Int: [HistoricalUnit]]

    static let brandCharacters = Array("华兴中国恒泰宏盛鑫源金达通瑞德信诚安康福隆昌茂新天宇联合盈创智汇科海润博远嘉豪丰凯东方明晨星辉光正阳春祥和美佳永久立业成长青松云峰启航远景博雅宏图卓越精工众志协力兴邦富民")
    static let industries = ["科技", "实业", "投资", "贸易", "建设", "电子", "机械", "化工", "物流", "房地产开发", "医药", "食品", "纺织", "能源", "环保",
                             "信息技术", "网络科技", "生物科技", "新材料", "汽车销售", "农业发展", "文化传媒", "教育咨询", "餐饮管理", "酒店管理",
                             "供应链管理", "资产管理", "电力", "矿业", "建材", "旅游开发", "健康产业", "智能装备", "商务咨询", "物业管理"]
    static let suffixes = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
    static let roads = ["人民路", "建设路", "中山路", "解放路", "科技路", "工业大道", "长江路", "和平路", "新华路", "光明街", "文化路", "胜利路", "滨河路", "创业大道"]
    /// Streets named after other places, as every large city has them; a
    /// street word after the place makes it a street.
    static let streetPlaces = ["北京", "上海", "天津", "南京", "杭州", "黄山", "丹东", "青岛", "长沙", "西安", "成都", "武汉", "广州", "深圳", "昆明",
                               "福州", "厦门", "济南", "郑州", "太原", "沈阳", "大连", "长春", "合肥", "南昌", "兰州", "宁波", "苏州", "无锡", "延安"]
    static let streetWords = ["路", "东路", "西路", "南路", "北路", "中路", "街", "大街", "北大街", "大道", "一路", "二路", "巷", "胡同", "里"]
    static let labels = ["注册地址：", "注册地址:", "地址：", "住所：", "住所:", "总部：", "经营场所：", "在"]
    static let addressSeparators = ["；", ";", "/", "、", "营销总部：", "研发中心："]
    /// Provinces with a free-trade zone written 中国（X）自由贸易试验区.
    static let freeTradeZones: [Int: String] = [310000: "上海", 440000: "广东", 120000: "天津", 350000: "福建", 210000: "辽宁", 330000: "浙江",
                                                410000: "河南", 420000: "湖北", 500000: "重庆", 510000: "四川", 610000: "陕西", 370000: "山东"]

    init(gazetteer: Gazetteer, townships: CSVTable, crosswalkCSV: String) {
        self.gazetteer = gazetteer
        let truth = ClueTruth(gazetteer: gazetteer, crosswalkCSV: crosswalkCSV)
        self.truth = truth
        var byCity: [Int: [CountyUnit]] = [:]
        var ambiguous: [CountyUnit] = []
        for county in gazetteer.counties {
            byCity[county.cityCode, default: []].append(county)
            if county.code != county.cityCode, truth.city(named: county.name) != county.cityCode { ambiguous.append(county) }
        }
        countiesByCity = byCity
        ambiguousCounties = ambiguous.filter { truth.cityCount(named: $0.name) > 1 }
        ambiguousCountyNames = Set(ambiguous.map(\.name))
        var towns: [Int: [String]] = [:]
        for row in townships.rows { if let code = Int(row[0]) { towns[code, default: []].append(row[1]) } }
        townshipsByCounty = towns
        var names: [Int: [HistoricalUnit]] = [:]
        for unit in gazetteer.history where unit.cities.count == 1 && unit.code % 100 == 0 && truth.city(named: unit.name) == unit.cities[0] {
            names[unit.cities[0], default: []].append(unit)
        }
        historicalNames = names
        var short: [Int: String] = [:]
        for city in gazetteer.cities {
            let forms = ClueTruth.forms(city.nameCN, prefectureLevel: true)
            short[city.code] = forms.count > 1 && truth.city(named: forms[1]) == city.code ? forms[1] : city.nameCN
        }
        shortNames = short
    }

    func cityShortName(_ city: City) -> String { shortNames[city.code] ?? city.nameCN }

    /// Two or three brand characters that do not open with a place name.
    func brand(_ random: inout SeededRandom) -> String {
        while true {
            let length = random.chance(0.7) ? 2 : 3
            let brand = String((0..<length).map { _ in random.pick(Self.brandCharacters) })
            // A brand that opens with a place name ("东方", "永康", "安康")
            // would read as that place.
            if !truth.opensWithPlace(brand + "科技") { return brand }
        }
    }

    func makeEnterprise(cityIndex: Int, year: Int, _ random: inout SeededRandom) -> SyntheticEnterprise {
        let city = gazetteer.cities[cityIndex]
        let counties = countiesByCity[city.code] ?? [CountyUnit(code: city.code, name: city.nameCN, cityCode: city.code)]
        return makeEnterprise(cityIndex: cityIndex, county: random.pick(counties), year: year, &random)
    }

    func makeEnterprise(cityIndex: Int, county: CountyUnit, year: Int, _ random: inout SeededRandom) -> SyntheticEnterprise {
        let city = gazetteer.cities[cityIndex]
        let brand = brand(&random)
        let industry = random.pick(Self.industries)
        let suffix = random.pick(Self.suffixes)
        let short = cityShortName(city)
        let name: String
        let nameIsClear: Bool
        switch random.below(10) {
        case 0...5: (name, nameIsClear) = (short + brand + industry + suffix, true)
        case 6: (name, nameIsClear) = (brand + industry + "(" + short + ")" + suffix, true)
        case 7: (name, nameIsClear) = (brand + industry + "（" + short + "）" + suffix, true)
        default: (name, nameIsClear) = (brand + industry + suffix, false)
        }
        let (creditCode, codeIsClear, codeCounty) = creditCode(city: city, county: county, year: year, &random)
        let (address, addressIsClear, addressCounty) = address(city: city, county: county, &random)
        return SyntheticEnterprise(name: name, cityIndex: cityIndex, county: county, creditCode: creditCode, address: address,
                                   codeIsClear: codeIsClear, addressIsClear: addressIsClear, nameIsClear: nameIsClear, codeCounty: codeCounty,
                                   addressCounty: addressCounty)
    }

    /// An enterprise whose every field is ambiguous or empty: a county name
    /// several cities have, in the region and the address, no credit code,
    /// no place in its name. It must not be given a city.
    func makeAmbiguousEnterprise(year: Int, _ random: inout SeededRandom) -> (SyntheticEnterprise, String) {
        let county = random.pick(ambiguousCounties)
        let cityIndex = gazetteer.cities.firstIndex { $0.code == county.cityCode }!
        let town = townshipsByCounty[county.code].map { random.pick($0) } ?? ""
        let address = county.name + town + random.pick(Self.roads) + String(1 + random.below(300)) + "号"
        let name = brand(&random) + random.pick(Self.industries) + random.pick(Self.suffixes)
        return (SyntheticEnterprise(name: name, cityIndex: cityIndex, county: county, creditCode: "", address: address,
                                    codeIsClear: false, addressIsClear: false, nameIsClear: false,
                                    addressCounty: truth.county(named: county.name, in: county.cityCode)), county.name)
    }

    func unifiedCode(code: Int, _ random: inout SeededRandom) -> String {
        let characters = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        var organisation = String((0..<8).map { _ in characters[random.below(10)] })
        organisation.append(CreditCode.organisationCheck(organisation) ?? "0")
        let first17 = "91" + String(code) + organisation
        return first17 + String(CreditCode.checkCharacter(first17) ?? "0")
    }

    func registrationNumber(code: Int, _ random: inout SeededRandom) -> String {
        String(code) + String((0..<9).map { _ in Character(String(random.below(10))) })
    }

    /// A credit code and whether it names the city: mostly a unified code
    /// of the enterprise's county; before 2015 often a 15-digit
    /// registration number, which carries the code its registry had then,
    /// of any era (a 1990s code out of use since, or one split between
    /// cities, which names none); a municipality's own province-level code;
    /// sometimes a mistyped check character; 12% none. Also the county it
    /// names: the enterprise's, a former code's one successor unit, none
    /// for a city's own code, a split or a mistyped code.
    func creditCode(city: City, county: CountyUnit, year: Int, _ random: inout SeededRandom) -> (String, Bool, Int?) {
        if random.chance(0.12) { return ("", false, nil) }
        var code = county.code
        var clear = true
        var namedCounty: Int? = county.code == city.code ? nil : county.code
        if Gazetteer.municipalityCodes.contains(city.code) && random.chance(0.05) { (code, namedCounty) = (city.code, nil) }
        if year < 2015 && random.chance(0.3) {
            let former = (truth.clearCodes[city.code] ?? []).filter { $0.start <= year }
            let split = (truth.splitCodes[city.code] ?? []).filter { $0.start <= year }
            let roll = random.unit()
            if !split.isEmpty && roll < 0.04 {
                let picked = random.pick(split)
                (code, clear, namedCounty) = (picked.code, false, nil)
            } else if !former.isEmpty && roll < 0.5 {
                let picked = random.pick(former)
                (code, namedCounty) = (picked.code, picked.county)
            }
            return (registrationNumber(code: code, &random), clear, namedCounty)
        }
        var unified = unifiedCode(code: code, &random)
        if random.chance(0.01) {
            // A mistyped code: its check character no longer fits.
            unified = String(unified.dropLast()) + (unified.last == "0" ? "1" : "0")
            (clear, namedCounty) = (false, nil)
        }
        return (unified, clear, namedCounty)
    }

    /// A street: an everyday one, or one named after another place.
    func street(_ random: inout SeededRandom) -> String {
        random.chance(0.3) ? placeNamedStreet(&random) : random.pick(Self.roads) + String(1 + random.below(300)) + "号"
    }

    /// A street named after a place (`长春巷12号`): alone it names no city.
    func placeNamedStreet(_ random: inout SeededRandom) -> String {
        random.pick(Self.streetPlaces) + random.pick(Self.streetWords) + String(1 + random.below(300)) + "号"
    }

    /// An address: mostly province, city, county, township and street;
    /// sometimes without the province, or the county alone, or a street
    /// alone, or none; some behind a label or a free-trade-zone prefix,
    /// some followed by a second address of the same or another city.
    /// Also the county it names in the city: its first address's, or a
    /// second one's in the same city; none when the two differ.
    func address(city: City, county: CountyUnit, _ random: inout SeededRandom) -> (String, Bool, Int?) {
        let (main, clear, full, namesCounty) = plainAddress(city: city, county: county, &random)
        var namedCounty = namesCounty ? truth.county(named: county.name, in: city.code) : nil
        var text = main
        if full && random.chance(0.03), let zone = Self.freeTradeZones[city.provinceCode] {
            let cityPart = city.level == .municipality ? "" : city.nameCN
            let countyPart = county.code == city.code ? "" : county.name
            text = "中国（" + zone + "）自由贸易试验区" + cityPart + countyPart + street(&random)
        }
        var isClear = clear
        if full && random.chance(0.03) {
            let separator = random.pick(Self.addressSeparators)
            if random.chance(0.5) {
                let second = random.pick(countiesByCity[city.code] ?? [county])
                text += separator + fullAddress(city: city, county: second, &random)
                let secondCounty = second.code == city.code ? nil : truth.county(named: second.name, in: city.code)
                if namedCounty == nil { namedCounty = secondCounty } else if let secondCounty, secondCounty != namedCounty { namedCounty = nil }
            } else {
                // Another city's address: the field names two cities.
                let other = gazetteer.cities[random.below(gazetteer.cities.count)]
                if other.code != city.code {
                    text += separator + fullAddress(city: other, county: random.pick(countiesByCity[other.code] ?? [county]), &random)
                    isClear = false
                }
            }
        }
        if !text.isEmpty && random.chance(0.05) { text = random.pick(Self.labels) + text }
        return (text, isClear, namedCounty)
    }

    /// Province (but for municipalities), city, county, township, street.
    func fullAddress(city: City, county: CountyUnit, _ random: inout SeededRandom) -> String {
        let province = gazetteer.province(code: city.provinceCode)?.name ?? ""
        let cityPart = city.level == .municipality ? "" : city.nameCN
        let countyPart = county.code == city.code ? "" : county.name
        let town = townshipsByCounty[county.code].map { random.pick($0) } ?? ""
        return province + cityPart + countyPart + town + street(&random)
    }

    /// The address, whether it names the city, whether it opens with the
    /// province (or municipality) and city, and whether it writes the county.
    private func plainAddress(city: City, county: CountyUnit, _ random: inout SeededRandom) -> (String, Bool, Bool, Bool) {
        let town = townshipsByCounty[county.code].map { random.pick($0) } ?? ""
        let countyPart = county.code == city.code ? "" : county.name
        let roll = random.unit()
        if roll < 0.03 { return ("", false, false, false) }
        if roll < 0.05 { return (placeNamedStreet(&random), false, false, false) }
        if roll < 0.10 && !countyPart.isEmpty {
            return (countyPart + town + street(&random), truth.city(named: countyPart) == city.code, false, true)
        }
        if roll < 0.22 && city.level != .municipality {
            return (city.nameCN + countyPart + town + street(&random), truth.city(named: city.nameCN) == city.code, false, !countyPart.isEmpty)
        }
        return (fullAddress(city: city, county: county, &random), true, true, !countyPart.isEmpty)
    }

    /// A region text for the enterprise's city in a randomly chosen form.
    /// Also whether it writes the enterprise's county.
    func region(for enterprise: SyntheticEnterprise, year: Int, _ random: inout SeededRandom) -> (String, RegionClue, Bool) {
        let city = gazetteer.cities[enterprise.cityIndex]
        let former = (historicalNames[city.code] ?? []).filter { $0.firstYear <= year && year <= $0.lastYear }
        if !former.isEmpty && random.chance(0.5) {
            let name = random.pick(former).name
            let province = gazetteer.province(code: city.provinceCode)?.name ?? ""
            return (random.chance(0.5) ? province + name : name, .historical, false)
        }
        let province = gazetteer.province(code: city.provinceCode)?.name ?? ""
        let county = enterprise.county
        let hasCounty = county.code != city.code
        let roll = random.unit()
        switch roll {
        case ..<0.40:
            if city.level == .municipality { return (city.nameCN + (hasCounty ? county.name : ""), .full, hasCounty) }
            let withCounty = random.chance(0.3) && hasCounty
            return (province + city.nameCN + (withCounty ? county.name : ""), .full, withCounty)
        case ..<0.62:
            return (random.chance(0.5) ? city.nameCN : cityShortName(city), .city, false)
        case ..<0.77:
            return (city.nameCN + (hasCounty ? county.name : ""), .cityCounty, hasCounty)
        case ..<0.87:
            let parts = city.level == .municipality ? [city.nameCN, county.name] : [province, city.nameCN, county.name]
            return (parts.joined(separator: "-"), .separated, hasCounty)
        case ..<0.93:
            guard hasCounty else { return (city.nameCN, .city, false) }
            return (county.name, ambiguousCountyNames.contains(county.name) ? .countyAmbiguous : .countyUnique, true)
        case ..<0.96:
            return (province, city.level == .municipality ? .full : .province, false)
        default:
            return ("", .empty, false)
        }
    }
}
