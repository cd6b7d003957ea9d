import Foundation

/// Sections 4, 5 and 7 of validation.md: the network against population
/// mobility, against the economic gravity model, and against other
/// studies' top-20 lists. Each reads the release's edge tables, already
/// loaded, and one optional input.
public struct ComparisonChecks: Sendable {
    public let networks: ReleaseNetworks
    /// At most this many points of a scatter go into the report: enough to
    /// show its shape, few enough for a browser.
    public static let plotPoints = 1500
    public static let bands: [(label: String, range: Range<Double>)] = [("0-100 km", 0..<100), ("100-500 km", 100..<500), (">500 km", 500..<Double.infinity)]

    public init(networks: ReleaseNetworks) {
        self.networks = networks
    }

    // MARK: Section 4

    /// The directed and undirected intercity networks of `year` against
    /// a mobility table of the same year.
    public func mobility(_ flows: [ReferenceInputs.PairValue], year: Int) -> JSONValue {
        let directed = networks.directed.filter { $0.year == year }
        let undirected = networks.undirected.filter { $0.year == year }
        var directedFlow: [Int: Double] = [:], undirectedFlow: [Int: Double] = [:]
        for flow in flows {
            directedFlow[Self.key(flow.from, flow.to), default: 0] += flow.value
            undirectedFlow[Self.key(min(flow.from, flow.to), max(flow.from, flow.to)), default: 0] += flow.value
        }
        return .object([
            "year": .integer(year),
            "rows": .integer(flows.count),
            "directed": Self.compare(investment: directed, reference: directedFlow, referenceName: "mobility"),
            "undirected": Self.compare(investment: undirected, reference: undirectedFlow, referenceName: "mobility"),
        ])
    }

    static func key(_ a: Int, _ b: Int) -> Int { a * 1_000_000 + b }

    /// One network against one reference series: z-scores, the log-log
    /// scatter over pairs where both are positive with its OLS line, the
    /// Q-Q fit of the z-scored series, and the scatter R^2 per band.
    static func compare(investment: [ReleaseReader.Edge], reference: [Int: Double], referenceName: String) -> JSONValue {
        var logReference: [Double] = [], logInvestment: [Double] = [], distances: [Double] = []
        for edge in investment {
            guard let value = reference[key(edge.a, edge.b)], value > 0, edge.weight > 0 else { continue }
            logReference.append(log(value))
            logInvestment.append(log(Double(edge.weight)))
            distances.append(edge.distance ?? 0)
        }
        let positiveReference = reference.values.filter { $0 > 0 }.sorted()
        let qq = Statistics.quantileComparison(positiveReference, investment.map { Double($0.weight) })
        var perBand: [JSONValue] = []
        for band in bands(distances) {
            let fit = Statistics.ols(band.indices.map { logReference[$0] }, band.indices.map { logInvestment[$0] })
            perBand.append(.object(["band": .string(band.label), "pairs": .integer(band.indices.count), "r_squared": fit?.rSquared.map(JSONValue.number) ?? .null]))
        }
        return .object([
            "investment_pairs": .integer(investment.count),
            "\(referenceName)_pairs": .integer(positiveReference.count),
            "matched_pairs": .integer(logReference.count),
            "loglog": line(Statistics.ols(logReference, logInvestment)),
            "scatter": scatter(logReference, logInvestment),
            "qq": quantiles(qq),
            "bands": .array(perBand),
        ])
    }

    static func bands(_ distances: [Double]) -> [(label: String, indices: [Int])] {
        Self.bands.map { band in (band.label, distances.indices.filter { band.range.contains(distances[$0]) }) }
    }

    static func line(_ fit: Statistics.Line?) -> JSONValue {
        guard let fit else { return .null }
        return .object(["slope": .number(fit.slope), "intercept": .number(fit.intercept), "r_squared": fit.rSquared.map(JSONValue.number) ?? .null, "n": .integer(fit.count)])
    }

    static func quantiles(_ comparison: Statistics.QuantileComparison?) -> JSONValue {
        guard let comparison else { return .null }
        return .object(["line": line(comparison.line), "points": .array(zip(comparison.x, comparison.y).map { .array([rounded($0), rounded($1)]) })])
    }

    /// Every k-th point in the pairs' order (which is the table's), so the
    /// plotted subset is the same on every run.
    static func scatter(_ x: [Double], _ y: [Double]) -> JSONValue {
        let step = max(1, (x.count + plotPoints - 1) / plotPoints)
        return .array(stride(from: 0, to: x.count, by: step).map { .array([rounded(x[$0]), rounded(y[$0])]) })
    }

    static func rounded(_ value: Double) -> JSONValue { .number((value * 10_000).rounded() / 10_000) }

    // MARK: Section 5

    /// The gravity model per slice with GDP: both fits, Pearson's r overall
    /// and per band, the log-log and Q-Q R^2; and the maximum spanning
    /// tree of the fitted gravity network of the latest such slice.
    public func gravity(gdp: [Int: [Int: Double]], economicDistances: [ReferenceInputs.PairValue]?, seed: UInt64, cities: [City], threads: Int) -> JSONValue {
        gravity(gdp: gdp, economicDistances: economicDistances, seed: seed, cities: cities, threads: threads, memo: GravityMemo())
    }

    /// The same, taking each slice's fit from `memo` when its pairs are
    /// those of the build that made it.
    func gravity(gdp: [Int: [Int: Double]], economicDistances: [ReferenceInputs.PairValue]?, seed: UInt64, cities: [City], threads: Int,
                 memo: GravityMemo) -> JSONValue {
        let separation: [Int: Double]? = economicDistances.map { pairs in
            var table: [Int: Double] = [:]
            for pair in pairs { table[Self.key(min(pair.from, pair.to), max(pair.from, pair.to))] = pair.value }
            return table
        }
        let years = Set(networks.undirected.map(\.year)).sorted()
        let fits: [(json: JSONValue, profile: GravityFit.Parameters?)] = Parallel.map(count: years.count, threads: threads) { index in
            // Each slice's swarm also spreads its particles over the
            // threads, so the last slice left does not run on one alone.
            self.gravitySlice(year: years[index], masses: gdp[years[index]], separation: separation, seed: seed, threads: threads, memo: memo)
        }
        var result: [String: JSONValue] = [
            "distance": .string(separation == nil ? "geographic (km)" : "economic (from the input table)"),
            "seed": .integer(Int(seed)),
            "slices": .array(fits.map(\.json)),
        ]
        if let latest = years.last(where: { gdp[$0] != nil }), let profile = fits[years.firstIndex(of: latest)!].profile {
            result["backbone"] = Self.gravityBackbone(year: latest, masses: gdp[latest]!, k: profile.k, beta: profile.beta, cities: cities, separation: separation)
        }
        return .object(result)
    }

    /// The slice's section, and the profile fit the gravity backbone uses.
    private func gravitySlice(year: Int, masses: [Int: Double]?, separation: [Int: Double]?, seed: UInt64, threads: Int,
                              memo: GravityMemo) -> (json: JSONValue, profile: GravityFit.Parameters?) {
        guard let masses else { return (.object(["year": .integer(year), "skipped": .string("no GDP for \(year) in the input")]), nil) }
        var products: [Double] = [], distances: [Double] = [], frequencies: [Double] = [], kilometres: [Double] = []
        var withoutMass = 0, withoutDistance = 0
        for edge in networks.undirected where edge.year == year {
            guard let a = masses[edge.a], let b = masses[edge.b] else { withoutMass += 1; continue }
            let distance = separation.map { $0[Self.key(edge.a, edge.b)] } ?? edge.distance
            guard let distance, distance > 0 else { withoutDistance += 1; continue }
            products.append(a * b)
            distances.append(distance)
            kilometres.append(edge.distance ?? 0)
            frequencies.append(Double(edge.weight))
        }
        let key = GravityMemo.key(year: year, seed: seed, withoutMass: withoutMass, withoutDistance: withoutDistance,
                                  columns: [products, distances, kilometres, frequencies])
        return memo.fit(key: key) {
            Self.fitSlice(year: year, products: products, distances: distances, kilometres: kilometres, frequencies: frequencies,
                          withoutMass: withoutMass, withoutDistance: withoutDistance, seed: seed, threads: threads)
        }
    }

    /// One slice's fits and their section, from its pairs.
    private static func fitSlice(year: Int, products: [Double], distances: [Double], kilometres: [Double], frequencies: [Double],
                                 withoutMass: Int, withoutDistance: Int, seed: UInt64, threads: Int) -> (json: JSONValue, profile: GravityFit.Parameters?) {
        var result: [String: JSONValue] = [
            "year": .integer(year), "pairs": .integer(frequencies.count),
            "pairs_without_gdp": .integer(withoutMass), "pairs_without_distance": .integer(withoutDistance),
        ]
        guard frequencies.count > 2 else {
            result["skipped"] = .string("fewer than 3 pairs with GDP and distance")
            return (.object(result), nil)
        }
        let fit = GravityFit(massProduct: products, distance: distances, frequency: frequencies)
        let profile = fit.profile()
        let swarm = fit.swarm(seed: seed, threads: threads)
        let predicted = fit.predicted(profile)
        result["profile"] = Self.parameters(profile)
        result["swarm"] = Self.parameters(swarm)
        result["rmse_gap_percent"] = .number(profile.rmse > 0 ? (swarm.rmse - profile.rmse) / profile.rmse * 100 : 0)
        let identification = fit.betaIdentification(best: profile)
        result["beta_identification"] = .object([
            "tolerance_percent": .number(identification.tolerance * 100),
            "low": .number(identification.low), "high": .number(identification.high), "width": .number(identification.width),
            "touches_lower_bound": .bool(identification.touchesLowerBound), "touches_upper_bound": .bool(identification.touchesUpperBound),
            "best_at_bound": identification.bestAtBound.map(JSONValue.number) ?? .null, "frequencies_vary": .bool(identification.frequenciesVary),
            "identified": .bool(identification.identified), "sentence": .string(identification.sentence),
        ])
        result["pearson_r"] = Statistics.pearson(predicted, frequencies).map(JSONValue.number) ?? .null
        result["bands"] = .array(Self.bands(kilometres).map { band in
            .object(["band": .string(band.label), "pairs": .integer(band.indices.count),
                     "pearson_r": Statistics.pearson(band.indices.map { predicted[$0] }, band.indices.map { frequencies[$0] }).map(JSONValue.number) ?? .null])
        })
        let logPredicted = predicted.map { log($0) }, logFrequency = frequencies.map { log($0) }
        let usable = logPredicted.indices.filter { logPredicted[$0].isFinite }
        result["loglog"] = Self.line(Statistics.ols(usable.map { logPredicted[$0] }, usable.map { logFrequency[$0] }))
        result["scatter"] = Self.scatter(usable.map { logPredicted[$0] }, usable.map { logFrequency[$0] })
        result["qq"] = Self.quantiles(Statistics.quantileComparison(predicted, frequencies))
        return (.object(result), profile)
    }

    static func parameters(_ fit: GravityFit.Parameters) -> JSONValue {
        .object(["k": .number(fit.k), "beta": .number(fit.beta), "rmse": .number(fit.rmse)])
    }

    /// The maximum spanning tree of E(i,j) over every pair of cities with
    /// GDP: the regional economic gravity network's backbone.
    static func gravityBackbone(year: Int, masses: [Int: Double], k: Double, beta: Double, cities: [City], separation: [Int: Double]?) -> JSONValue {
        let members = cities.filter { masses[$0.code] != nil }
        let tree = MaximumSpanningTree.compute(count: members.count) { i, j in
            let (a, b) = (members[min(i, j)], members[max(i, j)])
            let distance = separation.map { $0[key(a.code, b.code)] } ?? a.distanceKilometres(to: b)
            guard let distance, distance > 0 else { return nil }
            return k * masses[a.code]! * masses[b.code]! / pow(distance, beta)
        }
        return .object([
            "year": .integer(year), "cities": .integer(members.count), "edges": .integer(tree.count),
            "tree": .array(tree.map { .array([.string(String(members[$0.a].code)), .string(String(members[$0.b].code)), .number($0.weight)]) }),
            "hubs": StructureChecks.hubs(tree) { members[$0].code },
        ])
    }

    // MARK: Section 7

    /// Top 20 cities by node degree per slice, and the overlap with each
    /// reference list of a slice year.
    public func topLists(_ lists: [ReferenceInputs.ListedCity]?) -> JSONValue {
        let top = networks.topByNodeDegree(20)
        var comparisons: [JSONValue] = []
        if let lists {
            var grouped: [String: [ReferenceInputs.ListedCity]] = [:]
            for entry in lists { grouped["\(entry.source)\u{1}\(entry.year)", default: []].append(entry) }
            for key in grouped.keys.sorted() {
                let entries = grouped[key]!.sorted { $0.rank < $1.rank }
                let year = entries[0].year
                let reference = entries.prefix(20).map(\.city)
                var object: [String: JSONValue] = ["source": .string(entries[0].source), "year": .integer(year),
                                                   "reference": .array(reference.map { .string(String($0)) })]
                if let ours = top[year] {
                    let shared = Set(ours.map(\.city)).intersection(reference)
                    object["overlap"] = .integer(shared.count)
                    object["overlap_percent"] = .number(Double(shared.count) / Double(max(reference.count, 1)) * 100)
                    object["shared"] = .array(shared.sorted().map { .string(String($0)) })
                } else {
                    object["skipped"] = .string("the release has no \(year) slice")
                }
                comparisons.append(.object(object))
            }
        }
        return .object([
            "slices": .array(top.keys.sorted().map { year in
                .object(["year": .integer(year), "top": .array(top[year]!.enumerated().map { rank, entry in
                    .object(["rank": .integer(rank + 1), "city": .string(String(entry.city)), "node_degree": .integer(entry.degree)])
                })])
            }),
            "comparisons": lists == nil ? .null : .array(comparisons),
        ])
    }
}
