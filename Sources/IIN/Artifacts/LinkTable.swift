import Foundation

/// The directed city-to-city weights N(i->j) of one link type and slice,
/// intracity pairs (i == j) included.
public struct LinkTable: Sendable, Equatable {
    public struct Link: Sendable, Equatable {
        public var linkType: LinkType
        public var year: Int
        public var from: Int
        public var to: Int
        public var count: Int
    }

    /// Sorted by link type, year, from, to.
    public var links: [Link]

    public static let fileName = "links.csv"
    static let header = ["link_type", "year", "investor_city", "investee_city", "count"]

    public func write(to folder: URL) throws(IINError) {
        let output = try BufferedFileWriter(url: folder.appendingPathComponent(Self.fileName))
        var writer = CSVWriter(output: output)
        writer.writeRow(Self.header)
        for link in links {
            writer.writeRow([link.linkType.name, String(link.year), String(link.from), String(link.to), String(link.count)])
        }
        try output.close()
    }

    public static func read(from folder: URL) throws(IINError) -> LinkTable {
        let table = try CSVTable.read(folder.appendingPathComponent(fileName))
        var links: [Link] = []
        for (row, line) in zip(table.rows, table.lines) {
            guard let linkType = LinkType(columnText: row[0]), let year = Int(row[1]), let from = Int(row[2]), let to = Int(row[3]), let count = Int(row[4]) else {
                throw IINError.corruptArtifact(path: table.path, reason: "line \(line) unreadable")
            }
            links.append(Link(linkType: linkType, year: year, from: from, to: to, count: count))
        }
        return LinkTable(links: links)
    }

    /// The slices present per link type, in order.
    public var slices: [(LinkType, Int)] {
        var seen: [(LinkType, Int)] = []
        for link in links where !seen.contains(where: { $0.0 == link.linkType && $0.1 == link.year }) {
            seen.append((link.linkType, link.year))
        }
        return seen
    }
}
