import Foundation

/// Sections 6 and 8 of validation.md that need nothing but the release:
/// distance decay, the maximum spanning tree backbone of each slice, and
/// the localisation of investment (intracity against outward) per city.
/// Computed from the published tables, as the invariants are, for the
/// investment network.
public struct StructureChecks {
    public let reader: ReleaseReader
    public static let binKilometres = 50.0

    public init(reader: ReleaseReader) {
        self.reader = reader
    }

    /// Per slice: the share of intercity investment frequency in each
    /// 50 km distance bin; OLS of ln(share) on ln(bin midpoint) over the
    /// non-empty bins; and whether the slope's magnitude shrinks over time.
    public func distanceDecay() throws(IINError) -> JSONValue {
        let directed = try reader.edges(PublishStage.directedName, withDistance: true)
        var slices: [JSONValue] = []
        var slopes: [(Int, Double)] = []
        for year in Set(directed.map(\.year)).sorted() {
            let inSlice = directed.filter { $0.year == year }
            let total = Double(inSlice.reduce(0) { $0 + $1.weight })
            var bins: [Int: Int] = [:]
            for link in inSlice { bins[Int(link.distance! / Self.binKilometres), default: 0] += link.weight }
            let ordered = bins.keys.sorted()
            let x = ordered.map { log((Double($0) + 0.5) * Self.binKilometres) }
            let y = ordered.map { log(Double(bins[$0]!) / total) }
            let fit = Statistics.ols(x, y)
            if let fit { slopes.append((year, fit.slope)) }
            slices.append(.object([
                "year": .integer(year),
                "bins": .array(ordered.map { bin in
                    .object(["from_km": .number(Double(bin) * Self.binKilometres), "to_km": .number(Double(bin + 1) * Self.binKilometres),
                             "share": .number(Double(bins[bin]!) / total)])
                }),
                "slope": fit.map { .number($0.slope) } ?? .null,
                "intercept": fit.map { .number($0.intercept) } ?? .null,
                "r_squared": fit.map { .number($0.rSquared) } ?? .null,
            ]))
        }
        let trend = Statistics.ols(slopes.map { Double($0.0) }, slopes.map { abs($0.1) })
        return .object([
            "bin_km": .number(Self.binKilometres),
            "slices": .array(slices),
            "magnitude_trend_per_year": trend.map { .number($0.slope) } ?? .null,
            "magnitude_shrinks": slopes.count > 1 ? .bool(abs(slopes.last!.1) < abs(slopes.first!.1)) : .null,
        ])
    }

    /// Per slice: the maximum spanning tree of the undirected intercity
    /// network (weights S), its total weight and each city's tree degree.
    public func backbone() throws(IINError) -> JSONValue {
        let undirected = try reader.edges(PublishStage.undirectedName)
        var slices: [JSONValue] = []
        for year in Set(undirected.map(\.year)).sorted() {
            let inSlice = undirected.filter { $0.year == year }
            let cities = Set(inSlice.flatMap { [$0.a, $0.b] }).sorted()
            let index = Dictionary(uniqueKeysWithValues: cities.enumerated().map { ($1, $0) })
            var weights: [Int: Double] = [:]
            for link in inSlice {
                let (i, j) = (index[link.a]!, index[link.b]!)
                weights[min(i, j) * cities.count + max(i, j)] = Double(link.weight)
            }
            let tree = MaximumSpanningTree.compute(count: cities.count) { weights[min($0, $1) * cities.count + max($0, $1)] }
            var degree: [Int: Int] = [:]
            for edge in tree {
                degree[cities[edge.a], default: 0] += 1
                degree[cities[edge.b], default: 0] += 1
            }
            let hubs = degree.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(10)
            slices.append(.object([
                "year": .integer(year),
                "cities": .integer(cities.count),
                "edges": .integer(tree.count),
                "parts": .integer(cities.count - tree.count),
                "total_weight": .integer(Int(tree.reduce(0) { $0 + $1.weight })),
                "tree": .array(tree.map { .array([.string(String(cities[$0.a])), .string(String(cities[$0.b])), .integer(Int($0.weight))]) }),
                "hubs": .array(hubs.map { .object(["city": .string(String($0.key)), "tree_degree": .integer($0.value)]) }),
            ]))
        }
        return .object(["slices": .array(slices)])
    }

    /// Per slice and city: intracity frequency N(i->i) against outward
    /// frequency (the sum over j != i of N(i->j)).
    public func localisation() throws(IINError) -> JSONValue {
        let all = try reader.edges(PublishStage.directedIntracityName)
        var slices: [JSONValue] = []
        for year in Set(all.map(\.year)).sorted() {
            var intracity: [Int: Int] = [:]
            var outward: [Int: Int] = [:]
            for link in all where link.year == year {
                if link.a == link.b { intracity[link.a, default: 0] += link.weight } else { outward[link.a, default: 0] += link.weight }
            }
            let cities = Set(intracity.keys).union(outward.keys).sorted()
            let totalIn = intracity.values.reduce(0, +), totalOut = outward.values.reduce(0, +)
            slices.append(.object([
                "year": .integer(year),
                "intracity_share": totalIn + totalOut > 0 ? .number(Double(totalIn) / Double(totalIn + totalOut)) : .null,
                "cities": .array(cities.map { city in
                    let inside = intracity[city, default: 0], out = outward[city, default: 0]
                    return .object(["city": .string(String(city)), "intracity": .integer(inside), "outward": .integer(out),
                                    "intracity_share": .number(Double(inside) / Double(inside + out))])
                }),
            ]))
        }
        return .object(["slices": .array(slices)])
    }
}
