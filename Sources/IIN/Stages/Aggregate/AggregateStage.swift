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
        let kept = try KeptRecords(geocode: context.upstreamFolder(kind: GeocodeStage.kind), dedupe: dedupe)
        guard kept.fileCount == accounting.files.count else {
            throw IINError.corruptArtifact(path: dedupe.path, reason: "\(kept.fileCount) geocoded files for \(accounting.files.count) in the accounting")
        }
        // Each input file counted on a thread of its own; the sums do not
        // depend on the order they are added in.
        let perFile = Parallel.map(count: kept.fileCount, threads: context.threads) { file -> Result<(counts: [LinkKey: Int], inSlice: Int, outOfSlice: Int), IINError> in
            var counts: [LinkKey: Int] = [:]
            var inSlice = 0, outOfSlice = 0
            do throws(IINError) {
                try kept.forEachView(file: file) { record in
                    let slices = scheme.slices(of: record.year)
                    if slices.isEmpty {
                        outOfSlice += 1
                        return
                    }
                    inSlice += 1
                    for slice in slices {
                        counts[LinkKey(linkType: record.linkType, year: slice, from: record.investorCity, to: record.investeeCity), default: 0] += 1
                    }
                }
            } catch {
                return .failure(error)
            }
            return .success((counts, inSlice, outOfSlice))
        }
        var counts: [LinkKey: Int] = [:]
        for (file, result) in perFile.enumerated() {
            let part = try result.get()
            accounting.files[file].inSlice += part.inSlice
            accounting.files[file].outOfSlice += part.outOfSlice
            counts.merge(part.counts, uniquingKeysWith: +)
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
