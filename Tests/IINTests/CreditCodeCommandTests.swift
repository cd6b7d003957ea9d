import Foundation
import Testing
@testable import IIN

/// `iin geocode --credit-code` on the cases checked by hand against
/// areacodes' result.csv: the municipalities' province-level codes, codes
/// that went out of use before 2000, splits, and an abolished prefecture.
@Suite("iin geocode --credit-code, hand-checked")
struct CreditCodeCommandTests {
    struct Case: Sendable, CustomStringConvertible {
        var code: Int
        /// The first line `iin geocode` prints.
        var cityLine: String
        /// Steps of the chain `--explain` must show, in order.
        var chain: [String]
        var description: String { String(code) }
    }

    static let cases: [Case] = [
        Case(code: 110000, cityLine: "city: 110000 北京市 (Beijing)", chain: ["110000 is in the 2020 table -> 110000"]),
        Case(code: 120000, cityLine: "city: 120000 天津市 (Tianjin)", chain: ["120000 is in the 2020 table -> 120000"]),
        Case(code: 310000, cityLine: "city: 310000 上海市 (Shanghai)", chain: ["310000 is in the 2020 table -> 310000"]),
        Case(code: 500000, cityLine: "city: 500000 重庆市 (Chongqing)", chain: ["500000 is in the 2020 table -> 500000"]),
        Case(code: 440000, cityLine: "city: none: no method gave exactly one city", chain: ["administrative code 440000 is province level"]),
        Case(code: 100000, cityLine: "city: none: no method gave exactly one city", chain: ["administrative code 100000 is national"]),
        Case(code: 0, cityLine: "city: none: no method gave exactly one city", chain: ["administrative code 000000 was never in force"]),
        // 蒙城县 under 阜阳, 1996-2000, now 341622 of 亳州.
        Case(code: 341224, cityLine: "city: 341600 亳州市 (Bozhou)",
             chain: ["341224 蒙城县 (1996-1999) -> 341622 [2000]", "341622 is in the 2020 table -> 341600"]),
        // 庆元县 under 丽水地区, 1981-2000, now 331126.
        Case(code: 332525, cityLine: "city: 331100 丽水市 (Lishui)",
             chain: ["332525 庆元县 (1981-1999) -> 331126 [2000]", "331126 is in the 2020 table -> 331100"]),
        // 和县 went to 鸠江区 of Wuhu and 和县 of Ma'anshan.
        Case(code: 341424, cityLine: "city: none: no method gave exactly one city",
             chain: ["maps to 2 cities (340200, 340500)", "341424 和县 (1999-2010) -> 340207 [2011], 340523 [2011]"]),
        // 巢湖 prefecture: its counties went to Hefei, Wuhu and Ma'anshan.
        Case(code: 341400, cityLine: "city: none: no method gave exactly one city",
             chain: ["maps to 3 cities (340100, 340200, 340500)", "341400 巢湖市 (1999-2010) abolished with no successor"]),
        // 莱城区: a share to 钢城区 in 2006, the rest to Jinan's 莱芜区 in 2019.
        Case(code: 371202, cityLine: "city: 370100 济南市 (Jinan)",
             chain: ["371202 莱城区 (1992-2017) -> 371203 [2006], 370116 [2018]", "371203 钢城区 (1992-2017) -> 370117 [2018]"]),
        // A successor reused since: 419001 was 义马市 in 1987-1989 (now 411281
        // of 三门峡) before it was 济源市.
        Case(code: 411219, cityLine: "city: 411200 三门峡市 (Sanmenxia)",
             chain: ["411219 义马市 (1986-1986) -> 419001 [1987]", "419001 义马市 (1987-1989) -> 411281 [1990]", "411281 is in the 2020 table -> 411200"]),
        // 511421 was 垫江县 of 涪陵市 in 1995-1996 (now Chongqing's 500231) before it was 仁寿县.
        Case(code: 512322, cityLine: "city: 500000 重庆市 (Chongqing)",
             chain: ["512322 垫江县 (1981-1994) -> 511421 [1995]", "511421 垫江县 (1995-1996) -> 500231 [1997]", "500231 is in the 2020 table -> 500000"]),
    ]

    static func uscc(_ code: String) -> String {
        let first17 = "91" + code + "MA1K4C5X7"
        return first17 + String(CreditCode.checkCharacter(first17)!)
    }

    @Test(arguments: cases)
    func bothFormsOfTheCodeGiveTheHandCheckedCityAndChain(_ example: Case) throws {
        let project = try TestSupport.scratchProject("credit-code-\(example.code)")
        let code = String(repeating: "0", count: 6 - String(example.code).count) + String(example.code)
        for form in [Self.uscc(code), code + "000123456"] {
            let result = try TestSupport.runIIN(["geocode", "--credit-code", form, "--explain"], in: project)
            #expect(result.status == 0, "\(result.errors)")
            let lines = result.output.split(separator: "\n").map(String.init)
            #expect(lines.first == example.cityLine, "\(form): \(result.output)")
            let detail = try #require(lines.first { $0.contains("credit_code  ") }, "\(result.output)")
            var rest = Substring(detail)
            for step in example.chain {
                guard let found = rest.range(of: step) else {
                    Issue.record("\(form): '\(step)' not in order in: \(detail)")
                    break
                }
                rest = rest[found.upperBound...]
            }
        }
    }
}
