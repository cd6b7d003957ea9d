import Foundation

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
    /// A province other than the four municipalities, whose province level
    /// is their city level.
    case provinceLevel(Int)
    case national
    case createdAfter2020(Int)
    /// In the crosswalk, but its chain reaches no 2020 city.
    case noSuccessor(Int)
    /// In no yearly table and no row of the crosswalk.
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

    /// A division code as written, with its leading zeros (000000).
    static func sixDigits(_ code: Int) -> String {
        let digits = String(code)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    public var explanation: String {
        switch self {
        case let .city(code): return "administrative code maps to \(code)"
        case .empty: return "empty"
        case .notACode: return "not an 18-character credit code or a 15-digit registration number"
        case .wrongCheckCharacter: return "wrong check character (GB 32100-2015): code not used"
        case let .provinceLevel(code): return "administrative code \(Self.sixDigits(code)) is province level"
        case .national: return "administrative code 100000 is national"
        case let .createdAfter2020(code): return "administrative code \(Self.sixDigits(code)) was first used after 2020"
        case let .noSuccessor(code): return "administrative code \(Self.sixDigits(code)) leads to no 2020 city in the crosswalk"
        case let .unknown(code): return "administrative code \(Self.sixDigits(code)) was never in force"
        case let .split(code, cities): return "administrative code \(code) maps to \(cities.count) cities (\(cities.map(String.init).joined(separator: ", ")))"
        }
    }
}

/// Every six-digit division code of any era mapped to its 2020 city: a
/// code of the 2020 table is that unit's city (a municipality's province
/// code is the municipality), any other goes where the crosswalk led it
/// (`codes.csv`, docs/gazetteer.md). A flat table over all six-digit codes,
/// since every side with a credit code looks one up.
public struct AdministrativeCodes: Sendable {
    private static let unknown: Int32 = 0
    private static let split: Int32 = -1
    private static let noSuccessor: Int32 = -2
    private static let province: Int32 = -3
    private static let after2020: Int32 = -4
    private var table: [Int32]
    private var splits: [Int: [Int]] = [:]
    private var chains: [Int: String] = [:]

    public init(gazetteer: Gazetteer) {
        table = [Int32](repeating: Self.unknown, count: 1_000_000)
        for province in gazetteer.provinces where province.code % 10000 == 0 && province.code < 1_000_000 {
            table[province.code] = Self.province
        }
        for city in gazetteer.cities { table[city.code] = Int32(city.code) }
        for county in gazetteer.counties { table[county.code] = Int32(county.cityCode) }
        for code in gazetteer.historicalCodes where table[code.code] == Self.unknown {
            switch code.cities.count {
            case 0: table[code.code] = code.firstYear > 2020 ? Self.after2020 : Self.noSuccessor
            case 1: table[code.code] = Int32(code.cities[0])
            default:
                table[code.code] = Self.split
                splits[code.code] = code.cities
            }
            chains[code.code] = code.chain
        }
    }

    public func reading(code: Int) -> CreditCodeReading {
        if code == 100000 { return .national }
        guard code >= 0 && code < table.count else { return .unknown(code) }
        switch table[code] {
        case Self.unknown: return code % 10000 == 0 && code >= 110000 ? .provinceLevel(code) : .unknown(code)
        case Self.province: return .provinceLevel(code)
        case Self.split: return .split(code, cities: splits[code] ?? [])
        case Self.noSuccessor: return .noSuccessor(code)
        case Self.after2020: return .createdAfter2020(code)
        case let city: return .city(Int(city))
        }
    }

    /// How a code reached its answer, step by step: the crosswalk chain of
    /// a code no longer in force, or the 2020 table.
    public func chain(code: Int) -> [String] {
        if let chain = chains[code] { return chain.components(separatedBy: " | ") }
        guard code >= 0 && code < table.count, table[code] != Self.unknown else { return [] }
        if table[code] == Self.province { return ["\(code) is a province of the 2020 table"] }
        return ["\(code) is in the 2020 table -> \(table[code])"]
    }

    /// What a credit code field holds before its code is looked up.
    enum Field {
        case empty, notACode, wrongCheckCharacter
        case divisionCode(Int)
    }

    /// Reads a credit code field: characters 3-8 of a unified social credit
    /// code whose check character is right, or the first six digits of a
    /// 15-digit registration number. Lower-case letters and surrounding
    /// spaces are tolerated.
    @inline(__always)
    public func read(_ bytes: UnsafeBufferPointer<UInt8>) -> CreditCodeReading {
        switch Self.field(bytes) {
        case .empty: return .empty
        case .notACode: return .notACode
        case .wrongCheckCharacter: return .wrongCheckCharacter
        case let .divisionCode(code): return reading(code: code)
        }
    }

    /// The six-digit division code a credit code field carries, if it is
    /// a credit code with a right check character (for explanations).
    public func divisionCode(_ text: String) -> Int? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            if case let .divisionCode(code) = Self.field(UnsafeBufferPointer(buffer)) { return code }
            return nil
        }
    }

    @inline(__always)
    static func field(_ bytes: UnsafeBufferPointer<UInt8>) -> Field {
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
            return .divisionCode(code)
        }
        guard length == 18 else { return .notACode }
        var sum = 0
        var code = 0
        for offset in 0..<18 {
            var byte = bytes[start + offset]
            if byte >= 0x61 && byte <= 0x7A { byte -= 0x20 }
            let value = Int(characterValues[Int(byte)])
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
        return .divisionCode(code)
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
