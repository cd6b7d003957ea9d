import Foundation

/// Derives `history.csv`: every division code and name in force at some
/// time from 2000 to 2020 that is not in the 2020 divisions, each with the
/// 2020 cities that now hold its area; and the codes first created after
/// 2020, so a credit code carrying one can be told apart from a typo.
///
/// Sources (areacodes, CC0): the yearly tables `data/YYYY.txt` say which
/// code had which name in which year; `result.csv` says where the area of
/// each changed or abolished code went (`新代码`). How a successor is chosen
/// is in docs/gazetteer.md ("History").
enum HistoryDerivation {
    static let window = 2000...2020
    static let lastTable = 2024

    struct Change {
        var status: String
        var start: Int
        var end: Int?
        /// Successor codes, each with the year its share of the area moved
        /// (nil: when the record ended).
        var successors: [(code: Int, year: Int?)]
    }

    struct Key: Hashable {
        var code: Int
        var name: String
    }

    static func derive(sharedData: URL, countyCities: [Int: Int], cityCodes: Set<Int>) throws(IINError) -> String {
        var tables: [Int: [Int: String]] = [:]
        for year in window.lowerBound...lastTable {
            tables[year] = try readTable(sharedData.appendingPathComponent("areacodes/data/\(year).txt"))
        }
        let changes = try readChanges(sharedData.appendingPathComponent("areacodes/result.csv"))
        let current = tables[2020]!

        var firstLast: [Key: (Int, Int)] = [:]
        for year in window {
            for (code, name) in tables[year]! where code % 10000 != 0 {
                let key = Key(code: code, name: name)
                firstLast[key] = (firstLast[key]?.0 ?? year, year)
            }
        }

        var memo: [Key: Set<Int>] = [:]
        func cities2020(_ code: Int) -> Set<Int> {
            if cityCodes.contains(code) { return [code] }
            if let city = countyCities[code] { return [city] }
            return []
        }
        func name(of code: Int, near year: Int) -> String? {
            if let name = tables[min(max(year, window.lowerBound), lastTable)]?[code] { return name }
            for candidate in stride(from: min(year, lastTable), through: window.lowerBound, by: -1) {
                if let name = tables[candidate]?[code] { return name }
            }
            return nil
        }
        func resolve(_ key: Key, visiting: Set<Key>) -> Set<Int> {
            if current[key.code] == key.name { return cities2020(key.code) }
            if let known = memo[key] { return known }
            if visiting.contains(key) { return [] }
            let visiting = visiting.union([key])
            var result = Set<Int>()
            let change = changes[key]?.max { ($0.end ?? 9999) < ($1.end ?? 9999) }
            let lastYear = firstLast[key]?.1 ?? change.flatMap { $0.end.map { $0 - 1 } } ?? 2020
            let end = change?.end ?? lastYear + 1
            var successors: [(code: Int, year: Int)] = []
            if let change {
                let final = change.successors.filter { $0.year == nil || $0.year! >= end }
                if change.status == "变更", tables[min(end, lastTable)]?[key.code] != nil {
                    // Renamed in place (襄樊市 -> 襄阳市): the code carries on.
                    successors = [(key.code, end)]
                } else if !final.isEmpty {
                    // A unit that carries on under a new code with its own name
                    // (和县 341424 -> 340523) is where it went; earlier shares
                    // it gave away while it stood do not make it ambiguous.
                    let continuing = final.filter { name(of: $0.code, near: end) == key.name }
                    successors = (continuing.isEmpty ? final : continuing).map { ($0.code, $0.year ?? end) }
                } else {
                    successors = change.successors.map { ($0.code, $0.year ?? end) }
                }
            }
            for successor in successors {
                guard let successorName = name(of: successor.code, near: successor.year) else { continue }
                result.formUnion(resolve(Key(code: successor.code, name: successorName), visiting: visiting))
            }
            if successors.isEmpty && key.code % 100 == 0 {
                // An abolished prefecture (莱芜 371200, 巢湖 341400, 毕节地区
                // 522400) went wherever its counties went.
                let prefix = key.code / 100
                let years = (firstLast[key]?.0 ?? window.lowerBound)...lastYear
                var children = Set<Key>()
                for year in years where window.contains(year) {
                    for (code, name) in tables[year]! where code / 100 == prefix && code != key.code { children.insert(Key(code: code, name: name)) }
                }
                for child in children { result.formUnion(resolve(child, visiting: visiting)) }
            }
            memo[key] = result
            return result
        }

        var lines = [CSVWriter.line(["code", "name", "first_year", "last_year", "cities"])]
        for (key, years) in firstLast.sorted(by: { ($0.key.code, $0.value.0, $0.key.name) < ($1.key.code, $1.value.0, $1.key.name) }) where current[key.code] != key.name {
            let cities = resolve(key, visiting: []).sorted().map(String.init).joined(separator: ";")
            lines.append(CSVWriter.line([String(key.code), key.name, String(years.0), String(years.1), cities]))
        }
        var seenInWindow = Set(firstLast.keys.map(\.code))
        seenInWindow.formUnion(current.keys)
        for year in (window.upperBound + 1)...lastTable {
            for (code, name) in tables[year]!.sorted(by: { $0.key < $1.key }) where !seenInWindow.contains(code) && code % 10000 != 0 {
                let last = (year...lastTable).last { tables[$0]![code] != nil } ?? year
                lines.append(CSVWriter.line([String(code), name, String(year), String(last), ""]))
                seenInWindow.insert(code)
            }
        }
        return lines.joined()
    }

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

    static func readChanges(_ url: URL) throws(IINError) -> [Key: [Change]] {
        let table = try CSVTable.read(url)
        let columns = try ["代码", "名称", "状态", "启用时间", "变更/弃用时间", "新代码"].map { name throws(IINError) in try table.columnIndex(name) }
        var changes: [Key: [Change]] = [:]
        for (row, line) in zip(table.rows, table.lines) {
            guard let code = Int(row[columns[0]]), let start = Int(row[columns[3]]) else {
                throw IINError.gazetteer(file: url.path, row: line, problem: "unreadable code or start year in \(row)")
            }
            var successors: [(code: Int, year: Int?)] = []
            for item in row[columns[5]].split(separator: ";") where !item.isEmpty {
                let parts = item.split(separator: "[")
                guard let successor = Int(parts[0]) else {
                    throw IINError.gazetteer(file: url.path, row: line, problem: "unreadable new code '\(item)'")
                }
                successors.append((successor, parts.count > 1 ? Int(parts[1].dropLast()) : nil))
            }
            changes[Key(code: code, name: row[columns[1]]), default: []].append(
                Change(status: row[columns[2]], start: start, end: Int(row[columns[4]]), successors: successors))
        }
        return changes
    }
}
