import Foundation

/// Reads the tables of a release folder in this project's format, ours or
/// a published one downloaded by a user: from the workbook (with the
/// project's own XLSX reader) or the CSV, whichever is there, preferring
/// one as asked.
public struct ReleaseReader: Sendable {
    public let folder: URL
    public let preferWorkbooks: Bool
    /// How the release names its tables and columns: a scoped release
    /// (`ScopedRelease`, its manifest's `scope`) at county level says
    /// "county" where the city release says "city". Callers ask by the
    /// city release's names; the reader translates.
    let names: ScopedRelease.Names

    public init(folder: URL, preferWorkbooks: Bool) {
        self.folder = folder
        self.preferWorkbooks = preferWorkbooks
        let manifest = (try? Data(contentsOf: folder.appendingPathComponent(ReleaseFolder.manifestName))).flatMap { try? JSONValue.parse($0) }
        let resolution = manifest?[ReleaseFolder.subreleaseKey]?["resolution"]?.stringValue.flatMap(NetworkScope.Resolution.init(rawValue:))
        names = ScopedRelease.Names(resolution: resolution ?? .city)
    }

    /// Whether the folder is a scoped network's release.
    public var isScoped: Bool { FileManager.default.fileExists(atPath: folder.appendingPathComponent(ScopedRelease.unitsName + ".csv").path) }

    /// The networks the release holds: investment at the top, and branch
    /// in `branch/` when it is there.
    public var networks: [(String, String)] {
        var result = [("investment", "")]
        let branch = folder.appendingPathComponent("branch")
        if [".csv", ".xlsx"].contains(where: { FileManager.default.fileExists(atPath: branch.appendingPathComponent(names.table(PublishStage.directedName) + $0).path) }) {
            result.append(("branch", "branch"))
        }
        return result
    }

    /// The table, or nil when the release has neither its workbook nor
    /// its CSV.
    public func table(_ name: String, in subfolder: String = "") throws(IINError) -> CSVTable? {
        guard var table = try table(file: names.table(name), in: subfolder) else { return nil }
        table.header = table.header.map { names.cityColumn($0) }
        return table
    }

    private func table(file name: String, in subfolder: String) throws(IINError) -> CSVTable? {
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
            throw IINError.unreadableFile(path: base.appendingPathComponent(names.table(name) + ".xlsx").path, reason: "neither it nor its .csv is in the release")
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
        let base = subfolder.isEmpty ? folder : folder.appendingPathComponent(subfolder)
        let csv = base.appendingPathComponent(names.table(name) + ".csv")
        let useCSV = FileManager.default.fileExists(atPath: csv.path)
            && !(preferWorkbooks && FileManager.default.fileExists(atPath: base.appendingPathComponent(names.table(name) + ".xlsx").path))
        if useCSV { return try Self.edges(csv: csv, withDistance: withDistance) }
        let table = try require(name, in: subfolder)
        let (a, b, weight, year, distance) = try Self.edgeColumns(table.header, withDistance: withDistance, path: table.path)
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

    /// The edges of a CSV table read off its bytes: only the five columns
    /// needed become numbers, and no row becomes strings. (Through
    /// `CSVTable`, validate and the release comparison spent 2.5 s of CPU
    /// at 12M records building strings for every cell of 190 MB.)
    static func edges(csv url: URL, withDistance: Bool) throws(IINError) -> [Edge] {
        let data = try FileBytes.read(url)
        let result: Result<[Edge], IINError> = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let start = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
            var scanner = CSVScanner(bytes: bytes, startOffset: start)
            var fields: [CSVField] = []
            var columns: (a: Int, b: Int, weight: Int, year: Int, distance: Int?)?
            var width = 0
            var edges: [Edge] = []
            func field(_ index: Int) -> String { scanner.string(of: fields[index]) }
            while let scanned = scanner.next(into: &fields) {
                switch scanned {
                case let .defective(line, _, defect):
                    return .failure(.unsupportedFile(path: url.path, reason: "line \(line): \(defect.rawValue)"))
                case let .row(line, _):
                    guard let known = columns else {
                        let header = fields.indices.map { field($0).trimmingCharacters(in: .whitespaces) }
                        do throws(IINError) {
                            columns = try edgeColumns(header, withDistance: withDistance, path: url.path)
                        } catch {
                            return .failure(error)
                        }
                        width = header.count
                        continue
                    }
                    guard fields.count == width else {
                        return .failure(.unsupportedFile(path: url.path, reason: "line \(line): \(fields.count) fields where the header has \(width)"))
                    }
                    guard let codeA = wholeField(fields[known.a], in: bytes, scanner: scanner), let codeB = wholeField(fields[known.b], in: bytes, scanner: scanner),
                          let weight = wholeField(fields[known.weight], in: bytes, scanner: scanner), let year = wholeField(fields[known.year], in: bytes, scanner: scanner)
                    else { return .failure(.corruptArtifact(path: url.path, reason: "line \(line): unreadable numbers")) }
                    var kilometres: Double?
                    if let distance = known.distance {
                        guard let value = Double(field(distance)) else { return .failure(.corruptArtifact(path: url.path, reason: "line \(line): unreadable distance")) }
                        kilometres = value
                    }
                    edges.append(Edge(a: codeA, b: codeB, weight: weight, year: year, distance: kilometres))
                }
            }
            guard columns != nil else { return .failure(.emptyFile(path: url.path)) }
            return .success(edges)
        }
        return try result.get()
    }

    /// Where an edge table keeps its two codes (investor and investee, or A
    /// and B), weight, year and, when asked for, distance.
    static func edgeColumns(_ header: [String], withDistance: Bool, path: String) throws(IINError) -> (a: Int, b: Int, weight: Int, year: Int, distance: Int?) {
        let a = header.firstIndex(of: "InvestorCityCode") ?? header.firstIndex(of: "CityACode") ?? header.firstIndex(of: "InvestorCountyCode")
            ?? header.firstIndex(of: "CountyACode")
        let b = header.firstIndex(of: "InvesteeCityCode") ?? header.firstIndex(of: "CityBCode") ?? header.firstIndex(of: "InvesteeCountyCode")
            ?? header.firstIndex(of: "CountyBCode")
        let weight = header.firstIndex(of: "InvestmentFrequency"), year = header.firstIndex(of: "InvestmentYear")
        let distance = header.firstIndex(of: "Distance_km")
        var missing = [weight == nil ? "InvestmentFrequency" : nil, year == nil ? "InvestmentYear" : nil,
                       withDistance && distance == nil ? "Distance_km" : nil].compactMap { $0 }
        if a == nil || b == nil { missing.append("city code columns") }
        guard let a, let b, let weight, let year, missing.isEmpty else { throw IINError.missingColumns(path: path, missing: missing, found: header) }
        return (a, b, weight, year, withDistance ? distance : nil)
    }

    /// `whole` of a field, reading plain digits off the bytes and handing
    /// anything else ("12.0", a sign, quotes) to `whole` as text.
    @inline(__always)
    private static func wholeField(_ field: CSVField, in bytes: UnsafeBufferPointer<UInt8>, scanner: borrowing CSVScanner) -> Int? {
        let count = field.end - field.start
        if count > 0 && count <= 12 && !field.hasEscapedQuotes {
            var value = 0
            var digits = true
            for index in field.start..<field.end {
                let digit = bytes[index] &- 48
                if digit > 9 { digits = false; break }
                value = value * 10 + Int(digit)
            }
            if digits { return value < 1 << 40 ? value : nil }
        }
        return whole(scanner.string(of: field))
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
