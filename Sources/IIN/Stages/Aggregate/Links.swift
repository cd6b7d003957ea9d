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

/// How kept records map to slice years.
public struct SliceScheme: Sendable, Equatable, Codable {
    public enum Mode: String, Sendable, Codable { case point, window }
    public var mode: Mode
    public var years: [Int]
    public var width: Int

    /// The scheme the aggregate stage used, kept in its artifact so later
    /// stages (the consistency sample) stratify by the same slices.
    public static let fileName = "slices.json"

    public func write(to folder: URL) throws(IINError) {
        try JSONFile.write(self, to: folder.appendingPathComponent(Self.fileName))
    }

    public static func read(from folder: URL) throws(IINError) -> SliceScheme {
        try JSONFile.read(SliceScheme.self, from: folder.appendingPathComponent(fileName))
    }

    public init(parameters: JSONValue?) {
        mode = Mode(rawValue: parameters?["mode"]?.stringValue ?? "point") ?? .point
        years = (parameters?["years"]?.arrayValue ?? []).compactMap(\.intValue).sorted()
        width = parameters?["width"]?.intValue ?? 5
    }

    /// The slices a year belongs to: its own in point mode; in window mode
    /// every slice whose `width` years starting at it contain the year.
    public func slices(of year: Int) -> [Int] {
        switch mode {
        case .point: return years.contains(year) ? [year] : []
        case .window: return years.filter { year >= $0 && year - $0 < width }
        }
    }
}

/// Stage 4: counts kept records per (link type, slice, investor city,
/// investee city) (see stages/aggregate.json).
public struct AggregateStage: Stage {
    public static let kind = "aggregate"
    public static let codeVersion = 2
    public static let usesGazetteer = false

    public init() {}

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        let dedupe = try context.upstreamFolder(kind: DedupeStage.kind)
        var accounting = try RecordAccounting.read(from: dedupe)
        let scheme = SliceScheme(parameters: context.parameter("slices"))
        var counts: [LinkKey: Int] = [:]
        try KeptRecords(context: context).forEachSummary { record throws(IINError) in
            guard accounting.files.indices.contains(record.file) else {
                throw IINError.corruptArtifact(path: dedupe.path, reason: "record names input file \(record.file)")
            }
            let slices = scheme.slices(of: record.year)
            if slices.isEmpty {
                accounting.files[record.file].outOfSlice += 1
                return
            }
            accounting.files[record.file].inSlice += 1
            for slice in slices {
                counts[LinkKey(linkType: record.linkType, year: slice, from: record.investorCity, to: record.investeeCity), default: 0] += 1
            }
        }
        let links = counts.map { LinkTable.Link(linkType: $0.key.linkType, year: $0.key.year, from: $0.key.from, to: $0.key.to, count: $0.value) }
            .sorted { ($0.linkType.rawValue, $0.year, $0.from, $0.to) < ($1.linkType.rawValue, $1.year, $1.from, $1.to) }
        try LinkTable(links: links).write(to: context.output)
        try accounting.write(to: context.output)
        try scheme.write(to: context.output)
        let total = accounting.total
        return StageOutcome(counts: ["links": links.count, "in_slice": total.inSlice, "out_of_slice": total.outOfSlice])
    }

    struct LinkKey: Hashable {
        var linkType: LinkType
        var year: Int
        var from: Int
        var to: Int
    }
}
