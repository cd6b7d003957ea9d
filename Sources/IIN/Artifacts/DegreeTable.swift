import Foundation

/// One city's degrees in one slice of one link type.
public struct CityDegree: Sendable, Equatable {
    public var linkType: LinkType
    public var year: Int
    public var city: Int
    public var outdegree: Int
    public var indegree: Int
    public var nodeDegree: Int { outdegree + indegree }
    public var rankOut = 0
    public var rankIn = 0
    public var rankNode = 0
}

/// `degrees.csv`, the degrees stage's artifact: link_type, year, city,
/// outdegree, indegree, node_degree, rank_out, rank_in, rank_node; sorted
/// by link type, year, city.
public enum DegreeTable {
    public static let fileName = "degrees.csv"
    static let header = ["link_type", "year", "city", "outdegree", "indegree", "node_degree", "rank_out", "rank_in", "rank_node"]

    static func write(_ degrees: [CityDegree], to folder: URL) throws(IINError) {
        let output = try BufferedFileWriter(url: folder.appendingPathComponent(fileName))
        var writer = CSVWriter(output: output)
        writer.writeRow(header)
        for degree in degrees {
            writer.writeRow([degree.linkType.name, String(degree.year), String(degree.city), String(degree.outdegree), String(degree.indegree),
                             String(degree.nodeDegree), String(degree.rankOut), String(degree.rankIn), String(degree.rankNode)])
        }
        try output.close()
    }

    public static func read(from folder: URL) throws(IINError) -> [CityDegree] {
        let table = try CSVTable.read(folder.appendingPathComponent(fileName))
        var degrees: [CityDegree] = []
        for (row, line) in zip(table.rows, table.lines) {
            let numbers = row[1...].compactMap { Int($0) }
            guard let linkType = LinkType(columnText: row[0]), numbers.count == 8 else {
                throw IINError.corruptArtifact(path: table.path, reason: "line \(line) unreadable")
            }
            degrees.append(CityDegree(linkType: linkType, year: numbers[0], city: numbers[1], outdegree: numbers[2], indegree: numbers[3],
                                      rankOut: numbers[5], rankIn: numbers[6], rankNode: numbers[7]))
        }
        return degrees
    }
}
