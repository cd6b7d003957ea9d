import Foundation

/// The tables of a release that the validation sections share, read once:
/// the intercity edge tables with distances, the directed table including
/// intracity links, and node degree per city and slice.
public struct ReleaseNetworks: Sendable {
    public var directed: [ReleaseReader.Edge]
    public var undirected: [ReleaseReader.Edge]
    public var directedIntracity: [ReleaseReader.Edge]
    /// Per slice year: city code to (outdegree, indegree, node degree).
    public var degrees: [Int: [Int: Degree]]

    public struct Degree: Sendable, Equatable {
        public var out: Int
        public var `in`: Int
        public var node: Int
    }

    public init(reader: ReleaseReader, subfolder: String = "") throws(IINError) {
        directed = try reader.edges(PublishStage.directedName, in: subfolder, withDistance: true)
        undirected = try reader.edges(PublishStage.undirectedName, in: subfolder, withDistance: true)
        directedIntracity = try reader.edges(PublishStage.directedIntracityName, in: subfolder)
        degrees = try Self.degrees(reader: reader, subfolder: subfolder)
    }

    /// The metric table's degrees, per slice year and city.
    public static func degrees(reader: ReleaseReader, subfolder: String = "") throws(IINError) -> [Int: [Int: Degree]] {
        let metric = try reader.require(PublishStage.metricName, in: subfolder)
        let columns = try (metric.columnIndex("CityCode"), metric.columnIndex("Outdegree"), metric.columnIndex("Indegree"),
                           metric.columnIndex("NodeDegree"), metric.columnIndex("InvestmentYear"))
        var degrees: [Int: [Int: Degree]] = [:]
        for (row, line) in zip(metric.rows, metric.lines) {
            guard let city = ReleaseReader.whole(row[columns.0]), let out = ReleaseReader.whole(row[columns.1]), let into = ReleaseReader.whole(row[columns.2]),
                  let node = ReleaseReader.whole(row[columns.3]), let year = ReleaseReader.whole(row[columns.4]) else {
                throw IINError.corruptArtifact(path: metric.path, reason: "line \(line): unreadable numbers")
            }
            degrees[year, default: [:]][city] = Degree(out: out, in: into, node: node)
        }
        return degrees
    }

    /// Per slice, the n cities of highest node degree (ties to the lower
    /// code).
    public func topByNodeDegree(_ n: Int) -> [Int: [(city: Int, degree: Int)]] {
        degrees.mapValues { cities in
            cities.map { (city: $0.key, degree: $0.value.node) }.sorted { ($1.degree, $0.city) < ($0.degree, $1.city) }.prefix(n).map { $0 }
        }
    }
}
