import Foundation

/// A published table held as text cells: the one shape every release format
/// (CSV, Excel, SQLite and the rest) writes from.
public struct ReleaseTable: Sendable, Equatable {
    /// The base file name, without extension (e.g. "CityInfo").
    public var name: String
    public var header: [String]
    public var rows: [[String]]

    /// Columns holding numbers (stored as numbers in Excel and SQLite);
    /// every other column is text, codes included (a code is a label: it
    /// keeps its digits as written and is never summed).
    public static let numberColumns: Set<String> = Set([
        "InvestmentFrequency", "InvestorCity_LNG", "InvestorCity_LAT", "InvesteeCity_LNG", "InvesteeCity_LAT", "CityA_LNG", "CityA_LAT",
        "CityB_LNG", "CityB_LAT", "Distance_km", "InvestmentYear", "LNG", "LAT", "Outdegree", "Indegree", "NodeDegree", "Rank_out", "Rank_in",
        "Rank_node", "Year", "Nodes", "Dyads", "Sum", "Mean", "Min", "Median", "Max", "SD", "RowsRead", "Kept", "Duplicate", "InSlice",
        "OutOfSlice", "Slice", "Line",
        // Scoped releases (ScopedRelease): their own columns, and the
        // county-level spellings of the columns above.
        "Inbound", "Outbound", "DegreeCentrality", "Rank", "PartnerWeight", "PartnerNodeDegree", "PartnerLarger", "IsCentre", "FirstOrder", "Hinterland",
    ]).union(RejectionReason.allCases.map(\.accountingColumn)).union(ScopeExclusion.allCases.map(\.accountingColumn))
        .union(cityNumberColumns.map(ScopedRelease.Names(resolution: .county).column))

    private static let cityNumberColumns = ["InvestorCity_LNG", "InvestorCity_LAT", "InvesteeCity_LNG", "InvesteeCity_LAT", "CityA_LNG", "CityA_LAT",
                                            "CityB_LNG", "CityB_LAT"]

    public var kinds: [XLSXWriter.CellKind] { header.map { Self.numberColumns.contains($0) ? .number : .text } }

    /// The rows are spelled into a block of bytes and written a megabyte at
    /// a time: per cell, one scan for the bytes that need quotes and one
    /// copy. (Through `CSVWriter`, with a copy of each row for the formula
    /// guard, the four large tables of a 12M release took 2.5 s of CPU.)
    public func writeCSV(to folder: URL) throws(IINError) -> String {
        let fileName = name + ".csv"
        let output = try BufferedFileWriter(url: folder.appendingPathComponent(fileName))
        var writer = CSVWriter(output: output)
        writer.writeRow(header)
        let isText = kinds.map { $0 == .text }
        var block: [UInt8] = []
        block.reserveCapacity(1 << 21)
        for row in rows {
            for (column, cell) in row.enumerated() {
                if column > 0 { block.append(UInt8(ascii: ",")) }
                Self.appendCSVCell(cell, text: column < isText.count && isText[column], to: &block)
            }
            block.append(UInt8(ascii: "\n"))
            if block.count >= 1 << 20 {
                output.write(block: block)
                block.removeAll(keepingCapacity: true)
            }
        }
        output.write(block: block)
        try output.close()
        return fileName
    }

    /// One cell: a text cell a spreadsheet would take for a formula (`=`,
    /// `+`, `-`, `@`, or a tab or carriage return first) gets a leading
    /// apostrophe, which spreadsheets show as text (Excel cells need none:
    /// they are written as strings, which are never evaluated); then the
    /// quotes of `CSVWriter.escape`.
    @inline(__always)
    static func appendCSVCell(_ cell: String, text: Bool, to block: inout [UInt8]) {
        var cell = cell
        cell.withUTF8 { bytes in
            let formula = text && bytes.first.map { [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D].contains($0) } == true
            let quoted = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
            if quoted { block.append(UInt8(ascii: "\"")) }
            if formula { block.append(UInt8(ascii: "'")) }
            if quoted {
                for byte in bytes {
                    if byte == UInt8(ascii: "\"") { block.append(byte) }
                    block.append(byte)
                }
                block.append(UInt8(ascii: "\""))
            } else {
                block.append(contentsOf: bytes)
            }
        }
    }

    /// Excel's limit: 1,048,576 rows a sheet, the header included.
    public static let workbookRowLimit = 1_048_576
    public var fitsAWorkbook: Bool { rows.count + 1 <= Self.workbookRowLimit }

    public func writeXLSX(to folder: URL) throws(IINError) -> String {
        let fileName = name + ".xlsx"
        try XLSXWriter.write(header: header, kinds: kinds, rows: rows, sheet: sheetName, to: folder.appendingPathComponent(fileName))
        return fileName
    }

    /// The workbook's sheet: what the table holds, within Excel's 31
    /// characters and without the characters it refuses (`\ / ? * [ ] :`).
    public var sheetName: String {
        switch name {
        case PublishStage.directedName: return "Directed intercity"
        case PublishStage.directedIntracityName: return "Directed incl. intracity"
        case PublishStage.undirectedName: return "Undirected intercity"
        case PublishStage.undirectedIntracityName: return "Undirected incl. intracity"
        case PublishStage.metricName: return "Network metrics"
        default:
            let allowed = String(name.filter { !"\\/?*[]:".contains($0) }.prefix(31))
            return allowed.isEmpty ? "Table" : allowed
        }
    }
}

/// Number spellings of the release: fixed decimals, so every run writes
/// the same bytes.
enum ReleaseFormat {
    /// C's `%.Nf`, which `String(format:)` also ends in, without
    /// Foundation's format parsing and bridging around it: a national
    /// county network spells 3.6 million distances (9 % of its publish).
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let length = withVaList([Int32(decimals), value]) { vsnprintf(buffer.baseAddress!, 64, "%.*f", $0) }
            guard length > 0 && length < 64 else { return String(format: "%.\(decimals)f", value) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: Int(length)), as: UTF8.self)
        }
    }
}

/// The source paper's Table 1 statistics of a list of link weights.
public struct DescriptiveStatistics: Sendable, Equatable {
    public var nodes: Int
    public var dyads: Int
    public var sum: Int
    public var mean: Double
    public var minimum: Int
    public var median: Double
    public var maximum: Int
    /// Sample standard deviation (n - 1); nil for fewer than two dyads.
    public var standardDeviation: Double?

    public init?(weights: [Int], nodes: Int) {
        guard !weights.isEmpty else { return nil }
        let sorted = weights.sorted()
        let count = sorted.count
        self.nodes = nodes
        dyads = count
        sum = sorted.reduce(0, +)
        mean = Double(sum) / Double(count)
        minimum = sorted[0]
        maximum = sorted[count - 1]
        median = count % 2 == 1 ? Double(sorted[count / 2]) : Double(sorted[count / 2 - 1] + sorted[count / 2]) / 2
        if count > 1 {
            let mean = self.mean
            let squares = sorted.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
            standardDeviation = (squares / Double(count - 1)).squareRoot()
        } else {
            standardDeviation = nil
        }
    }
}
