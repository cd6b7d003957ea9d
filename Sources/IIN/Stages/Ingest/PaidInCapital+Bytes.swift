extension PaidInCapital {
    private static let tenThousandMark = Array("万".utf8)
    private static let hundredMillionMark = Array("亿".utf8)
    private static let currencyMarks: [(bytes: [UInt8], code: String)] = currencies.map { (Array($0.word.utf8), $0.code) }
    private static let renminbi = Array("人民币".utf8)
    private static let yuanMark = Array("元".utf8)
    private static let ignorable: [[UInt8]] = ["，", "（", "）", "\u{3000}"].map { Array($0.utf8) }

    /// `parse` on UTF-8 bytes without building a `String`: the ingest hot path.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> PaidInCapital? {
        if bytes.isEmpty { return nil }
        // Most texts ("500万元人民币") have nothing to drop: read them in place.
        var needsCleaning = false
        for byte in bytes where byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == UInt8(ascii: ",")
            || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == 0xEF || byte == 0xE3 {
            needsCleaning = true
            break
        }
        if !needsCleaning { return parseClean(Array(bytes)) }
        // Drop white space, thousands separators and brackets first.
        var clean: [UInt8] = []
        clean.reserveCapacity(bytes.count)
        var index = 0
        outer: while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") {
                index += 1
                continue
            }
            if byte >= 0x80 {
                for mark in ignorable where index + mark.count <= bytes.count && mark.indices.allSatisfy({ bytes[index + $0] == mark[$0] }) {
                    index += mark.count
                    continue outer
                }
            }
            clean.append(byte)
            index += 1
        }
        return parseClean(clean)
    }

    /// Reads amount, unit and currency from text with nothing left to drop.
    private static func parseClean(_ clean: [UInt8]) -> PaidInCapital? {
        var position = 0
        var amount = 0.0
        var digits = 0
        var fraction = 0.0
        var inFraction = false
        while position < clean.count {
            let byte = clean[position]
            if byte >= 0x30 && byte <= 0x39 {
                if inFraction {
                    fraction /= 10
                    amount += Double(byte - 0x30) * fraction
                } else {
                    amount = amount * 10 + Double(byte - 0x30)
                }
                digits += 1
            } else if byte == UInt8(ascii: "."), !inFraction {
                inFraction = true
                fraction = 1
            } else {
                break
            }
            position += 1
        }
        guard digits > 0, amount.isFinite else { return nil }
        // Exactly as the String parser reads it, so both agree to the bit.
        if inFraction, let exact = Double(String(decoding: clean[0..<position], as: UTF8.self)) { amount = exact }
        func starts(_ mark: [UInt8], at offset: Int) -> Bool {
            offset + mark.count <= clean.count && mark.indices.allSatisfy { clean[offset + $0] == mark[$0] }
        }
        var unit = Unit.yuan
        if starts(tenThousandMark, at: position) {
            unit = .tenThousand
            position += tenThousandMark.count
        } else if starts(hundredMillionMark, at: position) {
            unit = .hundredMillion
            position += hundredMillionMark.count
        }
        if position == clean.count { return PaidInCapital(amount: amount, unit: unit, currency: "CNY") }
        for (mark, code) in currencyMarks where starts(mark, at: position) {
            let after = position + mark.count
            if after == clean.count { return PaidInCapital(amount: amount, unit: unit, currency: code) }
            if code == "CNY" && (clean.count - after == renminbi.count && starts(renminbi, at: after) || clean.count - after == yuanMark.count && starts(yuanMark, at: after)) {
                return PaidInCapital(amount: amount, unit: unit, currency: code)
            }
            return nil
        }
        return nil
    }
}
