/// Paid-in capital as registered: an amount in a unit and a currency
/// ("500万元人民币" is 500 in 万元, CNY; "100.5万美元" is 100.5 in 万, USD).
/// Kept with each record so a later analysis may weight links by it; no
/// exchange rate is applied.
public struct PaidInCapital: Sendable, Equatable, Hashable {
    public enum Unit: String, Sendable, CaseIterable {
        case yuan = "元"
        case tenThousand = "万元"
        case hundredMillion = "亿元"

        var multiplierCharacter: String {
            switch self {
            case .yuan: return ""
            case .tenThousand: return "万"
            case .hundredMillion: return "亿"
            }
        }
    }

    /// The amount as written, in `unit`.
    public var amount: Double
    public var unit: Unit
    /// ISO 4217 code.
    public var currency: String

    public init(amount: Double, unit: Unit, currency: String) {
        self.amount = amount
        self.unit = unit
        self.currency = currency
    }

    /// Currency words and their codes, longest first so "港元" is not read
    /// as "元".
    static let currencies: [(word: String, code: String)] = [
        ("元人民币", "CNY"), ("人民币元", "CNY"), ("人民币", "CNY"), ("美元", "USD"), ("港元", "HKD"), ("港币", "HKD"), ("欧元", "EUR"),
        ("日元", "JPY"), ("英镑", "GBP"), ("澳元", "AUD"), ("加元", "CAD"), ("新加坡元", "SGD"), ("瑞士法郎", "CHF"), ("韩元", "KRW"),
        ("新台币", "TWD"), ("澳门元", "MOP"), ("元", "CNY"),
    ].sorted { $0.word.count > $1.word.count }

    static let currencyWords: [String: String] = ["CNY": "元人民币", "USD": "美元", "HKD": "港元", "EUR": "欧元", "JPY": "日元", "GBP": "英镑",
                                                   "AUD": "澳元", "CAD": "加元", "SGD": "新加坡元", "CHF": "瑞士法郎", "KRW": "韩元",
                                                   "TWD": "新台币", "MOP": "澳门元"]

    /// Reads a paid-in capital text. Nil for empty, "-" and other
    /// placeholders, and for text that is not an amount (never a guess).
    /// A bare number is taken as 元 in CNY.
    public static func parse(_ text: String) -> PaidInCapital? {
        var copy = text
        return copy.withUTF8 { parse(bytes: $0) }
    }

    /// The canonical spelling, which `parse` reads back to the same value.
    public var canonicalText: String {
        var number = String(amount)
        if number.hasSuffix(".0") { number.removeLast(2) }
        return number + unit.multiplierCharacter + (Self.currencyWords[currency] ?? "元" + currency)
    }
}
