import Foundation
import IIN

/// The areacodes crosswalk (`result.csv`, CC0): every division code in use
/// at some time since 1981, each use of it a row with its years and the
/// codes its area went to (`新代码`, some with the year a share moved).
///
/// It answers: which 2020 cities now hold the area a code (or one use of
/// it, by name) ever stood for. The rules are in docs/gazetteer.md
/// ("Codes of every era"); in short, a code of the 2020 table is its own
/// unit, any other follows every successor it ever listed, with the share's
/// year choosing which use of the successor code is meant (an earlier use
/// of a code that stands in 2020 is followed as that earlier unit), so a
/// code whose area went to two cities at any time is a split.
struct Crosswalk {
    struct Use {
        var code: Int
        var name: String
        var status: String
        var start: Int
        /// The first year it was no longer in force; nil while in force.
        var end: Int?
        var successors: [(code: Int, year: Int?)]

        func inForce(_ year: Int) -> Bool { start <= year && (end.map { year < $0 } ?? true) }
        var years: String { end.map { "\(start)-\($0 - 1)" } ?? "\(start)-" }
    }

    /// How a code reached its 2020 cities, step by step, for `--explain`.
    struct Resolution {
        var cities: Set<Int>
        /// The units of the 2020 table the walk reached: one county-level
        /// unit is the code's (or name's) county; several are a split at
        /// county level, which the county network never guesses between.
        var units: Set<Int>
        var steps: [String]
    }

    private(set) var uses: [Int: [Use]] = [:]
    /// The codes of the 2020 table, each with its 2020 city (0 for a
    /// province other than the four municipalities).
    let units2020: [Int: Int]

    init(resultCSV url: URL, units2020: [Int: Int]) throws(IINError) {
        self.units2020 = units2020
        let table = try CSVTable.read(url)
        let columns = try ["代码", "名称", "状态", "启用时间", "变更/弃用时间", "新代码"].map { name throws(IINError) in try table.columnIndex(name) }
        for (row, line) in zip(table.rows, table.lines) {
            guard let code = Int(row[columns[0]]), row[columns[0]].count == 6, let start = Int(row[columns[3]]) else {
                throw IINError.gazetteer(file: url.path, row: line, problem: "unreadable code or start year in \(row)")
            }
            let endText = row[columns[4]]
            guard endText.isEmpty || Int(endText) != nil else {
                throw IINError.gazetteer(file: url.path, row: line, problem: "unreadable end year '\(endText)'")
            }
            var successors: [(code: Int, year: Int?)] = []
            for item in row[columns[5]].split(separator: ";") where !item.isEmpty {
                let parts = item.split(separator: "[")
                guard let first = parts.first, let successor = Int(first), parts.count == 1 || (parts.count == 2 && parts[1].hasSuffix("]") && Int(parts[1].dropLast()) != nil) else {
                    throw IINError.gazetteer(file: url.path, row: line, problem: "unreadable new code '\(item)'")
                }
                successors.append((successor, parts.count > 1 ? Int(parts[1].dropLast()) : nil))
            }
            let use = Use(code: code, name: row[columns[1]], status: row[columns[2]], start: start, end: Int(endText), successors: successors)
            uses[code, default: []].append(use)
        }
    }

    var allCodes: [Int] { uses.keys.sorted() }

    /// Every use of a code, whenever it was issued: a credit code does not
    /// say when the enterprise registered, so every share its area ever
    /// gave away counts.
    func resolve(code: Int) -> Resolution {
        var walk = Walk()
        let cities = walk.code(code, uses: uses[code] ?? [], since: nil, in: self)
        return Resolution(cities: cities, units: walk.units, steps: walk.steps)
    }

    /// One named use of a code (a name of 2000-2020): the area the name
    /// stood for from `since` on, so shares given away before then do not
    /// count.
    func resolve(code: Int, name: String, since: Int) -> Resolution {
        var walk = Walk()
        let named = (uses[code] ?? []).filter { $0.name == name }
        let cities = walk.uses(named.isEmpty ? uses[code] ?? [] : named, since: since, in: self)
        return Resolution(cities: cities, units: walk.units, steps: walk.steps)
    }

    /// A first use after 2020 has no 2020 city, as the contract says.
    static func firstUsedAfter2020(_ uses: [Use]) -> Bool { !uses.isEmpty && uses.allSatisfy { $0.start > 2020 } }

    /// One walk down the chains, with the uses on the way (to stop at a
    /// cycle) and the steps taken.
    private struct Walk {
        var visiting = Set<String>()
        var steps: [String] = []
        var units = Set<Int>()

        mutating func code(_ code: Int, uses candidates: [Use], since: Int?, in crosswalk: Crosswalk) -> Set<Int> {
            if let city = crosswalk.units2020[code] {
                steps.append("\(code) is in the 2020 table" + (city == 0 ? ": a province, no city" : " -> \(city)"))
                units.insert(code)
                return city == 0 ? [] : [city]
            }
            return uses(candidates, since: since, in: crosswalk)
        }

        mutating func uses(_ chosen: [Use], since: Int?, in crosswalk: Crosswalk) -> Set<Int> {
            var cities = Set<Int>()
            for use in chosen {
                let key = "\(use.code) \(use.start)"
                guard visiting.insert(key).inserted else { continue }
                cities.formUnion(self.use(use, since: since, in: crosswalk))
                visiting.remove(key)
            }
            return cities
        }

        /// Where one use's area went; `since`: the year the area being
        /// followed arrived in it, so earlier shares are not that area.
        mutating func use(_ use: Use, since: Int?, in crosswalk: Crosswalk) -> Set<Int> {
            let label = "\(use.code) \(use.name) (\(use.years))"
            if use.start > 2020 {
                steps.append(label + " first used after 2020: no 2020 city")
                return []
            }
            let moves = use.successors.map { (code: $0.code, year: $0.year ?? use.end ?? 2021) }.filter { $0.year >= (since ?? 0) }
            if !moves.isEmpty {
                steps.append(label + " -> " + moves.map { "\($0.code) [\($0.year)]" }.joined(separator: ", "))
                var cities = Set<Int>()
                for move in moves {
                    cities.formUnion(successor(move.code, arrivedIn: move.year, in: crosswalk))
                }
                return cities
            }
            if use.code % 100 == 0 && use.code % 10000 != 0 && use.end != nil {
                // An abolished prefecture with no successor listed (莱芜 371200,
                // 巢湖 341400) went wherever its counties of those years went.
                let children = crosswalk.uses.values.joined().filter { child in
                    child.code / 100 == use.code / 100 && child.code != use.code
                        && child.start < (use.end ?? 9999) && (child.end ?? 9999) > max(use.start, since ?? 0)
                }.sorted { ($0.code, $0.start) < ($1.code, $1.start) }
                steps.append(label + " abolished with no successor; its counties: " + children.map { "\($0.code)" }.joined(separator: ", "))
                var cities = Set<Int>()
                for child in children {
                    cities.formUnion(earlierUse(child.code, uses: [child], since: since, in: crosswalk))
                }
                return cities
            }
            steps.append(label + " lists no successor")
            return []
        }

        /// A successor code as it stood in the year the area moved to it.
        mutating func successor(_ code: Int, arrivedIn year: Int, in crosswalk: Crosswalk) -> Set<Int> {
            let all = crosswalk.uses[code] ?? []
            let then = all.filter { $0.inForce(year) }
            let started = all.filter { $0.start <= year }
            let chosen = !then.isEmpty ? then : !started.isEmpty ? [started.max { $0.start < $1.start }!] : all
            if crosswalk.units2020[code] == nil && chosen.isEmpty {
                steps.append("\(code) appears in no table")
                return []
            }
            return earlierUse(code, uses: chosen, since: year, in: crosswalk)
        }

        /// A code reached through the chain, in the use it had then: the
        /// 2020 unit when that use still stands, else that earlier use's own
        /// chain (419001 was 义马市 in 1987-1989 before it was 济源市).
        mutating func earlierUse(_ code: Int, uses chosen: [Use], since: Int?, in crosswalk: Crosswalk) -> Set<Int> {
            if !chosen.isEmpty && chosen.allSatisfy({ !$0.inForce(2020) }) {
                return uses(chosen, since: since, in: crosswalk)
            }
            return self.code(code, uses: chosen, since: since, in: crosswalk)
        }
    }
}
