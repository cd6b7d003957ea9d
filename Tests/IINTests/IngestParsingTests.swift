import Foundation
import Testing
@testable import IIN

@Suite("Enterprise keys and paid-in capital")
struct IngestParsingTests {
    /// Keys equal Python's unicodedata NFKC byte for byte, half-width
    /// katakana with voiced marks included.
    @Test func keysMatchPythonUnicodedata() throws {
        let table = try CSVTable.read(TestSupport.fixtures.appendingPathComponent("ingest/nfkc-keys/names.csv"))
        #expect(table.rows.count >= 50)
        for row in table.rows {
            let key = EnterpriseKey.make(bytes: Array(row[0].utf8))
            #expect(key == Array(row[1].utf8), "\(row[0]): \(String(decoding: key, as: UTF8.self)) != \(row[1])")
        }
    }

    @Test func fastPathAgreesWithTheFullNormalisation() {
        var random = SeededRandom(seed: 3)
        let pieces = ["深", "圳", "华", "兴", "a", "Z", "9", " ", "\t", "(", ")", "-", "一", "龥", "（", "）", "Ａ", "ｚ", "０", "！", "～", "\u{3000}"]
        for _ in 0..<500 {
            let name = (0..<random.below(12)).map { _ in random.pick(pieces) }.joined()
            var fast: [UInt8] = []
            #expect(EnterpriseKey.appendFastPath(Array(name.utf8), to: &fast))
            let full = EnterpriseKey.normalizeNFKC(Array(name.utf16))
            let expected = String(decoding: full, as: UTF16.self).unicodeScalars.filter { !$0.properties.isWhitespace }
                .map { $0.value >= 0x61 && $0.value <= 0x7A ? String(UnicodeScalar($0.value - 0x20)!) : String($0) }.joined()
            #expect(fast == Array(expected.utf8), "\(name)")
        }
    }

    @Test(arguments: [
        ("500万元人民币", 500.0, PaidInCapital.Unit.tenThousand, "CNY"), ("100.5万美元", 100.5, .tenThousand, "USD"),
        ("1亿元人民币", 1, .hundredMillion, "CNY"), ("50000元", 50000, .yuan, "CNY"), ("1,000万元", 1000, .tenThousand, "CNY"),
        ("300万人民币", 300, .tenThousand, "CNY"), ("20 万港元", 20, .tenThousand, "HKD"), ("12.5万欧元", 12.5, .tenThousand, "EUR"),
        ("500（万元）", 500, .tenThousand, "CNY"), ("88", 88, .yuan, "CNY"), ("7万日元", 7, .tenThousand, "JPY"),
    ])
    func capitalForms(text: String, amount: Double, unit: PaidInCapital.Unit, currency: String) {
        #expect(PaidInCapital.parse(text) == PaidInCapital(amount: amount, unit: unit, currency: currency))
    }

    @Test(arguments: ["", "-", "—", "/", "无", "不详", "万元", "500万卢布", "abc", ".", "500万元人民币整数"])
    func notCapital(text: String) {
        #expect(PaidInCapital.parse(text) == nil)
    }

    /// Property: the canonical text reads back to the same value, and no
    /// input crashes the parser.
    @Test func capitalRoundTripsAndNeverCrashes() {
        var random = SeededRandom(seed: 8)
        for _ in 0..<2000 {
            let capital = PaidInCapital(amount: Double(random.below(10_000_000)) / Double([1, 10, 100][random.below(3)]),
                                        unit: random.pick(PaidInCapital.Unit.allCases), currency: random.pick(["CNY", "USD", "HKD", "EUR", "JPY", "GBP"]))
            #expect(PaidInCapital.parse(capital.canonicalText) == capital, "\(capital.canonicalText)")
        }
        let pieces = ["1", "0", ".", "万", "亿", "元", "人民币", "美元", ",", " ", "（", "-", "x", "港"]
        for _ in 0..<2000 {
            _ = PaidInCapital.parse((0..<random.below(8)).map { _ in random.pick(pieces) }.joined())
        }
    }

    /// Property: random and mutated date texts never crash the parser, and
    /// every date it accepts in ISO form reads back to its year.
    @Test func datesNeverCrashAndValidDatesRoundTrip() {
        var random = SeededRandom(seed: 12)
        for _ in 0..<3000 {
            let year = 1949 + random.below(77)
            let month = 1 + random.below(12)
            let day = 1 + random.below(31)
            let text = String(format: "%04d-%02d-%02d", year, month, day)
            #expect((DateParser.year(text) != nil) == DateParser.valid(year, month, day), "\(text)")
            if DateParser.year(text) != nil { #expect(DateParser.year(text) == year) }
            var mutated = Array(text.utf8)
            for _ in 0..<random.below(3) {
                mutated[random.below(mutated.count)] = random.pick(Array("0123456789-/.年月日 T:x".utf8))
            }
            _ = DateParser.year(String(decoding: mutated, as: UTF8.self))
        }
    }
}
