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
        let massList = try reportingErrors { () throws(IINError) -> [(String, Double)] in try GravityInputs.masses(URL(fileURLWithPath: masses)) }
        let table = try reportingErrors { () throws(IINError) -> [String: [String: Double]] in try GravityInputs.distances(URL(fileURLWithPath: distances)) }
        let network = GravityNetwork(masses: massList, distance: { table[$0]?[$1] }, k: k, beta: beta)
        let unknown = Set(table.keys).union(table.values.flatMap(\.keys)).subtracting(massList.map(\.0)).sorted()
        // Said, not silent: a name spelled one way in each file would
        // otherwise only show as a tree in several parts.
        if !unknown.isEmpty {
            StandardError.write("warning: \(unknown.count) place(s) of \(distances) have no mass in \(masses) and are left out: \(unknown.prefix(10).joined(separator: ", "))\(unknown.count > 10 ? ", ..." : "")\n")
        }
        let tree = network.maximumSpanningTree()
        let folder = URL(fileURLWithPath: out)
        func number(_ value: Double) -> String { String(format: "%.10g", value) }
        // Names are quoted where they hold a comma or quote, and a name a
        // spreadsheet would run as a formula gets a leading apostrophe, as
        // in the release's CSVs.
        func place(_ name: String) -> String {
            guard let first = name.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return name }
            return "'" + name
        }
        func write(_ name: String, _ header: [String], _ rows: [[String]]) throws {
            let text = ([header] + rows).map(CSVWriter.line).joined()
            let url = folder.appendingPathComponent(name)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            } catch {
                StandardError.write("error: \(IINError.unwritableFile(path: url.path, reason: error.localizedDescription).description)\n")
                throw ExitCode(1)
            }
        }
        try write("gravity.csv", ["CityA", "CityB", "Force"], network.edges.map { [place($0.a), place($0.b), number($0.force)] })
        try write("spanning-tree.csv", ["CityA", "CityB", "Force"], tree.map { [place($0.a), place($0.b), number($0.force)] })
        let degrees = network.degrees(in: tree)
        try write("tree-degrees.csv", ["CityCode", "Mass", "TreeDegree"],
                  zip(network.cities, network.masses).map { [place($0), number($1), String(degrees[$0] ?? 0)] })
        let components = network.cities.count - tree.count
        print("gravity: \(network.cities.count) cities, \(network.edges.count) pairs; spanning tree: \(tree.count) edges"
              + (components > 1 ? " in \(components) parts (some cities have no distance path between them)" : ""))
        print("wrote \(out)/gravity.csv, \(out)/spanning-tree.csv, \(out)/tree-degrees.csv")
    }
}
