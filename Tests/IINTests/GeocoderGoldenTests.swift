import Foundation
import Testing
@testable import IIN

/// The cases the contract and issue 4 name, one by one: history, ambiguity,
/// every short-form kind, credit codes, and places outside the mainland.
@Suite("Geocoder golden cases")
struct GeocoderGoldenTests {
    static let gazetteer = try! Gazetteer.embedded()
    static let reader = PlaceReader(gazetteer: gazetteer)
    static let names = EnterpriseNameReader(reader: reader)
    static let codes = AdministrativeCodes(gazetteer: gazetteer)

    /// A unified social credit code for an administrative code, with the
    /// right check character (or a wrong one).
    static func uscc(_ code: Int, wrongCheck: Bool = false) -> String {
        let first17 = "91" + String(code) + "MA5G7K2X1"
        let check = CreditCode.checkCharacter(first17)!
        let wrong = CreditCode.alphabet[(CreditCode.alphabet.firstIndex(of: check)! + 1) % 31]
        return first17 + String(wrongCheck ? wrong : check)
    }

    @Test(arguments: [
        ("襄樊市", 420600), ("湖北省襄樊市", 420600), ("襄樊", 420600), ("思茅市", 530800), ("云南思茅", 530800), ("莱芜市", 370100),
        ("山东省莱芜市莱城区", 370100), ("莱城区", 370100),
        // The former Chaohu prefecture's counties, as they went in 2011.
        ("居巢区", 340100), ("安徽省巢湖市居巢区", 340100), ("庐江县", 340100), ("无为县", 340200), ("含山县", 340500), ("和县", 340500),
        // 地区 that became 市.
        ("毕节地区", 520500), ("铜仁地区", 520600), ("海东地区", 630200), ("日喀则地区", 540200), ("吐鲁番地区", 650400), ("哈密地区", 650500),
        ("贵州省毕节地区", 520500), ("毕节", 520500),
    ])
    func historicalNamesResolveToTheirCityOf2020(text: String, city: Int) {
        #expect(Self.reader.read(text) == .city(city), "\(text)")
    }

    /// The former Chaohu prefecture is a split by its code; its name is
    /// also Hefei's county-level 巢湖市, so alone it fits all three, and a
    /// county after it settles it.
    @Test func anAbolishedPrefectureSplitAcrossCitiesIsNoAnswerByItsCode() {
        #expect(Self.codes.read(Self.uscc(341400)) == .split(341400, cities: [340100, 340200, 340500]))
        #expect(Self.reader.read("巢湖市") == .none(candidates: [340100, 340200, 340500]))
        #expect(Self.reader.read("安徽省巢湖市和县") == .city(340500))
    }

    @Test(arguments: [
        ("朝阳区", [110000, 220100]), ("鼓楼区", [320100, 320300, 350100, 410200]), ("和平区", [120000, 210100]),
        ("新华区", [130100, 130900, 410400, 410700, 460100]), ("河北省新华区", [130100, 130900]),
    ])
    func ambiguousNamesAreNoAnswerAndNameTheirCandidates(text: String, candidates: [Int]) {
        #expect(Self.reader.read(text) == .none(candidates: candidates), "\(text)")
    }

    @Test func cityGuanIsAmbiguousAcrossManyCities() {
        guard case let .none(candidates) = Self.reader.read("城关区") else {
            Issue.record("城关区 alone resolved")
            return
        }
        #expect(candidates.count >= 2)
    }

    @Test(arguments: [
        ("吉林省朝阳区", 220100), ("北京市朝阳区", 110000), ("福建省鼓楼区", 350100), ("江苏省徐州市鼓楼区", 320300), ("辽宁省和平区", 210100),
        ("天津市和平区", 120000), ("甘肃省兰州市城关区", 620100), ("河北省石家庄市新华区", 130100),
    ])
    func aProvinceOrCityInTheSameTextPicksOne(text: String, city: Int) {
        #expect(Self.reader.read(text) == .city(city), "\(text)")
    }

    @Test(arguments: [
        // province short + city, city short, municipality alone
        ("广东深圳", 440300), ("深圳", 440300), ("北京", 110000), ("重庆", 500000),
        // autonomous regions, full and short
        ("内蒙古自治区呼和浩特市", 150100), ("内蒙古包头", 150200), ("广西壮族自治区桂林市", 450300), ("宁夏银川", 640100), ("新疆乌鲁木齐", 650100),
        ("西藏拉萨", 540100),
        // autonomous prefectures: full, place + 州, place alone
        ("黔东南苗族侗族自治州", 522600), ("黔东南州", 522600), ("黔东南", 522600), ("延边州", 222400),
        // 地区 and 盟, full and short
        ("阿里地区", 542500), ("阿里", 542500), ("锡林郭勒盟", 152500), ("锡林郭勒", 152500),
        // county-level cities, counties, banners, autonomous counties, short
        ("昆山市", 320500), ("昆山", 320500), ("桐庐", 330100), ("鄂托克前旗", 150600), ("鄂托克前", 150600),
        ("长阳土家族自治县", 420500), ("长阳县", 420500), ("长阳", 420500),
        // directly administered county-level units
        ("湖北省仙桃市", 429004), ("仙桃", 429004), ("济源", 419001),
        // separators and the country's name before the chain
        ("广东-深圳市-南山区", 440300), ("广东省 深圳市", 440300), ("中国(上海)自由贸易试验区", 310000), ("中华人民共和国北京市", 110000),
        // street text after the chain is not read as places
        ("南京市鼓楼区中山路1号", 320100), ("广州市越秀区北京路88号", 440100),
    ])
    func shortAndFullForms(text: String, city: Int) {
        #expect(Self.reader.read(text) == .city(city), "\(text)")
    }

    @Test(arguments: ["广东省", "广东", "吉林", "海南", "甘南", "南宁", "某某路88号", ""])
    func provincesAloneAndContradictionsAreNoAnswer(text: String) {
        #expect(!Self.reader.read(text).isResult, "\(text): \(Self.reader.read(text))")
    }

    @Test(arguments: ["香港", "中国香港", "香港特别行政区", "澳门", "澳门特别行政区", "台湾", "台湾省台北市", "中国台湾", "台北", "美国", "英属维尔京群岛",
                      "开曼群岛", "新加坡", "日本", "韩国", "德国", "英国", "萨摩亚", "百慕大"])
    func outsideTheMainland(text: String) {
        #expect(Self.reader.read(text) == .outsideMainland, "\(text)")
    }

    @Test func creditCodes() {
        #expect(Self.codes.read(Self.uscc(440305)) == .city(440300))
        #expect(Self.codes.read(Self.uscc(440305).lowercased()) == .city(440300))
        #expect(Self.codes.read(Self.uscc(440305, wrongCheck: true)) == .wrongCheckCharacter)
        #expect(Self.codes.read(Self.uscc(371200)) == .city(370100)) // 莱芜, abolished 2019
        #expect(Self.codes.read(Self.uscc(371202)) == .city(370100))
        #expect(Self.codes.read(Self.uscc(420600)) == .city(420600)) // 襄樊 -> 襄阳, same code
        #expect(Self.codes.read(Self.uscc(522401)) == .city(520500)) // 毕节市 of 毕节地区
        #expect(Self.codes.read(Self.uscc(440000)) == .provinceLevel(440000))
        #expect(Self.codes.read(Self.uscc(110000)) == .city(110000)) // a municipality's province level is its city level
        #expect(Self.codes.read("91100000MA5G7K2X1" + String(CreditCode.checkCharacter("91100000MA5G7K2X1")!)) == .national)
        #expect(Self.codes.read(Self.uscc(520581)) == .createdAfter2020(520581)) // 黔西市, 2021
        #expect(Self.codes.read(Self.uscc(999901)) == .unknown(999901))
        #expect(Self.codes.read("") == .empty)
        #expect(Self.codes.read("12345") == .notACode)
    }

    @Test func oldFifteenDigitRegistrationNumbers() {
        #expect(Self.codes.read("440305000123456") == .city(440300))
        #expect(Self.codes.read("371202000654321") == .city(370100))
        #expect(Self.codes.read("341424000111222") == .split(341424, cities: [340200, 340500])) // 和县 of Chaohu: Wuhu and Ma'anshan
        #expect(Self.codes.read("44030500012345X") == .notACode)
    }

    @Test(arguments: [
        ("深圳市华兴科技有限公司", 440300), ("北京华兴科技有限公司", 110000), ("巴彦淖尔市华兴商贸有限公司", 150800), ("昆山市华兴机械有限公司", 320500),
        ("华兴科技(上海)有限公司", 310000), ("华兴科技（上海）有限公司", 310000), ("深圳华兴科技有限公司南京分公司", 320100),
        ("华兴科技(深圳)有限公司南京第2分公司", 320100),
    ])
    func namesGiveTheirOpeningOrBracketedPlace(name: String, city: Int) {
        #expect(Self.names.read(name) == .city(city), "\(name)")
    }

    @Test(arguments: ["广东华兴科技有限公司", "华兴科技有限公司", "深圳华兴科技(上海)有限公司", "深圳华兴科技有限公司第2分公司", "朝阳区华兴科技有限公司"])
    func namesWithoutOneClearPlaceAreNoAnswer(name: String) {
        #expect(!Self.names.read(name).isResult, "\(name): \(Self.names.read(name))")
    }

    @Test func namesFromOutsideTheMainland() {
        #expect(Self.names.read("香港华兴投资有限公司") == .outsideMainland)
        #expect(Self.names.read("华兴投资(香港)有限公司") == .outsideMainland)
    }

    /// The cascade: the first method with one city answers; later ones are
    /// still asked for the disagreement counts.
    @Test func theFirstMethodWithOneCityAnswers() throws {
        let geocoder = Geocoder(gazetteer: Self.gazetteer, methods: try TestSupport.geocodeDefaults().methods)
        let side = PartyText(name: "北京华兴科技有限公司", creditCode: Self.uscc(440305), region: "朝阳区", address: "广东省深圳市南山区科技路1号")
        let outcome = geocoder.resolve(side)
        #expect(outcome.method == .creditCode)
        #expect(outcome.answer == .city(440300))
        #expect(outcome.answers[.region] == 0)
        #expect(outcome.answers[.address] == 440300)
        #expect(outcome.answers[.name] == 110000)

        let wrong = geocoder.resolve(PartyText(name: "华兴科技有限公司", creditCode: Self.uscc(440305, wrongCheck: true), region: "", address: ""))
        #expect(wrong.method == nil)
        #expect(wrong.wrongCheckCharacter)
    }

    @Test func theOrderIsConfigurable() {
        let side = PartyText(name: "北京华兴科技有限公司", creditCode: "", region: "深圳", address: "")
        #expect(Geocoder(gazetteer: Self.gazetteer, methods: [.name, .region]).resolve(side).answer == .city(110000))
        #expect(Geocoder(gazetteer: Self.gazetteer, methods: [.region, .name]).resolve(side).answer == .city(440300))
    }
}
