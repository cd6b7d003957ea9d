import Foundation

/// A published table held as text cells: the one shape every release format
/// (CSV now; Excel, SQLite and the rest write from the same cells) takes.
public struct ReleaseTable: Sendable, Equatable {
    /// The base file name, without extension (e.g. "CityInfo").
    public var name: String
    public var header: [String]
    public var rows: [[String]]

    public func writeCSV(to folder: URL) throws(IINError) -> String {
        let fileName = name + ".csv"
        let output = try BufferedFileWriter(url: folder.appendingPathComponent(fileName))
        var writer = CSVWriter(output: output)
        writer.writeRow(header)
        for row in rows { writer.writeRow(row) }
        try output.close()
        return fileName
    }
}

/// Number spellings of the release: fixed decimals, so every run writes
/// the same bytes.
enum ReleaseFormat {
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
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
