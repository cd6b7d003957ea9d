/// What the administrative code inside a credit code says.
public enum CreditCodeReading: Sendable, Equatable {
    case city(Int)
    case empty
    /// Neither an 18-character unified social credit code nor a 15-digit
    /// registration number.
    case notACode
    /// An 18-character code whose check character (GB 32100-2015) is wrong:
    /// its other characters cannot be trusted either.
    case wrongCheckCharacter
    case provinceLevel(Int)
    case national
    case createdAfter2020(Int)
    case unknown(Int)
    /// Maps through the crosswalk to several 2020 cities.
    case split(Int, cities: [Int])

    public var answer: PlaceAnswer {
        switch self {
        case let .city(code): return .city(code)
        case let .split(_, cities): return .none(candidates: cities)
        default: return .none(candidates: [])
        }
    }

    public var explanation: String {
        switch self {
        case let .city(code): return "administrative code maps to \(code)"
        case .empty: return "empty"
        case .notACode: return "not an 18-character credit code or a 15-digit registration number"
        case .wrongCheckCharacter: return "wrong check character (GB 32100-2015): code not used"
        case let .provinceLevel(code): return "administrative code \(code) is province level"
        case .national: return "administrative code 100000 is national"
        case let .createdAfter2020(code): return "administrative code \(code) was created after 2020"
        case let .unknown(code): return "administrative code \(code) was never in force"
        case let .split(code, cities): return "administrative code \(code) maps to \(cities.count) cities (\(cities.map(String.init).joined(separator: ", ")))"
        }
    }
}

/// Every county- and city-level code in force at some time from 2000 to
/// 2020, mapped through the historical crosswalk to its 2020 city; as a
/// flat table over all six-digit codes, since every side with a credit
/// code looks one up.
public struct AdministrativeCodes: Sendable {
    private static let unknown: Int32 = 0
    private static let split: Int32 = -1
    private static let after2020: Int32 = -2
    private var table: [Int32]
    private var splits: [Int: [Int]] = [:]

    public init(gazetteer: Gazetteer) {
        table = [Int32](repeating: Self.unknown, count: 1_000_000)
        var cities: [Int: Set<Int>] = [:]
        for city in gazetteer.cities { cities[city.code, default: []].insert(city.code) }
        for county in gazetteer.counties { cities[county.code, default: []].insert(county.cityCode) }
        for unit in gazetteer.history where !unit.createdAfter2020 { cities[unit.code, default: []].formUnion(unit.cities) }
        for (code, set) in cities {
            if set.count == 1 {
                table[code] = Int32(set.first!)
            } else {
                table[code] = Self.split
                splits[code] = set.sorted()
            }
        }
        for unit in gazetteer.history where unit.createdAfter2020 && table[unit.code] == Self.unknown {
            table[unit.code] = Self.after2020
        }
    }

    public func reading(code: Int) -> CreditCodeReading {
        if code == 100000 { return .national }
        if code % 10000 == 0 { return .provinceLevel(code) }
        switch table[code] {
        case Self.unknown: return .unknown(code)
        case Self.split: return .split(code, cities: splits[code] ?? [])
        case Self.after2020: return .createdAfter2020(code)
        case let city: return .city(Int(city))
        }
    }

    /// Reads a credit code field: characters 3-8 of a unified social credit
    /// code whose check character is right, or the first six digits of a
    /// 15-digit registration number. Lower-case letters and surrounding
    /// spaces are tolerated.
    public func read(_ bytes: UnsafeBufferPointer<UInt8>) -> CreditCodeReading {
        var start = 0, end = bytes.count
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        let length = end - start
        if length == 0 { return .empty }
        if length == 15 {
            var code = 0
            for position in start..<end {
                let digit = Int(bytes[position]) - 48
                guard digit >= 0 && digit <= 9 else { return .notACode }
                if position < start + 6 { code = code * 10 + digit }
            }
            return reading(code: code)
        }
        guard length == 18 else { return .notACode }
        var sum = 0
        var code = 0
        for offset in 0..<18 {
            var byte = bytes[start + offset]
            if byte >= 0x61 && byte <= 0x7A { byte -= 0x20 }
            let value = Int(Self.characterValues[Int(byte)])
            guard value >= 0 else { return .notACode }
            if offset < 17 {
                sum += value * CreditCode.weights[offset]
                if offset >= 2 && offset < 8 {
                    guard value <= 9 else { return .notACode }
                    code = code * 10 + value
                }
            } else if value != (31 - sum % 31) % 31 {
                return .wrongCheckCharacter
            }
        }
        return reading(code: code)
    }

    public func read(_ text: String) -> CreditCodeReading {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { read(UnsafeBufferPointer($0)) }
    }

    /// Value of each byte in the USCC alphabet, or -1.
    private static let characterValues: [Int8] = {
        var values = [Int8](repeating: -1, count: 256)
        for (value, character) in CreditCode.alphabet.enumerated() { values[Int(character.asciiValue!)] = Int8(value) }
        return values
    }()
}
