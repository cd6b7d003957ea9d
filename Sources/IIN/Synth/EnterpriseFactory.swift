import Foundation

/// A synthetic enterprise and everything a registration record says of it.
struct SyntheticEnterprise: Sendable {
    var name: String
    var cityIndex: Int
    var county: CountyUnit
    var creditCode: String
    var address: String
    /// Branches opened so far, to number the next one.
    var branches = 0
}

/// How a record's region field names its place, and so whether the region
/// alone can resolve it. Written to the truth file.
enum RegionClue: String, Sendable {
    case full, city, cityCounty = "city_county", separated
    /// A county-level name alone: resolvable only if no other city has it.
    case countyUnique = "county_unique", countyAmbiguous = "county_ambiguous"
    case province, empty, outside
}

/// Makes realistic names, credit codes, addresses and region texts from the
/// gazetteer and the township list (mca2025).
struct EnterpriseFactory: Sendable {
    let gazetteer: Gazetteer
    let countiesByCity: [Int: [CountyUnit]]
    let townshipsByCounty: [Int: [String]]
    /// County full names held by more than one city.
    let ambiguousCountyNames: Set<String>
    let shortNames: [Int: String]

    static let brandCharacters = Array("华兴中国恒泰宏盛鑫源金达通瑞德信诚安康福隆昌茂新天宇联合盈创智汇科海润博远嘉豪丰凯东方明晨星辉光正阳春祥和美佳永久立业成长青松云峰启航远景博雅宏图卓越精工众志协力兴邦富民")
    static let industries = ["科技", "实业", "投资", "贸易", "建设", "电子", "机械", "化工", "物流", "房地产开发", "医药", "食品", "纺织", "能源", "环保",
                             "信息技术", "网络科技", "生物科技", "新材料", "汽车销售", "农业发展", "文化传媒", "教育咨询", "餐饮管理", "酒店管理",
                             "供应链管理", "资产管理", "电力", "矿业", "建材", "旅游开发", "健康产业", "智能装备", "商务咨询", "物业管理"]
    static let suffixes = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
    static let roads = ["人民路", "建设路", "中山路", "解放路", "科技路", "工业大道", "长江路", "和平路", "新华路", "光明街", "文化路", "胜利路", "滨河路", "创业大道"]

    init(gazetteer: Gazetteer, townships: CSVTable) {
        self.gazetteer = gazetteer
        var byCity: [Int: [CountyUnit]] = [:]
        var citiesOfName: [String: Set<Int>] = [:]
        for county in gazetteer.counties {
            byCity[county.cityCode, default: []].append(county)
            citiesOfName[county.name, default: []].insert(county.cityCode)
        }
        countiesByCity = byCity
        ambiguousCountyNames = Set(citiesOfName.filter { $0.value.count > 1 }.map(\.key))
        var towns: [Int: [String]] = [:]
        for row in townships.rows { if let code = Int(row[0]) { towns[code, default: []].append(row[1]) } }
        townshipsByCounty = towns
        shortNames = Self.shortNames(gazetteer)
    }

    /// The customary short form ("深圳", "黔东南州") of each city, or the
    /// full name where the short form is also a county or county-level city
    /// elsewhere ("甘南" is a prefecture and a county of Qiqihar), so that a
    /// `city` clue always names exactly one city. Districts have no short
    /// forms (see PlaceNameIndex), so "西安" stays Xi'an.
    static func shortNames(_ gazetteer: Gazetteer) -> [Int: String] {
        var result: [Int: String] = [:]
        for city in gazetteer.cities {
            let forms = PlaceNameIndex.cityForms(city.nameCN)
            guard forms.count > 1 else { result[city.code] = city.nameCN; continue }
            let short = forms[1]
            let clashes = gazetteer.counties.contains { county in
                county.cityCode != city.code && county.name.count == short.count + 1 && county.name.hasPrefix(short)
                    && ["县", "市", "旗"].contains(String(county.name.suffix(1)))
            } || gazetteer.provinces.contains { $0.name.hasPrefix(short) }
            result[city.code] = clashes ? city.nameCN : short
        }
        return result
    }

    func cityShortName(_ city: City) -> String { shortNames[city.code] ?? city.nameCN }

    func brand(_ random: inout SeededRandom) -> String {
        let length = random.chance(0.7) ? 2 : 3
        return String((0..<length).map { _ in random.pick(Self.brandCharacters) })
    }

    func makeEnterprise(cityIndex: Int, year: Int, _ random: inout SeededRandom) -> SyntheticEnterprise {
        let city = gazetteer.cities[cityIndex]
        let counties = countiesByCity[city.code] ?? [CountyUnit(code: city.code, name: city.nameCN, cityCode: city.code)]
        let county = random.pick(counties)
        let brand = brand(&random)
        let industry = random.pick(Self.industries)
        let suffix = random.pick(Self.suffixes)
        let short = cityShortName(city)
        let name: String
        switch random.below(10) {
        case 0...5: name = short + brand + industry + suffix
        case 6: name = brand + industry + "(" + short + ")" + suffix
        case 7: name = brand + industry + "（" + short + "）" + suffix
        default: name = brand + industry + suffix
        }
        let creditCode = random.chance(0.12) ? "" : (year < 2015 && random.chance(0.3) ? registrationNumber(county: county, &random) : unifiedCode(county: county, &random))
        return SyntheticEnterprise(name: name, cityIndex: cityIndex, county: county, creditCode: creditCode, address: address(city: city, county: county, &random))
    }

    func unifiedCode(county: CountyUnit, _ random: inout SeededRandom) -> String {
        let characters = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        var organisation = String((0..<8).map { _ in characters[random.below(10)] })
        organisation.append(CreditCode.organisationCheck(organisation) ?? "0")
        let first17 = "91" + String(county.code) + organisation
        return first17 + String(CreditCode.checkCharacter(first17) ?? "0")
    }

    func registrationNumber(county: CountyUnit, _ random: inout SeededRandom) -> String {
        String(county.code) + String((0..<9).map { _ in Character(String(random.below(10))) })
    }

    func address(city: City, county: CountyUnit, _ random: inout SeededRandom) -> String {
        let province = gazetteer.province(code: city.provinceCode)?.name ?? ""
        let cityPart = city.level == .municipality ? "" : (city.code == county.code ? "" : city.nameCN)
        let town = townshipsByCounty[county.code].map { random.pick($0) } ?? ""
        let countyPart = county.code == city.code ? "" : county.name
        return province + cityPart + countyPart + town + random.pick(Self.roads) + String(1 + random.below(300)) + "号"
    }

    /// A region text for the enterprise's city in a randomly chosen form.
    func region(for enterprise: SyntheticEnterprise, _ random: inout SeededRandom) -> (String, RegionClue) {
        let city = gazetteer.cities[enterprise.cityIndex]
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
            guard hasCounty, city.level != .municipality || !ambiguousCountyNames.contains(county.name) else { return (city.nameCN, .city) }
            return (county.name, ambiguousCountyNames.contains(county.name) ? .countyAmbiguous : .countyUnique)
        case ..<0.96:
            return (province, city.level == .municipality ? .full : .province)
        default:
            return ("", .empty)
        }
    }
}
