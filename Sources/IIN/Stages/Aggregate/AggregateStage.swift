import Foundation

/// Stage 4: counts kept records per (link type, slice, investor city,
/// investee city) (see stages/aggregate.json).
public struct AggregateStage: Stage {
    public static let kind = "aggregate"
    public static let codeVersion = 2
    public static let usesGazetteer = false
    public static let reads: [String] = [GeocodeStage.kind, DedupeStage.kind]

    public init() {}

    /// See stages/aggregate.json for the defaults and the meaning.
    public struct Parameters: StageParameters {
        public var slices: SliceScheme
    }

    public func run(_ context: StageContext, parameters: Parameters) throws(IINError) -> StageOutcome {
        let dedupe = try context.upstreamFolder(kind: DedupeStage.kind)
        var accounting = try RecordAccounting.read(from: dedupe)
        let given = parameters.slices
        let scheme = SliceScheme(mode: given.mode, years: given.years, width: given.width)
        var counts: [LinkKey: Int] = [:]
        let kept = try KeptRecords(geocode: context.upstreamFolder(kind: GeocodeStage.kind), dedupe: dedupe)
        try kept.forEachView { record throws(IINError) in
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
