import Foundation

/// Reads the tables of a release folder in this project's format, ours or
/// a published one downloaded by a user: from the workbook (with the
/// project's own XLSX reader) or the CSV, whichever is there, preferring
/// one as asked.
public struct ReleaseReader: Sendable {
    public let folder: URL
    public let preferWorkbooks: Bool

    public init(folder: URL, preferWorkbooks: Bool) {
        self.folder = folder
        self.preferWorkbooks = preferWorkbooks
    }

    /// The networks the release holds: investment at the top, and branch
    /// in `branch/` when it is there.
    public var networks: [(String, String)] {
        var result = [("investment", "")]
        let branch = folder.appendingPathComponent("branch")
        if [".csv", ".xlsx"].contains(where: { FileManager.default.fileExists(atPath: branch.appendingPathComponent(PublishStage.directedName + $0).path) }) {
            result.append(("branch", "branch"))
        }
        return result
    }

    /// The table, or nil when the release has neither its workbook nor
    /// its CSV.
    public func table(_ name: String, in subfolder: String = "") throws(IINError) -> CSVTable? {
        let base = subfolder.isEmpty ? folder : folder.appendingPathComponent(subfolder)
        let workbook = base.appendingPathComponent(name + ".xlsx")
        let csv = base.appendingPathComponent(name + ".csv")
        let hasWorkbook = FileManager.default.fileExists(atPath: workbook.path)
        let hasCSV = FileManager.default.fileExists(atPath: csv.path)
        if hasWorkbook && (preferWorkbooks || !hasCSV) {
            var rows: [[String]] = []
            var lines: [Int] = []
            try XLSXReader(url: workbook).read { row in
                rows.append(row.cells)
                lines.append(row.number)
            }
            guard let header = rows.first else { throw IINError.emptyFile(path: workbook.path) }
            // Cells left empty at the end of a row are not in the sheet.
            let width = header.count
            let body = rows.dropFirst().map { $0.count < width ? $0 + Array(repeating: "", count: width - $0.count) : $0 }
            return CSVTable(path: workbook.path, header: header, rows: Array(body), lines: Array(lines.dropFirst()))
        }
        return hasCSV ? try CSVTable.read(csv) : nil
    }

    public func require(_ name: String, in subfolder: String = "") throws(IINError) -> CSVTable {
        guard let table = try table(name, in: subfolder) else {
            let base = subfolder.isEmpty ? folder : folder.appendingPathComponent(subfolder)
            throw IINError.unreadableFile(path: base.appendingPathComponent(name + ".xlsx").path, reason: "neither it nor its .csv is in the release")
        }
        return table
    }

    /// One row of an edge table: its two city codes (investor and investee,
    /// or A and B), weight and year, and the distance when asked for.
    public struct Edge: Sendable, Equatable {
        public var a: Int
        public var b: Int
        public var weight: Int
        public var year: Int
        public var distance: Double?
    }

    /// The rows of one of the four edge tables.
    /// - Parameter withDistance: also read `Distance_km` (then required).
    public func edges(_ name: String, in subfolder: String = "", withDistance: Bool = false) throws(IINError) -> [Edge] {
        let table = try require(name, in: subfolder)
        let weight = try table.columnIndex("InvestmentFrequency")
        let year = try table.columnIndex("InvestmentYear")
        let distance = withDistance ? try table.columnIndex("Distance_km") : nil
        let a = table.header.firstIndex(of: "InvestorCityCode") ?? table.header.firstIndex(of: "CityACode")
        let b = table.header.firstIndex(of: "InvesteeCityCode") ?? table.header.firstIndex(of: "CityBCode")
        guard let a, let b else { throw IINError.missingColumns(path: table.path, missing: ["city code columns"], found: table.header) }
        var result: [Edge] = []
        for (row, line) in zip(table.rows, table.lines) {
            guard let codeA = Self.whole(row[a]), let codeB = Self.whole(row[b]), let value = Self.whole(row[weight]), let slice = Self.whole(row[year]) else {
                throw IINError.corruptArtifact(path: table.path, reason: "line \(line): unreadable numbers")
            }
            var kilometres: Double?
            if let distance {
                guard let value = Double(row[distance]) else { throw IINError.corruptArtifact(path: table.path, reason: "line \(line): unreadable distance") }
                kilometres = value
            }
            result.append(Edge(a: codeA, b: codeB, weight: value, year: slice, distance: kilometres))
        }
        return result
    }

    /// A whole number as a release writes it: "12", or "12.0" as
    /// spreadsheets sometimes store it.
    /// A whole number of a release table, or nil. Bounded by 2^40 (a
    /// trillion investments), so the sums the checks take over a million
    /// rows of them can never overflow.
    public static func whole(_ text: String) -> Int? {
        let bound = 1 << 40
        if let value = Int(text) { return abs(value) < bound ? value : nil }
        guard let value = Double(text), value == value.rounded(), abs(value) < Double(bound) else { return nil }
        return Int(value)
    }
}
