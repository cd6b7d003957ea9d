import Foundation
import Testing
@testable import IIN
import IINTools

@Suite("Gazetteer")
struct GazetteerTests {
    /// The composition of the 367 cities of the 2020 divisions.
    @Test func compositionCounts() throws {
        let gazetteer = try TestSupport.gazetteer()
        #expect(gazetteer.cities.count == 367)
        var counts: [CityLevel: Int] = [:]
        for city in gazetteer.cities { counts[city.level, default: 0] += 1 }
        #expect(counts == [.municipality: 4, .prefectureCity: 293, .provinceAdministeredCounty: 30,
                           .autonomousPrefecture: 30, .region: 7, .league: 3])
        #expect(Set(gazetteer.cities.map(\.code)).count == 367)
        #expect(gazetteer.provinces.count == 31)
    }

    @Test func everyCityHasNamesAndCoordinatesInChina() throws {
        for city in try TestSupport.gazetteer().cities {
            #expect(!city.nameCN.isEmpty && !city.nameEN.isEmpty, "\(city.code)")
            #expect((73...136).contains(city.longitude) && (3...54).contains(city.latitude), "\(city.code) \(city.nameCN)")
        }
    }

    @Test func customaryEnglishNames() throws {
        let gazetteer = try TestSupport.gazetteer()
        #expect(gazetteer.city(code: 650100)?.nameEN == "Urumqi")
        #expect(gazetteer.city(code: 150100)?.nameEN == "Hohhot")
        #expect(gazetteer.city(code: 540100)?.nameEN == "Lhasa")
        #expect(gazetteer.city(code: 610100)?.nameEN == "Xi'an")
        #expect(gazetteer.city(code: 440300)?.nameEN == "Shenzhen")
    }

    @Test func countiesMapToTheirCities() throws {
        let gazetteer = try TestSupport.gazetteer()
        let byCode = Dictionary(uniqueKeysWithValues: gazetteer.counties.map { ($0.code, $0.cityCode) })
        #expect(byCode[440305] == 440300) // 南山区 -> Shenzhen
        #expect(byCode[110105] == 110000) // 朝阳区 -> Beijing
        #expect(byCode[500233] == 500000) // 忠县 -> Chongqing
        #expect(byCode[429004] == 429004) // 仙桃市 governs itself
        #expect(byCode[320583] == 320500) // 昆山市 -> Suzhou
        #expect(gazetteer.counties.count == 2844)
    }

    @Test func distancesAreGreatCircle() throws {
        let gazetteer = try TestSupport.gazetteer()
        let beijing = try #require(gazetteer.city(code: 110000))
        let shanghai = try #require(gazetteer.city(code: 310000))
        let distance = beijing.distanceKilometres(to: shanghai)
        // Worked by hand from the two cities' cpca coordinates
        // (116.407394, 39.904211 and 121.473662, 31.230372), haversine at
        // R = 6371.0088 km.
        #expect(String(format: "%.3f", distance) == "1067.314", "Beijing-Shanghai, got \(distance)")
        #expect(beijing.distanceKilometres(to: beijing) == 0)
    }

    /// The committed data files are exactly what `iin gazetteer` derives
    /// from the reference data, so every value is traceable to its source.
    @Test func committedDataMatchesItsDerivation() throws {
        guard FileManager.default.fileExists(atPath: TestSupport.sharedData.path) else {
            Issue.record("../shared/data is not beside the repository; cannot check the derivation")
            return
        }
        let resources = TestSupport.repository.appendingPathComponent("Sources/IIN/Resources")
        let derived = try GazetteerDerivation.derive(sharedData: TestSupport.sharedData, curated: resources.appendingPathComponent("gazetteer/curated.csv"))
        #expect(derived.citiesCSV == (try String(contentsOf: resources.appendingPathComponent("gazetteer/cities.csv"), encoding: .utf8)))
        #expect(derived.countiesCSV == (try String(contentsOf: resources.appendingPathComponent("gazetteer/counties.csv"), encoding: .utf8)))
        #expect(derived.townshipsCSV == (try String(contentsOf: resources.appendingPathComponent("synth/townships.csv"), encoding: .utf8)))
        #expect(derived.historyCSV == (try String(contentsOf: resources.appendingPathComponent("gazetteer/history.csv"), encoding: .utf8)))
        #expect(derived.codesCSV == (try String(contentsOf: resources.appendingPathComponent("gazetteer/codes.csv"), encoding: .utf8)))
    }

    /// docs/gazetteer.md's figures for history.csv: 482 pairs, five of them
    /// split between 2020 cities. And each pair checked against the yearly
    /// tables themselves, read here line by line: in force in its first and
    /// last year, and not a pair of the 2020 table.
    @Test func historyHasItsDocumentedCountsAndEachPairIsInTheYearlyTables() throws {
        let history = try CSVTable.read(TestSupport.repository.appendingPathComponent("Sources/IIN/Resources/gazetteer/history.csv"))
        #expect(history.header == ["code", "name", "first_year", "last_year", "cities", "county"])
        #expect(history.rows.count == 482)
        let splits = history.rows.filter { $0[4].contains(";") }.map { "\($0[0]) \($0[1]) \($0[4])" }
        #expect(splits == ["341400 巢湖市 340100;340200;340500", "452100 南宁地区 450100;451400", "452200 柳州地区 450200;451300",
                           "640222 陶乐县 640100;640200", "642200 固原地区 640400;640500"])
        guard FileManager.default.fileExists(atPath: TestSupport.sharedData.path) else {
            Issue.record("../shared/data is not beside the repository; cannot check history.csv against the yearly tables")
            return
        }
        var tables: [Int: Set<String>] = [:]
        func pairs(_ year: Int) throws -> Set<String> {
            if let known = tables[year] { return known }
            let text = try String(contentsOf: TestSupport.sharedData.appendingPathComponent("areacodes/data/\(year).txt"), encoding: .utf8)
            let set = Set(text.split(whereSeparator: \.isNewline).map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") })
            tables[year] = set
            return set
        }
        let cityCodes = Set(try TestSupport.gazetteer().cities.map(\.code))
        for row in history.rows {
            let pair = "\(row[0]) \(row[1])"
            let first = try #require(Int(row[2])), last = try #require(Int(row[3]))
            #expect((2000...2020).contains(first) && first <= last && last < 2020, "\(pair): \(first)-\(last)")
            #expect(try pairs(first).contains(pair) && pairs(last).contains(pair), "\(pair) is not in force in \(first) and \(last)")
            #expect(!(try pairs(2020)).contains(pair), "\(pair) is a 2020 pair")
            #expect(!row[4].isEmpty && row[4].split(separator: ";").allSatisfy { cityCodes.contains(Int($0) ?? 0) }, "\(pair): cities \(row[4])")
        }
    }
}

@Suite("Place reader")
struct PlaceReaderTests {
    static let resolver = try! PlaceReader(gazetteer: Gazetteer.embedded())

    @Test(arguments: [
        ("广东省深圳市南山区", 440300), ("广东深圳", 440300), ("深圳", 440300), ("深圳市", 440300), ("广东-深圳市-南山区", 440300),
        ("吉林省朝阳区", 220100), ("长春市朝阳区", 220100), ("北京市朝阳区", 110000), ("北京", 110000), ("北京市", 110000), ("上海", 310000),
        ("重庆市忠县", 500000), ("昆山市", 320500), ("江苏昆山", 320500), ("黔东南苗族侗族自治州", 522600), ("黔东南州", 522600),
        ("巴彦淖尔市", 150800), ("内蒙古自治区呼和浩特市", 150100), ("湖北省仙桃市", 429004), ("吉林省吉林市", 220200),
        ("辽宁朝阳", 211300), ("西安", 610100), ("天津市河北区", 120000), ("宁河区", 120000), ("广西南宁市", 450100), ("广西壮族自治区桂林", 450300),
    ])
    func resolves(text: String, city: Int) {
        #expect(Self.resolver.read(text) == .city(city), "\(text)")
    }

    /// Ambiguous names and provinces alone are no answer: never a guess.
    @Test(arguments: ["朝阳区", "鼓楼区", "和平区", "新华区", "城关区", "广东省", "广东", "内蒙古", "吉林", "", "某某路88号", "甘南", "海南"])
    func noAnswer(text: String) {
        guard case .none = Self.resolver.read(text) else {
            Issue.record("'\(text)' resolved to \(Self.resolver.read(text)), expected no answer")
            return
        }
    }

    @Test func ambiguityNamesTheCandidates() {
        #expect(Self.resolver.read("朝阳区") == .none(candidates: [110000, 220100]))
    }

    @Test(arguments: ["香港", "中国香港", "香港特别行政区", "澳门", "台湾省台北市", "开曼群岛", "英属维尔京群岛", "美国", "新加坡", "日本", "萨摩亚", "百慕大"])
    func outsideTheMainland(text: String) {
        #expect(Self.resolver.read(text) == .outsideMainland)
    }

    @Test func namesOfEthnicAutonomousCountiesDoNotReadAsCountries() {
        #expect(Self.resolver.read("吉林省延边朝鲜族自治州") == .city(222400))
    }
}
