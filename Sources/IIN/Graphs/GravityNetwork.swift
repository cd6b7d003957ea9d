import Foundation

/// The regional economic gravity network: F(i,j) = k M_i M_j / D(i,j)^beta
/// between every two cities with a mass and a distance, and its maximum
/// spanning tree, the backbone those studies read off (Prim's algorithm).
///
/// Distances may be geographic or economic (time and cost of travel) and
/// so need not be symmetric: a pair's distance is the mean of the two
/// directions given, or the one given.
public struct GravityNetwork: Sendable {
    public struct Edge: Sendable, Equatable {
        public var a: String
        public var b: String
        public var force: Double
    }

    /// The cities, in the order of the masses table.
    public let cities: [String]
    public let masses: [Double]
    /// Every pair (a before b in table order) with a distance.
    public let edges: [Edge]

    public init(masses: [(String, Double)], distance: (String, String) -> Double?, k: Double, beta: Double) {
        cities = masses.map(\.0)
        self.masses = masses.map(\.1)
        var edges: [Edge] = []
        for i in masses.indices {
            for j in masses.indices where j > i {
                let forward = distance(masses[i].0, masses[j].0)
                let backward = distance(masses[j].0, masses[i].0)
                let d: Double
                switch (forward, backward) {
                case let (f?, b?): d = (f + b) / 2
                case let (f?, nil): d = f
                case let (nil, b?): d = b
                case (nil, nil): continue
                }
                edges.append(Edge(a: masses[i].0, b: masses[j].0, force: k * masses[i].1 * masses[j].1 / pow(d, beta)))
            }
        }
        self.edges = edges
    }

    /// The maximum spanning tree (a forest when some cities have no path
    /// between them; see `MaximumSpanningTree`), in table order.
    public func maximumSpanningTree() -> [Edge] {
        let count = cities.count
        var weight = [[Double?]](repeating: [Double?](repeating: nil, count: count), count: count)
        let index = Dictionary(uniqueKeysWithValues: cities.enumerated().map { ($1, $0) })
        for edge in edges {
            let (i, j) = (index[edge.a]!, index[edge.b]!)
            weight[i][j] = edge.force
            weight[j][i] = edge.force
        }
        return MaximumSpanningTree.compute(count: count) { weight[$0][$1] }
            .map { Edge(a: cities[$0.a], b: cities[$0.b], force: $0.weight) }
    }

    /// Each city's number of edges in a tree.
    public func degrees(in tree: [Edge]) -> [String: Int] {
        var degrees = Dictionary(uniqueKeysWithValues: cities.map { ($0, 0) })
        for edge in tree {
            degrees[edge.a, default: 0] += 1
            degrees[edge.b, default: 0] += 1
        }
        return degrees
    }
}

/// Reads the inputs of `iin gravity`.
public enum GravityInputs {
    /// The names a key column may have: a city code, or the place's
    /// name or id, as a regional study names its places.
    public static let keyColumns = ["city_code", "city", "name", "id"]

    static func keyColumn(_ header: [String], path: String) throws(IINError) -> (index: Int, name: String) {
        for name in keyColumns {
            if let index = header.firstIndex(of: name) { return (index, name) }
        }
        throw IINError.missingColumns(path: path, missing: ["one key column: " + keyColumns.joined(separator: ", ")], found: header)
    }

    /// A CSV with a key column (`city_code`, `city`, `name` or `id`) and
    /// `mass` (others are ignored).
    public static func masses(_ url: URL) throws(IINError) -> [(String, Double)] {
        let table = try CSVTable.read(url)
        let (code, keyName) = try keyColumn(table.header, path: url.path)
        let mass = try table.columnIndex("mass")
        var result: [(String, Double)] = []
        var seen: [String: Int] = [:]
        for (row, line) in zip(table.rows, table.lines) {
            let city = row[code].trimmingCharacters(in: .whitespaces)
            guard let value = Double(row[mass].trimmingCharacters(in: .whitespaces)), value >= 0, value.isFinite else {
                throw IINError.invalidTableCell(path: url.path, row: line, column: "mass", value: row[mass], expected: "a number of at least 0")
            }
            if let earlier = seen[city] {
                throw IINError.invalidTableCell(path: url.path, row: line, column: keyName, value: city, expected: "a place not already on row \(earlier)")
            }
            seen[city] = line
            result.append((city, value))
        }
        return result
    }

    /// Distances as a matrix (header `city_code,A,B,…`, or `city`, `name`
    /// or `id` first; one row per place)
    /// or as a list (columns `from`, `to`, `distance`). Empty cells and the
    /// diagonal are no distance.
    public static func distances(_ url: URL) throws(IINError) -> [String: [String: Double]] {
        let table = try CSVTable.read(url)
        var result: [String: [String: Double]] = [:]
        func read(_ text: String, row: Int, column: String) throws(IINError) -> Double? {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return nil }
            guard let value = Double(trimmed), value > 0, value.isFinite else {
                throw IINError.invalidTableCell(path: url.path, row: row, column: column, value: text, expected: "a distance greater than 0, or empty")
            }
            return value
        }
        // Names are trimmed as the masses file's are, so the files match.
        func name(_ text: String) -> String { text.trimmingCharacters(in: .whitespaces) }
        if let from = table.header.firstIndex(of: "from"), let to = table.header.firstIndex(of: "to"), let distance = table.header.firstIndex(of: "distance") {
            for (row, line) in zip(table.rows, table.lines) where name(row[from]) != name(row[to]) {
                if let value = try read(row[distance], row: line, column: "distance") { result[name(row[from]), default: [:]][name(row[to])] = value }
            }
            return result
        }
        guard let first = table.header.first, keyColumns.contains(first) else {
            throw IINError.missingColumns(path: url.path, missing: ["a key column first (\(keyColumns.joined(separator: ", "))) for a matrix, or from, to, distance for a list"],
                                          found: table.header)
        }
        for (row, line) in zip(table.rows, table.lines) {
            for (column, other) in table.header.enumerated().dropFirst() where column < row.count && name(other) != name(row[0]) {
                if let value = try read(row[column], row: line, column: other) { result[name(row[0]), default: [:]][name(other)] = value }
            }
        }
        return result
    }
}
