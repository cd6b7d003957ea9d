import Foundation

/// Stage 4: counts kept records per (link type, slice, investor city,
/// investee city) (see stages/aggregate.json).
public struct AggregateStage: Stage {
    public static let kind = "aggregate"
    public static let codeVersion = 8
    /// For the county cascade (`Geocoder.county`) of county networks.
    public static let usesGazetteer = true
    public static let reads: [String] = [GeocodeStage.kind, DedupeStage.kind]

    public init() {}

    /// See stages/aggregate.json for the defaults and the meaning.
    public struct Parameters: StageParameters {
        public var slices: SliceScheme
        var sample: SampleDraw.Parameters
        var resolution: NetworkScope.Resolution
        var region: NetworkScope.Region

        var scope: NetworkScope { NetworkScope(resolution: resolution, region: region) }

        public func problems() -> [ParameterProblem] {
            var problems: [ParameterProblem] = []
            let nameCharacters = region.name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            if !region.codes.isEmpty && (region.name.isEmpty || !nameCharacters || region.name.count > 64 || region.name.first == "-") {
                problems.append(ParameterProblem(path: "region.name", problem: "'\(region.name)' cannot name the region's release folder",
                                                 fix: "Name the region in lower-case letters, digits and '-' (starting with a letter or digit, at most 64), for example \"guizhou\" or \"yrd\"."))
            }
            if region.codes.isEmpty && !region.name.isEmpty {
                problems.append(ParameterProblem(path: "region.codes", problem: "the region '\(region.name)' lists no code",
                                                 fix: "List its province codes (520000) or city codes (310000, 320100, ...)."))
            }
            if let gazetteer = try? Gazetteer.embedded() {
                let known = Set(gazetteer.cities.map(\.code)).union(gazetteer.provinces.map(\.code))
                for (position, code) in region.codes.enumerated() where !known.contains(code) {
                    problems.append(ParameterProblem(path: "region.codes[\(position)]", problem: "\(code) is no province or city of 2020",
                                                     fix: "Give six-digit 2020 codes of provinces (520000) or cities (520100)."))
                }
            }
            return problems
        }
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
        // depend on the order they are added in. A year's slices are
        // worked out once per year, into flat arrays read through
        // pointers: an array per year cost a retain and a release per
        // record, a quarter of the stage. No year past the last slice's
        // last year is in any slice.
        let lastSlice = scheme.years.max() ?? 0
        guard lastSlice < LinkCounter.yearLimit else {
            throw IINError.invalidArgument(name: "slices.years", value: String(lastSlice), expected: "years below \(LinkCounter.yearLimit)")
        }
        let yearsCovered = lastSlice + max(scheme.width, 1) + 1
        var sliceStarts: [Int] = [0]
        var sliceList: [Int] = []
        for year in 0..<yearsCovered {
            sliceList += scheme.slices(of: year)
            sliceStarts.append(sliceList.count)
        }
        let (starts, list) = (sliceStarts, sliceList)
        // Each entry of `list` as its slice's position in the scheme, for
        // the sample's per-slice draws.
        let listPositions = sliceList.map { year in scheme.years.firstIndex(of: year) ?? 0 }
        let sample = parameters.sample
        let fileNames = accounting.files.map(\.file)
        let earlier = context.earlierParts.load(FileCounts.self, prefix: Self.memoPrefix)
        let schemeText = "\(scheme.mode.rawValue) \(scheme.years) \(scheme.width)"
        let scope = parameters.scope
        let byCounty = scope.resolution == .county
        // A county network reads its records' sides again, in the order of
        // the methods the geocode stage asked.
        let countyReader: CountyReader? = try byCounty ? CountyReader(geocode: context.upstreamFolder(kind: GeocodeStage.kind), gazetteer: context.gazetteer) : nil
        // Cities inside the region, by code; nil for the whole country.
        let regionCities: [Bool]? = scope.region.map { region in
            var inside = [Bool](repeating: false, count: LinkCounter.codeLimit)
            let codes = Set(region.codes)
            for code in 0..<inside.count where code % 100 == 0 || (code / 100) % 100 == 90 {
                inside[code] = codes.contains(code) || codes.contains(code / 10000 * 10000)
            }
            return inside
        }
        let scopeText = scope.isNational ? "" : "\n" + String(decoding: (try? JSONEncoder().encode(scope)) ?? Data(), as: UTF8.self)
        let output = context.output
        try DiskWrites.makeFolder(output.appendingPathComponent(Self.memoPrefix))
        let perFile = Parallel.map(count: kept.fileCount, threads: context.threads) { file -> Result<(pairs: [UInt64], part: PartManifest<FileCounts>.Part, reused: Bool), IINError> in
            // A file whose kept records are as they were takes its counts
            // from the last build.
            let key = FingerprintComponents.digest([Self.kind, String(Self.codeVersion), schemeText, "\(sample.perSlice) \(sample.seed)",
                                                    fileNames[file], kept.parts[file].part.key, kept.duplicateFlagsDigest(file: file)].joined(separator: "\n") + scopeText)
            let name = Self.memoPrefix + PartFiles.name("links", part: file, extension: "bin")
            if let adopted = earlier.adopt(key: key, into: output, naming: { _ in name }) {
                // The drawn candidates point into the geocoded records: each
                // must still start a record of its line, or the file is
                // counted again (a list edited in place keeps its stat).
                // So must its tallies.
                if let pairs = try? LinkCounter.readPairs(output.appendingPathComponent(name)),
                   adopted.summary.sample.count == scheme.years.count,
                   adopted.summary.addsUp(keptRecords: kept.keptCount(file: file), linkTotal: Self.linkTotal(pairs), mode: scheme.mode),
                   (adopted.summary.excluded == nil) == scope.isNational,
                   (try? kept.pointsAtRecords(adopted.summary.sample.flatMap { $0 }, file: file)) == true {
                    return .success((pairs, adopted, true))
                }
                try? FileManager.default.removeItem(at: output.appendingPathComponent(name))
            }
            var counts = LinkCounter()
            var inSlice = 0, outOfSlice = 0
            var excluded: [Int] = [0, 0]
            var countyMemo = RegionMemo<Int32>()
            var lowest = [SampleDraw.Lowest](repeating: SampleDraw.Lowest(limit: sample.perSlice), count: scheme.years.count)
            let salt = SampleDraw.salt(seed: sample.seed, fileName: fileNames[file])
            do throws(IINError) {
                var sideReader = try countyReader.map { _ throws(IINError) in GeocodedSideReader(try kept.source(file: file), file: file) }
                // Bound once per file: a per-record `if let` of the
                // geocoder copied it, and its references' retains and
                // releases were a fifth of a county aggregation.
                let geocoder = countyReader?.geocoder
                try starts.withUnsafeBufferPointer { starts throws(IINError) in
                    try list.withUnsafeBufferPointer { list throws(IINError) in
                        try kept.forEachView(file: file) { record throws(IINError) in
                            if let regionCities, !(regionCities[record.investorCity] && regionCities[record.investeeCity]) {
                                excluded[1] += 1
                                return
                            }
                            var (from, to) = (record.investorCity, record.investeeCity)
                            if sideReader != nil {
                                let sides = try sideReader!.sides(record)
                                from = geocoder?.county(sides.investor, city: record.investorCity, memo: &countyMemo) ?? 0
                                to = geocoder?.county(sides.investee, city: record.investeeCity, memo: &countyMemo) ?? 0
                                if from == 0 || to == 0 {
                                    excluded[0] += 1
                                    return
                                }
                            }
                            let year = record.year
                            guard year < yearsCovered, starts[year] < starts[year + 1] else {
                                outOfSlice += 1
                                return
                            }
                            inSlice += 1
                            for position in starts[year]..<starts[year + 1] {
                                guard let key = LinkCounter.key(linkType: record.linkType, year: list[position], from: from, to: to) else {
                                    throw IINError.corruptArtifact(path: kept.parts[file].records.path,
                                                                   reason: "a record of line \(record.line) has a city code out of range")
                                }
                                counts.add(key, 1)
                                lowest[listPositions[position]].offer(priority: SampleDraw.priority(salt: salt, sliceYear: list[position], line: record.line),
                                                                      candidate: SampleDraw.Candidate(line: record.line, offset: record.range.lowerBound))
                            }
                        }
                    }
                }
                let pairs = counts.sortedPairs()
                try DiskWrites.write(pairs.withUnsafeBytes { Data($0) }, to: output.appendingPathComponent(name))
                return .success((pairs, PartManifest<FileCounts>.Part(key: key, files: ["links": name], summary: FileCounts(inSlice: inSlice, outOfSlice: outOfSlice, sample: lowest.map(\.candidates),
                                                                                                                                     excluded: scope.isNational ? nil : Dictionary(uniqueKeysWithValues: zip(ScopeExclusion.allCases.map(\.rawValue), excluded)))), false))
            } catch {
                return .failure(error)
            }
        }
        var counts = LinkCounter()
        var candidates: [[[SampleDraw.Candidate]]] = []
        var memo: [PartManifest<FileCounts>.Part] = []
        var reused = 0
        for (file, result) in perFile.enumerated() {
            let (pairs, part, wasReused) = try result.get()
            if wasReused { reused += 1 }
            accounting.files[file].inSlice += part.summary.inSlice
            accounting.files[file].outOfSlice += part.summary.outOfSlice
            if let excluded = part.summary.excluded {
                // The records left out of this network are no longer kept here.
                accounting.files[file].excluded = excluded
                accounting.files[file].kept -= excluded.values.reduce(0, +)
            }
            candidates.append(part.summary.sample)
            for pair in stride(from: 0, to: pairs.count, by: 2) {
                counts.add(UInt64(littleEndian: pairs[pair]), Int(truncatingIfNeeded: UInt64(littleEndian: pairs[pair + 1])))
            }
            memo.append(part)
        }
        try PartManifest(parts: memo).write(to: output, prefix: Self.memoPrefix)
        var links: [LinkTable.Link] = []
        counts.forEach { key, count in links.append(LinkCounter.link(key, count: count)) }
        links.sort { ($0.linkType.rawValue, $0.year, $0.from, $0.to) < ($1.linkType.rawValue, $1.year, $1.from, $1.to) }
        // A slice with no record is a wrong year or a crawl that lost a
        // period: publishing empty tables for it would look like data. In a
        // region or at county level a slice can be empty for real (no link
        // inside a province in 2000): the scoped release shows it empty.
        let filled = Set(links.map(\.year))
        let empty = scheme.years.filter { !filled.contains($0) }
        if !empty.isEmpty && scope.isNational {
            var (low, high) = (Int.max, Int.min)
            for file in 0..<kept.fileCount {
                try kept.forEachView(file: file) { record throws(IINError) in
                    low = min(low, record.year)
                    high = max(high, record.year)
                }
            }
            throw IINError.emptySlices(years: empty, found: low <= high ? low...high : nil)
        }
        try LinkTable(links: links).write(to: context.output)
        try accounting.write(to: context.output)
        try scheme.write(to: context.output)
        try scope.write(to: context.output)
        try SampleDraw.draw(perFile: candidates, fileNames: fileNames, sliceYears: scheme.years, parameters: sample).write(to: context.output)
        let total = accounting.total
        return StageOutcome(counts: ["links": links.count, "in_slice": total.inSlice, "out_of_slice": total.outOfSlice, "files_reused": reused])
    }

    /// The geocoder a county network reads sides with: the geocode
    /// stage's methods, in its order (its `geocoding.json`).
    final class CountyReader: Sendable {
        let geocoder: Geocoder

        init(geocode: URL, gazetteer: Gazetteer) throws(IINError) {
            let report = try GeocodingReport.read(from: geocode)
            let methods = report.methods.compactMap(GeocodeMethod.init(name:))
            guard methods.count == report.methods.count else {
                throw IINError.corruptArtifact(path: geocode.appendingPathComponent(GeocodingReport.fileName).path, reason: "unknown methods in \(report.methods)")
            }
            geocoder = Geocoder(gazetteer: gazetteer, methods: methods)
        }
    }

    /// The sum of the counts of `LinkCounter.sortedPairs`.
    static func linkTotal(_ pairs: [UInt64]) -> Int {
        stride(from: 1, to: pairs.count, by: 2).reduce(0) { $0 &+ Int(truncatingIfNeeded: UInt64(littleEndian: pairs[$1])) }
    }

    /// Where each input file's link counts are kept for the next build:
    /// a file whose kept records are as they were (its geocode part's key
    /// and its duplicate flags) is not counted again. Not content, so not
    /// in the digest the stages downstream are keyed on.
    static let memoPrefix = ReleaseFolder.memoPrefix + "aggregate/"

    /// What a file's counts file does not hold: its records in and out of
    /// every slice, and its candidates for the consistency sample, per
    /// slice in the scheme's order.
    struct FileCounts: Codable, Sendable {
        var inSlice: Int
        var outOfSlice: Int
        var sample: [[SampleDraw.Candidate]]
        /// Kept records this scope leaves out, by `ScopeExclusion`; nil for
        /// the national city network.
        var excluded: [String: Int]? = nil

        /// Whether the tallies fit the file: every kept record in or out of
        /// the slices, and one counted link per record in a slice (more in
        /// window mode, where a record may be in several).
        func addsUp(keptRecords: Int, linkTotal: Int, mode: SliceScheme.Mode) -> Bool {
            inSlice >= 0 && outOfSlice >= 0 && inSlice + outOfSlice + (excluded?.values.reduce(0, +) ?? 0) == keptRecords
                && (linkTotal == inSlice || (mode == .window && linkTotal > inSlice))
        }
    }

}

/// Counts per (link type, slice year, investor city, investee city), the
/// four packed into one word, in an open-addressing table: a Dictionary
/// keyed by a four-field struct spent most of the stage hashing it
/// (SipHash, once per kept record).
struct LinkCounter: Sendable {
    /// Slice years and city codes as the packed key holds them: 22 and 20
    /// bits (the link type takes two more).
    static let yearLimit = 1 << 22
    static let codeLimit = 1 << 20
    private static let vacant = UInt64.max
    private var keys: [UInt64]
    private var counts: [Int]
    private var used = 0

    init() {
        keys = [UInt64](repeating: Self.vacant, count: 1 << 12)
        counts = [Int](repeating: 0, count: 1 << 12)
    }

    /// The packed key, or nil when a part does not fit its bits.
    static func key(linkType: LinkType, year: Int, from: Int, to: Int) -> UInt64? {
        guard (0..<yearLimit).contains(year), (0..<codeLimit).contains(from), (0..<codeLimit).contains(to), (0..<4).contains(linkType.rawValue) else { return nil }
        return UInt64(linkType.rawValue) << 62 | UInt64(year) << 40 | UInt64(from) << 20 | UInt64(to)
    }

    static func link(_ key: UInt64, count: Int) -> LinkTable.Link {
        let mask = UInt64(codeLimit - 1)
        return LinkTable.Link(linkType: LinkType(rawValue: Int(key >> 62))!, year: Int((key >> 40) & UInt64(yearLimit - 1)),
                              from: Int((key >> 20) & mask), to: Int(key & mask), count: count)
    }

    mutating func add(_ key: UInt64, _ count: Int) {
        if (used + 1) * 2 > keys.count { grow() }
        var slot = slot(of: key)
        while keys[slot] != key {
            if keys[slot] == Self.vacant {
                keys[slot] = key
                used += 1
                break
            }
            slot = (slot + 1) & (keys.count - 1)
        }
        counts[slot] += count
    }

    func forEach(_ body: (UInt64, Int) -> Void) {
        for (key, count) in zip(keys, counts) where key != Self.vacant { body(key, count) }
    }

    /// The counts as (key, count) pairs of little-endian 64-bit words,
    /// sorted by key, so a file of them does not depend on the table's
    /// history.
    func sortedPairs() -> [UInt64] {
        var pairs: [(UInt64, Int)] = []
        pairs.reserveCapacity(used)
        forEach { pairs.append(($0, $1)) }
        pairs.sort { $0.0 < $1.0 }
        var words: [UInt64] = []
        words.reserveCapacity(pairs.count * 2)
        for (key, count) in pairs {
            words.append(key.littleEndian)
            words.append(UInt64(count).littleEndian)
        }
        return words
    }

    /// A file of `sortedPairs`; nil when it is not one.
    static func readPairs(_ url: URL) throws(IINError) -> [UInt64]? {
        let data = try FileBytes.read(url)
        guard data.count % 16 == 0 else { return nil }
        return [UInt64](unsafeUninitializedCapacity: data.count / 8) { buffer, count in
            count = data.copyBytes(to: buffer)  / 8
        }
    }

    private func slot(of key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - keys.count.trailingZeroBitCount))
    }

    private mutating func grow() {
        let old = (keys, counts)
        keys = [UInt64](repeating: Self.vacant, count: old.0.count * 2)
        counts = [Int](repeating: 0, count: old.0.count * 2)
        used = 0
        for (key, count) in zip(old.0, old.1) where key != Self.vacant { add(key, count) }
    }
}
