import Foundation

/// The parts of the report that restate facts rather than test them:
/// record accounting with the geocoding audit (validation.md section 2),
/// Table 1, and the cities with their coordinates, degree and community for
/// the maps. The page shows them from the JSON like every other figure.
enum ReportFacts {
    /// Strongest edges of the latest slice drawn on the map.
    static let mapEdges = 60

    static func accounting(_ accounting: RecordAccounting, networks: ReleaseNetworks, geocoding folder: URL) throws(IINError) -> JSONValue {
        func account(_ file: FileAccount) -> JSONValue {
            .object(["file": .string(file.file), "rows_read": .integer(file.rowsRead), "kept": .integer(file.kept), "duplicates": .integer(file.duplicate),
                     "rejected": .object(file.rejected.mapValues(JSONValue.integer)), "in_slice": .integer(file.inSlice), "out_of_slice": .integer(file.outOfSlice)])
        }
        var keptPerSlice: [String: JSONValue] = [:]
        for edge in networks.directedIntracity { keptPerSlice[String(edge.year)] = .integer((keptPerSlice[String(edge.year)]?.intValue ?? 0) + edge.weight) }
        var result: [String: JSONValue] = [
            "files": .array(accounting.files.map(account)),
            "total": account(accounting.total),
            "kept_per_slice": .object(keptPerSlice),
            "resolved_by_method": .object(accounting.geocodeMethods.mapValues(JSONValue.integer)),
        ]
        let report = folder.appendingPathComponent(GeocodingReport.fileName)
        if FileManager.default.fileExists(atPath: report.path) {
            result["geocoding"] = try JSONValue(encoding: GeocodingAudit(try GeocodingReport.read(from: folder)))
        }
        return .object(result)
    }

    /// The geocoding report as the release may show it. Pairs that never
    /// disagreed say nothing an auditor needs; the samples name
    /// enterprises, so the release keeps where they are (file, line, side)
    /// and what each method answered, not the name.
    private struct GeocodingAudit: Encodable {
        struct Sample: Encodable {
            var file: String
            var line: Int
            var side: String
            var answers: [String: String]
        }
        var methods: [String]
        var sides: Int
        var resolvedBy: [String: Int]
        var comparedSides: Int
        var answeredBy: [String: Int]
        var outsideMainlandSides: Int
        var unresolvedSides: Int
        var wrongCheckCharacters: Int
        var pairs: [GeocodingReport.Pair]
        var samples: [Sample]
        var externalRequests: Int
        var externalCacheHits: Int

        init(_ report: GeocodingReport) {
            methods = report.methods
            sides = report.sides
            resolvedBy = report.resolvedBy
            comparedSides = report.comparedSides
            answeredBy = report.answeredBy
            outsideMainlandSides = report.outsideMainlandSides
            unresolvedSides = report.unresolvedSides
            wrongCheckCharacters = report.wrongCheckCharacters
            pairs = report.pairs.filter { $0.disagreed > 0 }
            samples = report.samples.prefix(20).map { Sample(file: $0.file, line: $0.line, side: $0.side, answers: $0.answers) }
            externalRequests = report.externalRequests
            externalCacheHits = report.externalCacheHits
        }
    }

    /// The method-disagreement samples with the enterprise names, for the
    /// audit folder.
    static func disagreementSamples(geocoding folder: URL) throws(IINError) -> JSONValue {
        let report = folder.appendingPathComponent(GeocodingReport.fileName)
        guard FileManager.default.fileExists(atPath: report.path) else { return .object(["samples": .array([])]) }
        return .object(["samples": try JSONValue(encoding: GeocodingReport.read(from: folder).samples)])
    }

    /// Table 1 of the source paper as the release publishes it.
    static func descriptiveStatistics(_ reader: ReleaseReader) throws(IINError) -> JSONValue {
        let table = try reader.require(PublishStage.statisticsName)
        return .object([
            "columns": .array(table.header.map(JSONValue.string)),
            "rows": .array(table.rows.map { .array($0.map(JSONValue.string)) }),
        ])
    }

    /// Every city with its names and coordinates, its node degree and
    /// Leiden community in the latest slice (null where it has no link
    /// there) and its degrees in every slice; and the latest slice's
    /// strongest undirected edges.
    static func cities(_ gazetteer: Gazetteer, networks: ReleaseNetworks, communities: ValidationReport.Communities?) -> JSONValue {
        guard let year = networks.degrees.keys.max() else { return .object(["skipped": .string("the release has no slices")]) }
        let membership = communities?.slices?.first { $0.year == year }?.membership
        let degrees = networks.degrees[year]!
        let years = networks.degrees.keys.sorted()
        let cities: [JSONValue] = gazetteer.cities.map { city in
            // Per slice: out-, in- and node degree, for the choropleths;
            // [0, 0, 0] where the city has no row that slice.
            let slices = years.map { year -> JSONValue in
                let degree = networks.degrees[year]?[city.code]
                return .array([.integer(degree?.out ?? 0), .integer(degree?.in ?? 0), .integer(degree?.node ?? 0)])
            }
            return .object(["code": .string(String(city.code)), "name": .string(city.nameCN), "name_en": .string(city.nameEN),
                            "lng": .number(city.longitude), "lat": .number(city.latitude), "node_degree": degrees[city.code].map { .integer($0.node) } ?? .null,
                            "community": membership?[String(city.code)].map(JSONValue.integer) ?? .null, "degrees": .array(slices)])
        }
        let strongest = networks.undirected.filter { $0.year == year }.sorted { ($1.weight, $0.a, $0.b) < ($0.weight, $1.a, $1.b) }.prefix(mapEdges)
        return .object([
            "year": .integer(year),
            "slices": .array(years.map(JSONValue.integer)),
            "cities": .array(cities),
            "edges": .array(strongest.map { .array([.string(String($0.a)), .string(String($0.b)), .integer($0.weight)]) }),
        ])
    }
}
