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

    @Test func graphWithoutEdgesKeepsEveryNodeAlone() {
        let result = Leiden.communities(count: 3, edges: [], seed: 1)
        #expect(result.communityCount == 3 && result.modularity == 0)
    }
}
