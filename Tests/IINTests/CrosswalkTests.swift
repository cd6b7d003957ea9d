import Foundation
import Testing
@testable import IIN

/// The credit-code method against a derivation written here from the
/// areacodes files alone, sharing no code with `Crosswalk` or
/// `HistoryDerivation`: a worklist over (code, year the area arrived)
/// states, read straight from result.csv and data/2020.txt.
@Suite("Credit codes of every era")
struct CrosswalkTests {
    struct Row {
        var code: Int
        var start: Int
        var end: Int?
        var moves: [(code: Int, year: Int?)]
    }

    /// The rules, stated once more in the simplest terms:
    /// - a code of the 2020 table is its unit's city (a county's city is its
    ///   first four digits + 00, the municipalities' and xx90yy units are
    ///   their own); a province other than a municipality is no city;
    /// - any other code follows every share its uses ever listed, each to
    ///   the successor as it stood in the share's year (an earlier use of a
    ///   code of the 2020 table, no longer in force in 2020, is followed as that unit), and
    ///   from there only shares of that year or later;
    /// - an abolished prefecture listing none goes where its counties of
    ///   those years went; a use first made after 2020 reaches no city.
    struct IndependentDerivation {
        var rows: [Int: [Row]] = [:]
        var table2020: Set<Int> = []

        init(shared: URL) throws {
            let result = try String(contentsOf: shared.appendingPathComponent("areacodes/result.csv"), encoding: .utf8)
            for line in result.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard fields.count >= 9, let code = Int(fields[0]), let start = Int(fields[6]) else { continue }
                var moves: [(Int, Int?)] = []
                for item in fields[8].split(separator: ";") {
                    let code = Int(item.prefix(6))!
                    let year = item.count > 6 ? Int(item.dropFirst(7).dropLast()) : nil
                    moves.append((code, year))
                }
                rows[code, default: []].append(Row(code: code, start: start, end: Int(fields[7]), moves: moves))
            }
            let table = try String(contentsOf: shared.appendingPathComponent("areacodes/data/2020.txt"), encoding: .utf8)
            for line in table.split(whereSeparator: \.isNewline) {
                if let code = Int(line.filter(\.isASCII).prefix(6)) { table2020.insert(code) }
            }
        }

        func city2020(_ code: Int) -> Int? {
            let province = code / 10000
            let municipal = [11, 12, 31, 50].contains(province)
            if code % 10000 == 0 { return municipal ? code : nil }
            if code % 100 == 0 || (code / 100) % 100 == 90 { return code }
            return municipal ? province * 10000 : code / 100 * 100
        }

        /// "none", "city C" or "split C;C…".
        func answer(_ code: Int) -> String {
            if code == 100000 { return "none" }
            var cities = Set<Int>()
            if table2020.contains(code) {
                if let city = city2020(code) { cities.insert(city) }
            } else {
                var work: [(code: Int, since: Int?)] = [(code, nil)]
                var seen = Set<String>()
                while let (current, since) = work.popLast() {
                    guard seen.insert("\(current) \(since ?? -1)").inserted else { continue }
                    let all = rows[current] ?? []
                    var uses = all
                    if let since {
                        uses = all.filter { $0.start <= since && since < ($0.end ?? 10_000) }
                        if uses.isEmpty, let latest = all.filter({ $0.start <= since }).max(by: { $0.start < $1.start }) { uses = [latest] }
                        if uses.isEmpty { uses = all }
                    }
                    // The 2020 unit, unless the chain reached an earlier
                    // use of the code that has since ended.
                    let earlier = since != nil && !uses.isEmpty && uses.allSatisfy { ($0.end ?? 10_000) <= 2020 }
                    if table2020.contains(current) && !earlier {
                        if let city = city2020(current) { cities.insert(city) }
                        continue
                    }
                    for use in uses where use.start <= 2020 {
                        let moves = use.moves.map { ($0.code, $0.year ?? use.end ?? 2021) }.filter { $0.1 >= (since ?? 0) }
                        if !moves.isEmpty {
                            work += moves.map { (code: $0.0, since: Optional($0.1)) }
                        } else if use.code % 100 == 0, use.code % 10000 != 0, let end = use.end {
                            for (childCode, childRows) in rows where childCode / 100 == use.code / 100 && childCode != use.code {
                                for child in childRows where child.start < end && (child.end ?? 10_000) > max(use.start, since ?? 0) {
                                    work.append((childCode, max(child.start, since ?? child.start)))
                                }
                            }
                        }
                    }
                }
            }
            switch cities.count {
            case 0: return "none"
            case 1: return "city \(cities.first!)"
            default: return "split " + cities.sorted().map(String.init).joined(separator: ";")
            }
        }
    }

    static func methodAnswer(_ reading: CreditCodeReading) -> String {
        switch reading {
        case let .city(code): return "city \(code)"
        case let .split(_, cities): return "split " + cities.map(String.init).joined(separator: ";")
        default: return "none"
        }
    }

    @Test func everyCodeOfTheCrosswalkAndTheYearlyTablesAgreesWithAnIndependentDerivation() throws {
        let derivation = try IndependentDerivation(shared: TestSupport.sharedData)
        var codes = Set(derivation.rows.keys)
        let data = TestSupport.sharedData.appendingPathComponent("areacodes/data")
        for year in 2000...2024 {
            let table = try String(contentsOf: data.appendingPathComponent("\(year).txt"), encoding: .utf8)
            for line in table.split(whereSeparator: \.isNewline) {
                if let code = Int(line.filter(\.isASCII).prefix(6)) { codes.insert(code) }
            }
        }
        let method = AdministrativeCodes(gazetteer: try TestSupport.gazetteer())
        var disagreements: [String] = []
        var kinds: [String: Int] = [:]
        for code in codes.sorted() {
            let expected = derivation.answer(code)
            let actual = Self.methodAnswer(method.reading(code: code))
            kinds[String(expected.prefix { $0 != " " }), default: 0] += 1
            if expected != actual { disagreements.append("\(code): expected \(expected), credit-code method \(actual)") }
        }
        print("crosswalk: \(codes.count - disagreements.count) of \(codes.count) codes agree (\(kinds["city", default: 0]) one city, \(kinds["split", default: 0]) split, \(kinds["none", default: 0]) no city)")
        #expect(codes.count > 6000)
        #expect(disagreements.isEmpty, "\(disagreements.count) disagree: \(disagreements.prefix(20))")
    }
}
