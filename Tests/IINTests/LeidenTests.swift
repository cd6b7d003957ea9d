import Foundation
import Testing
@testable import IIN

@Suite("Leiden communities")
struct LeidenTests {
    /// Two 5-cliques joined by one edge: m = 21; each clique holds 10
    /// edges and a strength of 21, so Q = 2 (10/21 - (21/42)^2) = 0.452381.
    @Test func twoCliquesJoinedByOneEdge() {
        var edges: [(Int, Int, Double)] = []
        for offset in [0, 5] {
            for a in 0..<5 { for b in (a + 1)..<5 { edges.append((offset + a, offset + b, 1)) } }
        }
        edges.append((4, 5, 1))
        for seed in [1, 2, 3, 2025] as [UInt64] {
            let result = Leiden.communities(count: 10, edges: edges, seed: seed)
            #expect(result.communityCount == 2, "seed \(seed): \(result)")
            #expect(result.membership == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], "seed \(seed): \(result)")
            #expect(abs(result.modularity - (2 * (10.0 / 21 - 0.25))) < 1e-12, "seed \(seed): \(result.modularity)")
        }
    }

    /// A ring of six 4-cliques, neighbours joined by one edge each: every
    /// clique is a community (m = 42; Q = 6 (6/42 - (14/84)^2) = 0.690476).
    @Test func ringOfCliquesNeedsAggregation() {
        var edges: [(Int, Int, Double)] = []
        for clique in 0..<6 {
            let base = clique * 4
            for a in 0..<4 { for b in (a + 1)..<4 { edges.append((base + a, base + b, 1)) } }
            edges.append((base + 3, (base + 4) % 24, 1))
        }
        let result = Leiden.communities(count: 24, edges: edges, seed: 7)
        #expect(result.communityCount == 6)
        for clique in 0..<6 {
            #expect(Set((0..<4).map { result.membership[clique * 4 + $0] }).count == 1)
        }
        #expect(abs(result.modularity - 6 * (6.0 / 42 - pow(14.0 / 84, 2))) < 1e-12)
    }

    @Test func modularityMatchesItsDefinitionOnWeightedGraphs() {
        // Independent count: Q = (1 / 2m) sum_ij (A_ij - k_i k_j / 2m) [c_i = c_j].
        var random = SeededRandom(seed: 11)
        let count = 40
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: count), count: count)
        var edges: [(Int, Int, Double)] = []
        for a in 0..<count {
            for b in (a + 1)..<count where random.chance(a / 10 == b / 10 ? 0.7 : 0.05) {
                let weight = Double(1 + random.below(9))
                edges.append((a, b, weight))
                matrix[a][b] = weight
                matrix[b][a] = weight
            }
        }
        let result = Leiden.communities(count: count, edges: edges, seed: 3)
        let strength = matrix.map { $0.reduce(0, +) }
        let twoM = strength.reduce(0, +)
        var q = 0.0
        for i in 0..<count { for j in 0..<count where result.membership[i] == result.membership[j] { q += matrix[i][j] - strength[i] * strength[j] / twoM } }
        #expect(abs(result.modularity - q / twoM) < 1e-12)
        #expect(result.communityCount >= 3 && result.modularity > 0.4, "\(result)")
        #expect(Leiden.communities(count: count, edges: edges, seed: 3) == result, "same seed, same communities")
    }

    /// Modularity by its definition on a dense matrix, sharing nothing with
    /// Leiden's own bookkeeping.
    static func modularity(_ matrix: [[Double]], _ membership: [Int]) -> Double {
        let strength = matrix.map { $0.reduce(0, +) }
        let twoM = strength.reduce(0, +)
        var q = 0.0
        for i in matrix.indices { for j in matrix.indices where membership[i] == membership[j] { q += matrix[i][j] - strength[i] * strength[j] / twoM } }
        return q / twoM
    }

    /// The largest gain of moving one node into a community one of its
    /// neighbours is in, or alone: zero (up to rounding) at a fixed point.
    static func bestSingleMove(_ matrix: [[Double]], _ membership: [Int]) -> (gain: Double, node: Int, to: Int) {
        let base = modularity(matrix, membership)
        var best = (gain: 0.0, node: -1, to: -1)
        let unused = (membership.max() ?? 0) + 1
        for node in matrix.indices {
            let targets = Set(matrix.indices.filter { matrix[node][$0] > 0 && membership[$0] != membership[node] }.map { membership[$0] }).union([unused])
            for target in targets.sorted() {
                var moved = membership
                moved[node] = target
                let gain = modularity(matrix, moved) - base
                if gain > best.gain { best = (gain, node, target) }
            }
        }
        return best
    }

    /// The reported partition is a fixed point: no single node moved to a
    /// neighbouring community (or alone) raises its modularity. Checked on
    /// the default release's five slices, as the validate stage runs them,
    /// and on random weighted graphs with planted groups.
    @Test func theReportedPartitionIsAFixedPointOfSingleMoves() throws {
        var graphs: [(String, Int, [(Int, Int, Double)])] = []
        let networks = try ReleaseNetworks(reader: ReleaseReader(folder: EndToEndTests.golden, preferWorkbooks: false))
        for year in Set(networks.undirected.map(\.year)).sorted() {
            let inSlice = networks.undirected.filter { $0.year == year }
            let cities = Set(inSlice.flatMap { [$0.a, $0.b] }).sorted()
            let index = Dictionary(uniqueKeysWithValues: cities.enumerated().map { ($1, $0) })
            graphs.append(("release \(year)", cities.count, inSlice.map { (index[$0.a]!, index[$0.b]!, Double($0.weight)) }))
        }
        for seed in 1...12 as ClosedRange<UInt64> {
            var random = SeededRandom(seed: seed)
            let count = 60 + random.below(60)
            var edges: [(Int, Int, Double)] = []
            for a in 0..<count {
                for b in (a + 1)..<count where random.chance(a / 12 == b / 12 ? 0.3 : 0.04) { edges.append((a, b, Double(1 + random.below(6)))) }
            }
            graphs.append(("random \(seed)", count, edges))
        }
        try #require(graphs.count == 17 && graphs.prefix(5).allSatisfy { $0.2.count > 0 }, "the release's five slices did not load")
        for (name, count, edges) in graphs {
            var matrix = [[Double]](repeating: [Double](repeating: 0, count: count), count: count)
            for (a, b, weight) in edges {
                matrix[a][b] += weight
                matrix[b][a] += weight
            }
            let result = Leiden.communities(count: count, edges: edges, seed: 2025)
            #expect(result.converged && result.passes >= 1 && result.passes < Leiden.maximumPasses, "\(name): \(result.passes) passes")
            #expect(abs(result.modularity - Self.modularity(matrix, result.membership)) < 1e-12, "\(name)")
            let move = Self.bestSingleMove(matrix, result.membership)
            #expect(move.gain <= 1e-12, "\(name): moving node \(move.node) to community \(move.to) raises Q by \(move.gain) from \(result.modularity)")
        }
    }

    @Test func graphWithoutEdgesKeepsEveryNodeAlone() {
        let result = Leiden.communities(count: 3, edges: [], seed: 1)
        #expect(result.communityCount == 3 && result.modularity == 0)
    }
}
