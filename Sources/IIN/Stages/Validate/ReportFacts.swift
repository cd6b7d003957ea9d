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
            do {
                let geocoding = try JSONValue.parse(try FileBytes.read(report))
                var audit = geocoding.objectValue ?? [:]
                // Pairs that never disagreed say nothing an auditor needs.
                audit["pairs"] = .array((audit["pairs"]?.arrayValue ?? []).filter { ($0["disagreed"]?.intValue ?? 0) > 0 })
                // The samples name enterprises: the release keeps where they
                // are (file, line, side) and what each method answered.
                audit["samples"] = .array((audit["samples"]?.arrayValue ?? []).prefix(20).map { sample in
                    var members = sample.objectValue ?? [:]
                    members["name"] = nil
                    return .object(members)
                })
                result["geocoding"] = .object(audit)
            } catch let error as IINError {
                throw error
            } catch {
                throw IINError.corruptArtifact(path: report.path, reason: "not JSON: \(error)")
            }
        }
        return .object(result)
    }

    /// The method-disagreement samples with the enterprise names, for the
    /// audit folder.
    static func disagreementSamples(geocoding folder: URL) throws(IINError) -> JSONValue {
        let report = folder.appendingPathComponent(GeocodingReport.fileName)
        guard FileManager.default.fileExists(atPath: report.path) else { return .object(["samples": .array([])]) }
        let parsed: JSONValue
        do { parsed = try JSONValue.parse(try FileBytes.read(report)) } catch let error as IINError { throw error } catch {
            throw IINError.corruptArtifact(path: report.path, reason: "not JSON: \(error)")
        }
        return .object(["samples": parsed["samples"] ?? .array([])])
    }

    /// Table 1 of the source paper as the release publishes it.
    static func descriptiveStatistics(_ reader: ReleaseReader) throws(IINError) -> JSONValue {
        let table = try reader.require(PublishStage.statisticsName)
        return .object([
            "columns": .array(table.header.map(JSONValue.string)),
            "rows": .array(table.rows.map { .array($0.map(JSONValue.string)) }),
        ])
    }

    /// Every city with its names and coordinates, and its node degree and
    /// Leiden community in the latest slice (null where it has no link
    /// there); and the slice's strongest undirected edges.
    static func cities(_ gazetteer: Gazetteer, networks: ReleaseNetworks, communities: ValidationReport.Communities?) -> JSONValue {
        guard let year = networks.degrees.keys.max() else { return .object(["skipped": .string("the release has no slices")]) }
        let membership = communities?.slices?.first { $0.year == year }?.membership
        let degrees = networks.degrees[year]!
        let cities: [JSONValue] = gazetteer.cities.map { city in
            .object(["code": .string(String(city.code)), "name": .string(city.nameCN), "name_en": .string(city.nameEN),
                     "lng": .number(city.longitude), "lat": .number(city.latitude), "node_degree": degrees[city.code].map { .integer($0.node) } ?? .null,
                     "community": membership?[String(city.code)].map(JSONValue.integer) ?? .null])
        }
        let strongest = networks.undirected.filter { $0.year == year }.sorted { ($1.weight, $0.a, $0.b) < ($0.weight, $1.a, $1.b) }.prefix(mapEdges)
        return .object([
            "year": .integer(year),
            "cities": .array(cities),
            "edges": .array(strongest.map { .array([.string(String($0.a)), .string(String($0.b)), .integer($0.weight)]) }),
        ])
    }
}
