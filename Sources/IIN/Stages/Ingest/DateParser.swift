/// Reads the year of an investment date in any of the contract's forms:
/// `YYYY-M-D`, `YYYY/M/D`, `YYYY.M.D`, `YYYYMMDD`, `YYYY年M月D日`,
/// `YYYY年M月`, `YYYY年`, `YYYY-M`, `YYYY`, and the dashed or slashed forms
/// followed by a time. An impossible calendar date is no date.
public enum DateParser {
    /// The year, or nil when the text is no valid date in a known form.
    public static func year(_ text: String) -> Int? {
        var copy = text
        return copy.withUTF8 { year(bytes: $0) }
    }

    public static func year(bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var start = 0
        var end = bytes.count
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        return parse(Cursor(bytes: bytes, index: start, end: end))
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static let yearMark: [UInt8] = Array("年".utf8)
    private static let monthMark: [UInt8] = Array("月".utf8)
    private static let dayMark: [UInt8] = Array("日".utf8)

    private static func parse(_ start: Cursor) -> Int? {
        var cursor = start
        guard let year = cursor.number(minDigits: 4, maxDigits: 4) else { return nil }
        if cursor.atEnd { return year }
        // YYYYMMDD
        if cursor.remaining == 4, let month = cursor.number(minDigits: 2, maxDigits: 2), let day = cursor.number(minDigits: 2, maxDigits: 2) {
            return valid(year, month, day) ? year : nil
        }
        if cursor.consume(yearMark) {
            if cursor.atEnd { return valid(year, 1, 1) ? year : nil }
            guard let month = cursor.number(minDigits: 1, maxDigits: 2), cursor.consume(monthMark) else { return nil }
            if cursor.atEnd { return valid(year, month, 1) ? year : nil }
            guard let day = cursor.number(minDigits: 1, maxDigits: 2), cursor.consume(dayMark), cursor.atEnd else { return nil }
            return valid(year, month, day) ? year : nil
        }
        guard let separator = cursor.next(), separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/") || separator == UInt8(ascii: ".") else {
            return nil
        }
        guard let month = cursor.number(minDigits: 1, maxDigits: 2) else { return nil }
        if cursor.atEnd {
            return separator == UInt8(ascii: "-") && valid(year, month, 1) ? year : nil
        }
        guard cursor.consume([separator]), let day = cursor.number(minDigits: 1, maxDigits: 2) else { return nil }
        guard valid(year, month, day) else { return nil }
        if cursor.atEnd { return year }
        // A time after the dashed or slashed forms.
        guard separator != UInt8(ascii: "."), let mark = cursor.next(), mark == UInt8(ascii: " ") || mark == UInt8(ascii: "T") else { return nil }
        return cursor.time() ? year : nil
    }

    static func valid(_ year: Int, _ month: Int, _ day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index: Int
        let end: Int

        var atEnd: Bool { index >= end }
        var remaining: Int { end - index }

        mutating func next() -> UInt8? {
            guard index < end else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func number(minDigits: Int, maxDigits: Int) -> Int? {
            var value = 0
            var digits = 0
            while index < end, digits < maxDigits, DateParser.isDigit(bytes[index]) {
                value = value * 10 + Int(bytes[index] - 0x30)
                digits += 1
                index += 1
            }
            return digits >= minDigits ? value : nil
        }

        mutating func consume(_ mark: [UInt8]) -> Bool {
            guard remaining >= mark.count, bytes[index..<(index + mark.count)].elementsEqual(mark) else { return false }
            index += mark.count
            return true
        }

        /// `H:MM`, `HH:MM`, optionally `:SS` and a fraction.
        mutating func time() -> Bool {
            guard let hour = number(minDigits: 1, maxDigits: 2), hour < 24, consume([UInt8(ascii: ":")]),
                  let minute = number(minDigits: 2, maxDigits: 2), minute < 60 else { return false }
            if atEnd { return true }
            guard consume([UInt8(ascii: ":")]), let second = number(minDigits: 2, maxDigits: 2), second < 61 else { return false }
            if atEnd { return true }
            guard consume([UInt8(ascii: ".")]), number(minDigits: 1, maxDigits: 9) != nil else { return false }
            return atEnd
        }
    }
}
