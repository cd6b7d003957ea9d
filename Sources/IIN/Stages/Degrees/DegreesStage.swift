import Foundation

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
    public static let reads: [String] = [AggregateStage.kind]

    public init() {}

    public func run(_ context: StageContext, parameters: NoParameters) throws(IINError) -> StageOutcome {
        let aggregate = try context.upstreamFolder(kind: AggregateStage.kind)
        let degrees = DegreeComputation.degrees(try LinkTable.read(from: aggregate))
        try DegreeTable.write(degrees, to: context.output)
        return StageOutcome(counts: ["city_slices": degrees.count])
    }
}
