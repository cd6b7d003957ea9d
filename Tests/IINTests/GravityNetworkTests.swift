import Foundation
import Testing
@testable import IIN

@Suite("Gravity network and its maximum spanning tree")
struct GravityNetworkTests {
    /// Masses 1, beta 1, k 1: forces are 1/D. AB 1, BC 0.8, AC 0.5, CD 0.4,
    /// AD 0.25, BD 0.2. By hand: AB, then BC, AC closes a cycle, CD.
    static let distances: [String: [String: Double]] = [
        "A": ["B": 1, "C": 2, "D": 4], "B": ["C": 1.25, "D": 5], "C": ["D": 2.5],
    ]

    @Test func theTreeOfAHandCheckedCase() {
        let network = GravityNetwork(masses: [("A", 1), ("B", 1), ("C", 1), ("D", 1)], distance: { Self.distances[$0]?[$1] }, k: 1, beta: 1)
        #expect(network.edges.count == 6)
        let tree = network.maximumSpanningTree()
        #expect(tree == [GravityNetwork.Edge(a: "A", b: "B", force: 1), GravityNetwork.Edge(a: "B", b: "C", force: 0.8),
                         GravityNetwork.Edge(a: "C", b: "D", force: 0.4)])
        #expect(network.degrees(in: tree) == ["A": 1, "B": 2, "C": 2, "D": 1])
    }

    @Test func theFormulaUsesMassesKAndBeta() throws {
        let network = GravityNetwork(masses: [("A", 3), ("B", 5)], distance: { $0 == "A" && $1 == "B" ? 10 : nil }, k: 0.5, beta: 2)
        #expect(network.edges.count == 1)
        #expect(abs(network.edges[0].force - 0.5 * 3 * 5 / 100) < 1e-12)
    }

    @Test func anAsymmetricDistanceUsesTheMeanOfBothDirections() {
        let network = GravityNetwork(masses: [("A", 1), ("B", 1)], distance: { from, _ in from == "A" ? 2 : 4 }, k: 1, beta: 1)
        #expect(network.edges == [GravityNetwork.Edge(a: "A", b: "B", force: 1.0 / 3)])
    }

    @Test func citiesWithoutAPathMakeAForest() {
        let network = GravityNetwork(masses: [("A", 1), ("B", 1), ("C", 1), ("D", 1)],
                                     distance: { Set([$0, $1]) == ["A", "B"] || Set([$0, $1]) == ["C", "D"] ? 1 : nil }, k: 1, beta: 1)
        let tree = network.maximumSpanningTree()
        #expect(tree.count == 2)
        #expect(network.degrees(in: tree).values.allSatisfy { $0 == 1 })
    }

    /// Against every spanning tree of a small complete graph: Prim's tree
    /// has the largest total force.
    @Test func primFindsTheHeaviestTreeOfAllTrees() {
        var random = SeededRandom(seed: 9)
        let names = ["A", "B", "C", "D", "E"]
        var distance: [String: [String: Double]] = [:]
        for i in names.indices { for j in names.indices where j > i { distance[names[i], default: [:]][names[j]] = 1 + random.unit() * 9 } }
        let network = GravityNetwork(masses: names.map { ($0, 1 + random.unit()) }, distance: { distance[$0]?[$1] }, k: 1, beta: 1.5)
        let best = network.maximumSpanningTree().reduce(0) { $0 + $1.force }
        // Every 4-edge subset that connects all five cities is a spanning tree.
        let edges = network.edges
        var heaviest = 0.0
        for mask in 0..<(1 << edges.count) where mask.nonzeroBitCount == 4 {
            var parent = Dictionary(uniqueKeysWithValues: names.map { ($0, $0) })
            func root(_ x: String) -> String { parent[x] == x ? x : root(parent[x]!) }
            var total = 0.0
            var acyclic = true
            for (index, edge) in edges.enumerated() where mask & (1 << index) != 0 {
                let (a, b) = (root(edge.a), root(edge.b))
                if a == b { acyclic = false; break }
                parent[a] = b
                total += edge.force
            }
            if acyclic { heaviest = max(heaviest, total) }
        }
        #expect(abs(best - heaviest) < 1e-9)
    }

    @Test func readsMatrixAndListDistancesAndNamesBadCells() throws {
        let folder = TestSupport.temporaryFolder("gravity-inputs")
        let matrix = folder.appendingPathComponent("matrix.csv")
        try TestSupport.write("city_code,110000,120000\n110000,0,120\n120000,125,0\n", to: matrix)
        let fromMatrix = try GravityInputs.distances(matrix)
        #expect(fromMatrix["110000"]?["120000"] == 120 && fromMatrix["120000"]?["110000"] == 125 && fromMatrix["110000"]?["110000"] == nil)
        let list = folder.appendingPathComponent("list.csv")
        try TestSupport.write("from,to,distance\n110000,120000,120\n", to: list)
        #expect(try GravityInputs.distances(list)["110000"]?["120000"] == 120)
        let bad = folder.appendingPathComponent("bad.csv")
        try TestSupport.write("city_code,110000,120000\n110000,0,far\n", to: bad)
        #expect(throws: IINError.invalidTableCell(path: bad.path, row: 2, column: "120000", value: "far", expected: "a distance greater than 0, or empty")) {
            try GravityInputs.distances(bad)
        }
        let masses = folder.appendingPathComponent("masses.csv")
        try TestSupport.write("city_code,mass\n110000,3.5\n110000,2\n", to: masses)
        #expect(throws: IINError.self) { try GravityInputs.masses(masses) }
    }

    @Test func theCommandWritesMatrixTreeAndDegrees() throws {
        let folder = TestSupport.temporaryFolder("gravity-cli")
        try TestSupport.write("city_code,mass\nA,1\nB,1\nC,1\nD,1\n", to: folder.appendingPathComponent("m.csv"))
        try TestSupport.write("from,to,distance\nA,B,1\nA,C,2\nA,D,4\nB,C,1.25\nB,D,5\nC,D,2.5\n", to: folder.appendingPathComponent("d.csv"))
        let result = try TestSupport.runIIN(["gravity", "--masses", "m.csv", "--distances", "d.csv", "--beta", "1", "--out", "g"], in: folder)
        #expect(result.status == 0, "\(result.errors)")
        #expect(try String(contentsOf: folder.appendingPathComponent("g/spanning-tree.csv"), encoding: .utf8) == "CityA,CityB,Force\nA,B,1\nB,C,0.8\nC,D,0.4\n")
        #expect(try String(contentsOf: folder.appendingPathComponent("g/tree-degrees.csv"), encoding: .utf8) == "CityCode,Mass,TreeDegree\nA,1,1\nB,1,2\nC,1,2\nD,1,1\n")
    }
}
