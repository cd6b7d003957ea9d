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
/// gazetteer and the township list (mca2025). Whether a text names its city
/// unambiguously is decided with the geocoder's own name index, so the
/// truth file's "clear" means: some field names the city, by the contract.
struct EnterpriseFactory: Sendable {
    let gazetteer: Gazetteer
    let reader: PlaceReader
    let codes: AdministrativeCodes
    let countiesByCity: [Int: [CountyUnit]]
    let townshipsByCounty: [Int: [String]]
    /// County full names that alone do not name their city.
    let ambiguousCountyNames: Set<String>
    /// Counties whose names alone are ambiguous, to make sides whose only
    /// clues are ambiguous.
    let ambiguousCounties: [CountyUnit]
    let shortNames: [Int: String]
    /// Per city, names it had from 2000 to 2020 and no longer has, with the
    /// years they were in force.
    let historicalNames: [Int: [HistoricalUnit]]
    /// Per city, historical county-level codes mapping to it alone.
    let historicalCodes: [Int: [HistoricalUnit]]

    static let brandCharacters = Array("华兴中国恒泰宏盛鑫源金达通瑞德信诚安康福隆昌茂新天宇联合盈创智汇科海润博远嘉豪丰凯东方明晨星辉光正阳春祥和美佳永久立业成长青松云峰启航远景博雅宏图卓越精工众志协力兴邦富民")
    static let industries = ["科技", "实业", "投资", "贸易", "建设", "电子", "机械", "化工", "物流", "房地产开发", "医药", "食品", "纺织", "能源", "环保",
                             "信息技术", "网络科技", "生物科技", "新材料", "汽车销售", "农业发展", "文化传媒", "教育咨询", "餐饮管理", "酒店管理",
                             "供应链管理", "资产管理", "电力", "矿业", "建材", "旅游开发", "健康产业", "智能装备", "商务咨询", "物业管理"]
    static let suffixes = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
    static let roads = ["人民路", "建设路", "中山路", "解放路", "科技路", "工业大道", "长江路", "和平路", "新华路", "光明街", "文化路", "胜利路", "滨河路", "创业大道"]

    init(gazetteer: Gazetteer, townships: CSVTable) {
        self.gazetteer = gazetteer
        let reader = PlaceReader(gazetteer: gazetteer)
        self.reader = reader
        codes = AdministrativeCodes(gazetteer: gazetteer)
        var byCity: [Int: [CountyUnit]] = [:]
        var ambiguous: [CountyUnit] = []
        for county in gazetteer.counties {
            byCity[county.cityCode, default: []].append(county)
            if county.code != county.cityCode, reader.read(county.name) != .city(county.cityCode) { ambiguous.append(county) }
        }
        countiesByCity = byCity
        ambiguousCounties = ambiguous.filter { if case let .none(candidates) = reader.read($0.name) { return candidates.count > 1 } else { return false } }
        ambiguousCountyNames = Set(ambiguous.map(\.name))
        var towns: [Int: [String]] = [:]
        for row in townships.rows { if let code = Int(row[0]) { towns[code, default: []].append(row[1]) } }
        townshipsByCounty = towns
        var names: [Int: [HistoricalUnit]] = [:]
        var codes: [Int: [HistoricalUnit]] = [:]
        for unit in gazetteer.history where unit.cities.count == 1 {
            if unit.code % 100 == 0, reader.read(unit.name) == .city(unit.cities[0]) { names[unit.cities[0], default: []].append(unit) }
            if unit.code % 100 != 0 { codes[unit.cities[0], default: []].append(unit) }
        }
        historicalNames = names
        historicalCodes = codes
        var short: [Int: String] = [:]
        for city in gazetteer.cities {
            let forms = PlaceNameIndex.cityForms(city.nameCN)
            short[city.code] = forms.count > 1 && reader.read(forms[1]) == .city(city.code) ? forms[1] : city.nameCN
        }
        shortNames = short
    }

    func cityShortName(_ city: City) -> String { shortNames[city.code] ?? city.nameCN }

    /// True when the text opens with a place name the geocoder knows, so a
    /// made-up brand ("东方", "永康", "安康") would read as a place.
    func opensWithPlace(_ text: String) -> Bool {
        var trace: [Range<Int>]? = []
        _ = reader.read(text, trace: &trace)
        return !(trace ?? []).isEmpty
    }

    /// Two or three brand characters that do not open with a place name.
    func brand(_ random: inout SeededRandom) -> String {
        while true {
            let length = random.chance(0.7) ? 2 : 3
            let brand = String((0..<length).map { _ in random.pick(Self.brandCharacters) })
            if !opensWithPlace(brand + "科技") { return brand }
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
        var creditCode = ""
        var codeIsClear = false
        if !random.chance(0.12) {
            if year < 2015 && random.chance(0.3) {
                // A registration number carries the code its registry had then.
                let old = (historicalCodes[city.code] ?? []).filter { $0.firstYear <= year && year <= $0.lastYear }
                let code = !old.isEmpty && random.chance(0.5) ? random.pick(old).code : county.code
                creditCode = registrationNumber(code: code, &random)
            } else {
                creditCode = unifiedCode(code: county.code, &random)
                // A mistyped code: its check character no longer fits.
                if random.chance(0.01) { creditCode = String(creditCode.dropLast()) + (creditCode.last == "0" ? "1" : "0") }
            }
            codeIsClear = codes.read(creditCode) == .city(city.code)
        }
        let (address, addressIsClear) = address(city: city, county: county, &random)
        return SyntheticEnterprise(name: name, cityIndex: cityIndex, county: county, creditCode: creditCode, address: address,
                                   codeIsClear: codeIsClear, addressIsClear: addressIsClear, nameIsClear: nameIsClear)
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
                                    codeIsClear: false, addressIsClear: false, nameIsClear: false), county.name)
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

    /// An address: mostly province, city, county, township and street;
    /// sometimes without the province, or the county alone, or none.
    func address(city: City, county: CountyUnit, _ random: inout SeededRandom) -> (String, Bool) {
        let province = gazetteer.province(code: city.provinceCode)?.name ?? ""
        let cityPart = city.level == .municipality ? "" : city.nameCN
        let town = townshipsByCounty[county.code].map { random.pick($0) } ?? ""
        let countyPart = county.code == city.code ? "" : county.name
        let street = town + random.pick(Self.roads) + String(1 + random.below(300)) + "号"
        let roll = random.unit()
        if roll < 0.03 { return ("", false) }
        if roll < 0.08 && !countyPart.isEmpty {
            return (countyPart + street, reader.read(countyPart) == .city(city.code))
        }
        if roll < 0.20 && city.level != .municipality {
            return (city.nameCN + countyPart + street, true)
        }
        return (province + cityPart + countyPart + street, true)
    }

    /// A region text for the enterprise's city in a randomly chosen form.
    func region(for enterprise: SyntheticEnterprise, year: Int, _ random: inout SeededRandom) -> (String, RegionClue) {
        let city = gazetteer.cities[enterprise.cityIndex]
        let former = (historicalNames[city.code] ?? []).filter { $0.firstYear <= year && year <= $0.lastYear }
        if !former.isEmpty && random.chance(0.5) {
            let name = random.pick(former).name
            let province = gazetteer.province(code: city.provinceCode)?.name ?? ""
            return (random.chance(0.5) ? province + name : name, .historical)
        }
        let province = gazetteer.province(code: city.provinceCode)?.name ?? ""
        let county = enterprise.county
        let hasCounty = county.code != city.code
        let roll = random.unit()
        switch roll {
        case ..<0.40:
            if city.level == .municipality { return (city.nameCN + (hasCounty ? county.name : ""), .full) }
            return (province + city.nameCN + (random.chance(0.3) && hasCounty ? county.name : ""), .full)
        case ..<0.62:
            return (random.chance(0.5) ? city.nameCN : cityShortName(city), .city)
        case ..<0.77:
            return (city.nameCN + (hasCounty ? county.name : ""), .cityCounty)
        case ..<0.87:
            let parts = city.level == .municipality ? [city.nameCN, county.name] : [province, city.nameCN, county.name]
            return (parts.joined(separator: "-"), .separated)
        case ..<0.93:
            guard hasCounty else { return (city.nameCN, .city) }
            return (county.name, ambiguousCountyNames.contains(county.name) ? .countyAmbiguous : .countyUnique)
        case ..<0.96:
            return (province, city.level == .municipality ? .full : .province)
        default:
            return ("", .empty)
        }
    }
}
