import Foundation
import IIN

/// Derives the two history files from areacodes (CC0):
///
/// - `history.csv`: every division name in force at some time from 2000 to
///   2020 (the yearly tables `data/YYYY.txt`) that is not in the 2020
///   table, with the 2020 cities now holding its area, for the name index;
/// - `codes.csv`: every code of the crosswalk (`result.csv`, 1981 on) that
///   is not in the 2020 table, with its 2020 cities and the chain that led
///   there, for credit codes: registration numbers were issued from the
///   1980s, so their codes are of every era.
///
/// Both follow `Crosswalk`; the rules are in docs/gazetteer.md.
enum HistoryDerivation {
    static let window = 2000...2020

    struct Output {
        var historyCSV: String
        var codesCSV: String
    }

    static func derive(sharedData: URL, countyCities: [Int: Int], cityCodes: Set<Int>) throws(IINError) -> Output {
        var tables: [Int: [Int: String]] = [:]
        for year in window {
            tables[year] = try readTable(sharedData.appendingPathComponent("areacodes/data/\(year).txt"))
        }
        let current = tables[window.upperBound]!
        var units2020: [Int: Int] = [:]
        for code in current.keys {
            units2020[code] = cityCodes.contains(code) ? code : countyCities[code] ?? 0
        }
        let crosswalk = try Crosswalk(resultCSV: sharedData.appendingPathComponent("areacodes/result.csv"), units2020: units2020)

        struct Key: Hashable {
            var code: Int
            var name: String
        }
        // A name that a unit of 2020 still carries, inside the area the old
        // unit went to, means that unit (和县 341424 is 340523 和县 of
        // Ma'anshan now), as a code of the 2020 table means its unit: the name
        // carried on there. Only at the same level: the prefecture 巢湖市 is
        // not Hefei's county-level 巢湖市.
        struct NameAtLevel: Hashable {
            var province: Int
            var prefectureLevel: Bool
            var name: String
            init(_ code: Int, _ name: String) { (province, prefectureLevel, self.name) = (code / 10000, code % 100 == 0, name) }
        }
        var currentNames: [NameAtLevel: Set<Int>] = [:]
        for (code, name) in current where code % 10000 != 0 {
            currentNames[NameAtLevel(code, name), default: []].insert(units2020[code] ?? 0)
        }
        var firstLast: [Key: (Int, Int)] = [:]
        for year in window {
            for (code, name) in tables[year]! where code % 10000 != 0 && current[code] != name {
                let key = Key(code: code, name: name)
                firstLast[key] = (firstLast[key]?.0 ?? year, year)
            }
        }
        var resolved: [Key: Crosswalk.Resolution] = [:]
        for (key, years) in firstLast {
            let resolution = crosswalk.resolve(code: key.code, name: key.name, since: years.0)
            if let carriers = currentNames[NameAtLevel(key.code, key.name)], !carriers.isDisjoint(with: resolution.cities) { continue }
            resolved[key] = resolution
        }
        // The county a former unit stands for: the one county-level unit of
        // 2020 its area went to; empty for a split or a prefecture.
        func county(_ resolution: Crosswalk.Resolution) -> String {
            guard resolution.units.count == 1, let unit = resolution.units.first, countyCities[unit] != nil else { return "" }
            return String(unit)
        }
        var history = [CSVWriter.line(["code", "name", "first_year", "last_year", "cities", "county"])]
        for (key, years) in firstLast.sorted(by: { ($0.key.code, $0.value.0, $0.key.name) < ($1.key.code, $1.value.0, $1.key.name) }) {
            guard let resolution = resolved[key] else { continue }
            history.append(CSVWriter.line([String(key.code), key.name, String(years.0), String(years.1), joined(resolution.cities),
                                           key.code % 100 == 0 ? "" : county(resolution)]))
        }

        var codes = [CSVWriter.line(["code", "name", "first_year", "last_year", "cities", "county", "chain"])]
        for code in crosswalk.allCodes where current[code] == nil {
            let uses = crosswalk.uses[code] ?? []
            let latest = uses.max { $0.start < $1.start }!
            let first = uses.map(\.start).min()!
            let last = uses.contains { $0.end == nil } ? "" : String(uses.compactMap(\.end).max()! - 1)
            let resolution = crosswalk.resolve(code: code)
            codes.append(CSVWriter.line([String(code), latest.name, String(first), last,
                                         Crosswalk.firstUsedAfter2020(uses) ? "" : joined(resolution.cities),
                                         Crosswalk.firstUsedAfter2020(uses) || code % 100 == 0 ? "" : county(resolution),
                                         resolution.steps.joined(separator: " | ")]))
        }
        return Output(historyCSV: history.joined(), codesCSV: codes.joined())
    }

    private static func joined(_ cities: Set<Int>) -> String { cities.sorted().map(String.init).joined(separator: ";") }

    static func readTable(_ url: URL) throws(IINError) -> [Int: String] {
        let text = String(decoding: try FileBytes.read(url), as: UTF8.self)
        var table: [Int: String] = [:]
        for (offset, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\u{FEFF}")))
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 6, let code = Int(parts[0]) else {
                throw IINError.gazetteer(file: url.path, row: offset + 1, problem: "expected 'CODE NAME', found '\(trimmed)'")
            }
            table[code] = String(parts[1])
        }
        return table
    }
}
