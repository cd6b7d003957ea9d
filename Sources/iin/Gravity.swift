import ArgumentParser
import Foundation
import IIN

struct Gravity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a gravity network F = k M_i M_j / D^beta from city masses and distances, and its maximum spanning tree.",
        discussion: """
            --masses: CSV with a key column (city_code, city, name or id: a regional study may name its places) and mass (an \
            economic quality index, say). --distances: a matrix CSV (header city_code,A,B,..., or city, name or id first; \
            geographic or economic distances, not necessarily symmetric: a pair uses the mean of \
            both directions) or a list CSV with columns from, to, distance. Writes OUT/gravity.csv (every pair's force), \
            OUT/spanning-tree.csv (the maximum spanning tree by Prim's algorithm; a forest when some cities are not connected) \
            and OUT/tree-degrees.csv (each city's degree in the tree).
            """)

    @Option(name: .long, help: "Masses (CSV: city_code, city, name or id; mass).") var masses: String
    @Option(name: .long, help: "Distances between cities (matrix or list CSV).") var distances: String
    @Option(name: .long, help: "Distance exponent.") var beta: Double = 2
    @Option(name: .long, help: "Gravity constant.") var k: Double = 1
    @Option(name: .long, help: "Output folder.") var out: String = "gravity"

    func validate() throws {
        guard beta >= 0, k > 0 else { throw ValidationError("--beta must be at least 0 and --k above 0") }
    }

    func run() throws {
        let network = try reportingErrors { () throws(IINError) -> GravityNetwork in
            let masses = try GravityInputs.masses(URL(fileURLWithPath: masses))
            let distances = try GravityInputs.distances(URL(fileURLWithPath: distances))
            return GravityNetwork(masses: masses, distance: { distances[$0]?[$1] }, k: k, beta: beta)
        }
        let tree = network.maximumSpanningTree()
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func number(_ value: Double) -> String { String(format: "%.10g", value) }
        func write(_ name: String, _ header: [String], _ rows: [[String]]) throws {
            let text = ([header] + rows).map { $0.joined(separator: ",") + "\n" }.joined()
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        }
        try write("gravity.csv", ["CityA", "CityB", "Force"], network.edges.map { [$0.a, $0.b, number($0.force)] })
        try write("spanning-tree.csv", ["CityA", "CityB", "Force"], tree.map { [$0.a, $0.b, number($0.force)] })
        let degrees = network.degrees(in: tree)
        try write("tree-degrees.csv", ["CityCode", "Mass", "TreeDegree"],
                  zip(network.cities, network.masses).map { [$0, number($1), String(degrees[$0] ?? 0)] })
        let components = network.cities.count - tree.count
        print("gravity: \(network.cities.count) cities, \(network.edges.count) pairs; spanning tree: \(tree.count) edges"
              + (components > 1 ? " in \(components) parts (some cities have no distance path between them)" : ""))
        print("wrote \(out)/gravity.csv, \(out)/spanning-tree.csv, \(out)/tree-degrees.csv")
    }
}
