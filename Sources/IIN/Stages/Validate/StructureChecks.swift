import Foundation

/// Sections 6 and 8 of validation.md that need nothing but the release:
/// distance decay, Leiden communities, the maximum spanning tree backbone of
/// each slice, the localisation of investment (intracity against outward)
/// per city, and the headquarters-branch degree table. Computed from the
/// published tables, as the invariants are.
public struct StructureChecks: Sendable {
    /// A spanning tree's hubs as the report writes them; `code` names node `i`.
    static func hubs(_ tree: [MaximumSpanningTree.Edge], code: (Int) -> Int) -> JSONValue {
        .array(MaximumSpanningTree.hubs(tree, code: code).map { .object(["city": .string(String($0.city)), "tree_degree": .integer($0.treeDegree)]) })
    }

    public let networks: ReleaseNetworks
    public static let binKilometres = 50.0

    public init(networks: ReleaseNetworks) {
        self.networks = networks
    }

    public init(reader: ReleaseReader) throws(IINError) {
        self.init(networks: try ReleaseNetworks(reader: reader))
    }

    /// Per slice: the share of intercity investment frequency in each
    /// 50 km distance bin; OLS of ln(share) on ln(bin midpoint) over the
    /// non-empty bins; and whether the slope's magnitude shrinks over time.
    public func distanceDecay() -> JSONValue {
        let directed = networks.directed
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
                "r_squared": fit?.rSquared.map(JSONValue.number) ?? .null,
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
    public func backbone() -> JSONValue {
        let undirected = networks.undirected
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
            slices.append(.object([
                "year": .integer(year),
                "cities": .integer(cities.count),
                "edges": .integer(tree.count),
                "parts": .integer(cities.count - tree.count),
                "total_weight": .integer(Int(tree.reduce(0) { $0 + $1.weight })),
                "tree": .array(tree.map { .array([.string(String(cities[$0.a])), .string(String(cities[$0.b])), .integer(Int($0.weight))]) }),
                "hubs": Self.hubs(tree) { cities[$0] },
            ]))
        }
        return .object(["slices": .array(slices)])
    }

    /// Per slice and city: intracity frequency N(i->i) against outward
    /// frequency (the sum over j != i of N(i->j)).
    public func localisation() -> JSONValue {
        let all = networks.directedIntracity
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

    /// Per slice: Leiden communities (modularity, resolution 1) of the
    /// undirected intercity network, weights S.
    public func communities(seed: UInt64) -> JSONValue {
        var slices: [JSONValue] = []
        for year in Set(networks.undirected.map(\.year)).sorted() {
            let inSlice = networks.undirected.filter { $0.year == year }
            let cities = Set(inSlice.flatMap { [$0.a, $0.b] }).sorted()
            let index = Dictionary(uniqueKeysWithValues: cities.enumerated().map { ($1, $0) })
            let result = Leiden.communities(count: cities.count, edges: inSlice.map { (index[$0.a]!, index[$0.b]!, Double($0.weight)) }, seed: seed)
            var sizes = [Int](repeating: 0, count: result.communityCount)
            for community in result.membership { sizes[community] += 1 }
            slices.append(.object([
                "year": .integer(year),
                "cities": .integer(cities.count),
                "communities": .integer(result.communityCount),
                "modularity": .number(result.modularity),
                "passes": .integer(result.passes),
                "converged": .bool(result.converged),
                "sizes": .array(sizes.map(JSONValue.integer)),
                "membership": .object(Dictionary(uniqueKeysWithValues: cities.enumerated().map { (String($1), JSONValue.integer(result.membership[$0])) })),
            ]))
        }
        return .object(["resolution": .number(1), "seed": .integer(Int(seed)), "slices": .array(slices)])
    }

    /// The degree table of a network (validation.md section 8, for the
    /// headquarters-branch network): per slice, the cities of highest node
    /// degree with their outbound (branches opened elsewhere) and inbound
    /// frequency, and degree centrality, the share of the other cities of
    /// the slice's network a city is linked with either way.
    public func degreeTable(top: Int = 10) -> JSONValue {
        var slices: [JSONValue] = []
        let leaders = networks.topByNodeDegree(top)
        for year in networks.degrees.keys.sorted() {
            var partners: [Int: Set<Int>] = [:]
            for edge in networks.directed where edge.year == year {
                partners[edge.a, default: []].insert(edge.b)
                partners[edge.b, default: []].insert(edge.a)
            }
            let others = Double(max(partners.count - 1, 1))
            let ranked = leaders[year] ?? []
            slices.append(.object([
                "year": .integer(year),
                "cities": .integer(partners.count),
                "top": .array(ranked.map { entry in
                    let degree = networks.degrees[year]![entry.city]!
                    return .object(["city": .string(String(entry.city)), "outbound": .integer(degree.out), "inbound": .integer(degree.in),
                                    "node_degree": .integer(degree.node), "degree_centrality": .number(Double(partners[entry.city]?.count ?? 0) / others)])
                }),
            ]))
        }
        return .object(["slices": .array(slices)])
    }
}
