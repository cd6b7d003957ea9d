import Foundation

/// The optional comparison tables of validation.md sections 4, 5 and 7, read
/// with every bad cell reported by file, row and column. Formats are in
/// docs/validation.md; `iin synth` writes examples of each.
public enum ReferenceInputs {
    /// A city pair and a value: a mobility flow or an economic distance.
    public struct PairValue: Sendable, Equatable {
        public var from: Int
        public var to: Int
        public var value: Double
    }

    /// One entry of a top-N list.
    public struct ListedCity: Sendable, Equatable {
        public var source: String
        public var year: Int
        public var rank: Int
        public var city: Int
    }

    /// origin_code, destination_code, flow (people, one year).
    public static func mobility(_ url: URL, gazetteer: Gazetteer) throws(IINError) -> [PairValue] {
        try pairs(url, columns: ("origin_code", "destination_code", "flow"), gazetteer: gazetteer, allowZero: true)
    }

    /// from_code, to_code, distance: any positive measure of separation
    /// (time or cost of travel); symmetric pairs may be given once.
    public static func economicDistances(_ url: URL, gazetteer: Gazetteer) throws(IINError) -> [PairValue] {
        try pairs(url, columns: ("from_code", "to_code", "distance"), gazetteer: gazetteer, allowZero: false)
    }

    /// city_code, year, gdp (any unit, positive), keyed by year then city.
    public static func gdp(_ url: URL, gazetteer: Gazetteer) throws(IINError) -> [Int: [Int: Double]] {
        let table = try CSVTable.read(url)
        let columns = try (table.columnIndex("city_code"), table.columnIndex("year"), table.columnIndex("gdp"))
        var result: [Int: [Int: Double]] = [:]
        for (row, line) in zip(table.rows, table.lines) {
            let city = try cityCode(row[columns.0], table: table, line: line, column: "city_code", gazetteer: gazetteer)
            let year = try whole(row[columns.1], table: table, line: line, column: "year")
            guard let value = Double(row[columns.2].trimmingCharacters(in: .whitespaces)), value > 0, value.isFinite else {
                throw IINError.invalidTableCell(path: table.path, row: line, column: "gdp", value: row[columns.2], expected: "a positive number")
            }
            guard result[year]?[city] == nil else {
                throw IINError.invalidTableCell(path: table.path, row: line, column: "city_code", value: row[columns.0], expected: "a city not listed before for \(year)")
            }
            result[year, default: [:]][city] = value
        }
        return result
    }

    /// source, year, rank, city (a 2020 city code, or its Chinese or
    /// English name).
    public static func topLists(_ url: URL, gazetteer: Gazetteer) throws(IINError) -> [ListedCity] {
        let table = try CSVTable.read(url)
        let columns = try (table.columnIndex("source"), table.columnIndex("year"), table.columnIndex("rank"), table.columnIndex("city"))
        var names: [String: Int] = [:]
        for city in gazetteer.cities {
            names[city.nameCN] = city.code
            names[city.nameEN.lowercased()] = city.code
            if city.nameCN.hasSuffix("市"), city.nameCN.count > 2 { names[String(city.nameCN.dropLast())] = city.code }
        }
        var result: [ListedCity] = []
        for (row, line) in zip(table.rows, table.lines) {
            let text = row[columns.3].trimmingCharacters(in: .whitespaces)
            let city: Int
            if Int(text) != nil {
                city = try cityCode(text, table: table, line: line, column: "city", gazetteer: gazetteer)
            } else if let code = names[text] ?? names[text.lowercased()] {
                city = code
            } else {
                throw IINError.invalidTableCell(path: table.path, row: line, column: "city", value: text, expected: "a 2020 city code or a city's Chinese or English name")
            }
            let source = row[columns.0].trimmingCharacters(in: .whitespaces)
            guard !source.isEmpty else {
                throw IINError.invalidTableCell(path: table.path, row: line, column: "source", value: "", expected: "the name of the study")
            }
            result.append(ListedCity(source: source, year: try whole(row[columns.1], table: table, line: line, column: "year"),
                                     rank: try whole(row[columns.2], table: table, line: line, column: "rank"), city: city))
        }
        return result
    }

    private static func pairs(_ url: URL, columns names: (String, String, String), gazetteer: Gazetteer, allowZero: Bool) throws(IINError) -> [PairValue] {
        let table = try CSVTable.read(url)
        let columns = try (table.columnIndex(names.0), table.columnIndex(names.1), table.columnIndex(names.2))
        var result: [PairValue] = []
        result.reserveCapacity(table.rows.count)
        for (row, line) in zip(table.rows, table.lines) {
            let from = try cityCode(row[columns.0], table: table, line: line, column: names.0, gazetteer: gazetteer)
            let to = try cityCode(row[columns.1], table: table, line: line, column: names.1, gazetteer: gazetteer)
            guard from != to else {
                throw IINError.invalidTableCell(path: table.path, row: line, column: names.1, value: row[columns.1], expected: "a city other than \(names.0)")
            }
            guard let value = Double(row[columns.2].trimmingCharacters(in: .whitespaces)), value.isFinite, allowZero ? value >= 0 : value > 0 else {
                throw IINError.invalidTableCell(path: table.path, row: line, column: names.2, value: row[columns.2], expected: allowZero ? "a number of at least 0" : "a positive number")
            }
            result.append(PairValue(from: from, to: to, value: value))
        }
        return result
    }

    private static func cityCode(_ text: String, table: CSVTable, line: Int, column: String, gazetteer: Gazetteer) throws(IINError) -> Int {
        guard let code = Int(text.trimmingCharacters(in: .whitespaces)), gazetteer.city(code: code) != nil else {
            throw IINError.invalidTableCell(path: table.path, row: line, column: column, value: text, expected: "one of the 367 city codes of 2020")
        }
        return code
    }

    private static func whole(_ text: String, table: CSVTable, line: Int, column: String) throws(IINError) -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw IINError.invalidTableCell(path: table.path, row: line, column: column, value: text, expected: "a whole number")
        }
        return value
    }
}
