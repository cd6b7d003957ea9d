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

/// Degrees and ranks as outputs.md defines them.
public enum DegreeComputation {
    /// Outdegree(i) = sum over j != i of N(i->j); Indegree(i) = sum over
    /// j != i of N(j->i), for the cities with at least one intercity link.
    /// Sorted by link type, year, city code.
    public static func degrees(_ table: LinkTable) -> [CityDegree] {
        var result: [CityDegree] = []
        for (linkType, year) in table.slices {
            var out: [Int: Int] = [:]
            var into: [Int: Int] = [:]
            for link in table.links where link.linkType == linkType && link.year == year && link.from != link.to {
                out[link.from, default: 0] += link.count
                into[link.to, default: 0] += link.count
            }
            var slice = Set(out.keys).union(into.keys).sorted().map {
                CityDegree(linkType: linkType, year: year, city: $0, outdegree: out[$0, default: 0], indegree: into[$0, default: 0])
            }
            let rankOut = ranks(slice.map(\.outdegree))
            let rankIn = ranks(slice.map(\.indegree))
            let rankNode = ranks(slice.map(\.nodeDegree))
            for index in slice.indices {
                slice[index].rankOut = rankOut[index]
                slice[index].rankIn = rankIn[index]
                slice[index].rankNode = rankNode[index]
            }
            result += slice
        }
        return result
    }

    /// Competition ranking, descending: ties share the lowest rank (1, 2, 2, 4).
    public static func ranks(_ values: [Int]) -> [Int] {
        let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Int](repeating: 0, count: values.count)
        for (position, index) in order.enumerated() {
            if position > 0 && values[order[position - 1]] == values[index] {
                ranks[index] = ranks[order[position - 1]]
            } else {
                ranks[index] = position + 1
            }
        }
        return ranks
    }
}

/// Stage 5: out-, in- and node degree with ranks per city and slice (see
/// stages/degrees.json).
public struct DegreesStage: Stage {
    public static let kind = "degrees"
    public static let codeVersion = 1
    public static let usesGazetteer = false
    public static let fileName = "degrees.csv"
    static let header = ["link_type", "year", "city", "outdegree", "indegree", "node_degree", "rank_out", "rank_in", "rank_node"]

    public init() {}

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        let aggregate = try context.upstreamFolder(kind: AggregateStage.kind)
        let degrees = DegreeComputation.degrees(try LinkTable.read(from: aggregate))
        let output = try BufferedFileWriter(url: context.output.appendingPathComponent(Self.fileName))
        var writer = CSVWriter(output: output)
        writer.writeRow(Self.header)
        for degree in degrees {
            writer.writeRow([degree.linkType.name, String(degree.year), String(degree.city), String(degree.outdegree), String(degree.indegree),
                             String(degree.nodeDegree), String(degree.rankOut), String(degree.rankIn), String(degree.rankNode)])
        }
        try output.close()
        return StageOutcome(counts: ["city_slices": degrees.count])
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
