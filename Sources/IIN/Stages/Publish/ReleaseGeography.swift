import Foundation
import Synchronization

/// The release's geometry in WGS84, as GeoJSON (RFC 7946) and GIS programs
/// take it: the gazetteer's GCJ-02 points and outlines converted once per
/// build (`GCJ02.toWGS84`). The tables keep their published GCJ-02 `LNG`
/// and `LAT` columns, and distances stay great-circle on those.
struct ReleaseGeography: Sendable {
    /// A city's WGS84 position, spelled to six decimals (about 0.1 m).
    struct Position: Sendable {
        var longitude: String
        var latitude: String
        var point: (Double, Double)
    }

    /// A city's outline in WGS84 (each point to six decimals), as the
    /// GeoJSON geometry and as the GeoPackage's blob: the same for every
    /// network and file, so made once per build.
    struct Outline: Sendable {
        var polygons: [[[(Double, Double)]]]
        var envelope: Envelope
        var geoJSON: String
        var blob: [UInt8]
    }

    let gazetteer: Gazetteer
    let positions: [Int: Position]
    let outlines: [Int: Outline]

    /// The geography of a gazetteer, made once per process: converting
    /// 70,000 outline points is the same work for every build.
    static func of(_ gazetteer: Gazetteer) -> ReleaseGeography {
        if let made = made.withLock({ $0[gazetteer.digest] }) { return made }
        let geography = ReleaseGeography(gazetteer: gazetteer)
        made.withLock { $0[gazetteer.digest] = geography }
        return geography
    }

    private static let made = Mutex<[String: ReleaseGeography]>([:])

    init(gazetteer: Gazetteer) {
        self.gazetteer = gazetteer
        var positions: [Int: Position] = [:]
        for city in gazetteer.cities {
            let wgs = GCJ02.toWGS84(longitude: city.longitude, latitude: city.latitude)
            positions[city.code] = Position(longitude: ReleaseFormat.fixed(wgs.longitude, 6), latitude: ReleaseFormat.fixed(wgs.latitude, 6),
                                            point: (wgs.longitude, wgs.latitude))
        }
        self.positions = positions
        var outlines: [Int: Outline] = [:]
        for city in gazetteer.cities {
            let polygons = (gazetteer.outlines.cities[city.code] ?? []).map { polygon in
                polygon.map { ring in
                    ring.map { point in
                        let wgs = GCJ02.toWGS84(longitude: point.longitude, latitude: point.latitude)
                        return (Self.round6(wgs.longitude), Self.round6(wgs.latitude))
                    }
                }
            }
            let coordinates = "[" + polygons.map { polygon in
                "[" + polygon.map { ring in "[" + ring.map { "[\(Self.number($0.0)),\(Self.number($0.1))]" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
            }.joined(separator: ",") + "]"
            var envelope = Envelope()
            for polygon in polygons { for ring in polygon { for point in ring { envelope.add(point) } } }
            outlines[city.code] = Outline(polygons: polygons, envelope: envelope, geoJSON: #"{"type":"MultiPolygon","coordinates":\#(coordinates)}"#,
                                          blob: Self.geometry(Self.multiPolygonWKB(polygons), envelope: envelope))
        }
        self.outlines = outlines
    }

    /// A city's outline in WGS84, each point to six decimals.
    func outline(_ code: Int) -> [[[(Double, Double)]]] { outlines[code]?.polygons ?? [] }

    static func round6(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }

    /// Each slice's degrees by city, and the slice years in order.
    static func degreesBySlice(_ degrees: [CityDegree]) -> (years: [Int], byCity: [Int: [Int: CityDegree]]) {
        var byCity: [Int: [Int: CityDegree]] = [:]
        var years = Set<Int>()
        for degree in degrees {
            byCity[degree.city, default: [:]][degree.year] = degree
            years.insert(degree.year)
        }
        return (years.sorted(), byCity)
    }

    /// The columns a city's polygon carries per slice: its degrees, as in
    /// the metric table, 0 where the city has no row in that slice.
    static func degreeColumns(years: [Int]) -> [String] {
        years.flatMap { ["Outdegree_\($0)", "Indegree_\($0)", "NodeDegree_\($0)"] }
    }

    static func degreeValues(city: Int, years: [Int], byCity: [Int: [Int: CityDegree]]) -> [Int] {
        years.flatMap { year -> [Int] in
            let degree = byCity[city]?[year]
            return [degree?.outdegree ?? 0, degree?.indegree ?? 0, degree?.nodeDegree ?? 0]
        }
    }

    // MARK: GeoJSON

    static let boundariesName = "City boundaries.geojson"

    /// The 367 cities as (multi)polygons with their degrees per slice, so a
    /// GIS draws the paper's Fig. 3 from this file alone.
    func cityBoundaries(degrees: [CityDegree]) -> [UInt8] {
        let (years, byCity) = Self.degreesBySlice(degrees)
        let columns = Self.degreeColumns(years: years)
        var features: [String] = []
        for city in gazetteer.cities {
            let values = Self.degreeValues(city: city.code, years: years, byCity: byCity)
            var properties = Self.cityProperties(city)
            for (column, value) in zip(columns, values) { properties.append((column, String(value))) }
            features.append(ReleaseGeoJSON.feature(geometry: outlines[city.code]?.geoJSON ?? "null", properties: properties))
        }
        return Array(ReleaseGeoJSON.collection(features).utf8)
    }

    static func cityProperties(_ city: City) -> [(String, String)] {
        [("CityCode", ReleaseGeoJSON.string(String(city.code))), ("CityName_CN", ReleaseGeoJSON.string(city.nameCN)),
         ("CityName_EN", ReleaseGeoJSON.string(city.nameEN)), ("ProvinceCode", ReleaseGeoJSON.string(String(city.provinceCode))),
         ("ProvinceName_CN", ReleaseGeoJSON.string(city.provinceNameCN)), ("Level", ReleaseGeoJSON.string(city.level.rawValue))]
    }

    /// Six decimals at most, without trailing zeros: what `%.6f` prints,
    /// trimmed, spelled from the whole number of millionths (140,000
    /// `String(format:)` calls were most of the outlines' cost).
    static func number(_ value: Double) -> String {
        let millionths = Int((value * 1_000_000).rounded())
        let magnitude = millionths.magnitude
        var text = (millionths < 0 ? "-" : "") + String(magnitude / 1_000_000)
        var fraction = magnitude % 1_000_000
        guard fraction != 0 else { return text }
        var digits = 6
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let spelled = String(fraction)
        text += "." + String(repeating: "0", count: digits - spelled.count) + spelled
        return text
    }

    // MARK: GeoPackage

    static let geoPackageName = "IIN.gpkg"

    /// An OGC GeoPackage 1.3 (SQLite) with three layers in WGS84 (EPSG:4326):
    /// `cities` (points), `city_boundaries` (multipolygons with degrees per
    /// slice) and `undirected_edges` (the undirected intercity network of
    /// every slice as lines). No spatial index: at 367 cities and a few
    /// hundred thousand lines, GIS programs draw it without one.
    func writeGeoPackage(undirected: ReleaseTable, degrees: [CityDegree], to url: URL) throws(IINError) {
        let database = try SQLiteDatabase(creating: url)
        // 'GPKG' and version 1.3.0, as the standard asks of the file header.
        try database.execute("PRAGMA application_id = 1196444487; PRAGMA user_version = 10300; PRAGMA cache_size = -65536; BEGIN;")
        try database.execute("""
            CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, \
            organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
            CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, \
            description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), \
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, \
            CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
            CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, \
            srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), \
            CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), \
            CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
            INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
            INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
            INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, '\(Self.wgs84)', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
            """)
        let (years, byCity) = Self.degreesBySlice(degrees)
        let cityColumns = ["CityCode", "CityName_CN", "CityName_EN", "ProvinceCode", "ProvinceName_CN", "Level"]
        func cityCells(_ city: City) -> [SQLiteDatabase.Value] {
            [.text(String(city.code)), .text(city.nameCN), .text(city.nameEN), .text(String(city.provinceCode)), .text(city.provinceNameCN),
             .text(city.level.rawValue)]
        }

        var bounds = Envelope()
        let points = try layer(database, name: "cities", type: "POINT", description: "The 367 cities of 2020, at their gazetteer points",
                               columns: cityColumns.map { ($0, "TEXT") })
        for city in gazetteer.cities {
            guard let position = positions[city.code] else { continue }
            bounds.add(position.point)
            try points.run([.blob(Self.geometry(Self.pointWKB(position.point), envelope: nil))] + cityCells(city))
        }
        try finishLayer(database, name: "cities", bounds: bounds)

        bounds = Envelope()
        let degreeColumns = Self.degreeColumns(years: years)
        let polygons = try layer(database, name: "city_boundaries", type: "MULTIPOLYGON",
                                 description: "The 367 cities of 2020 as polygons, with out-, in- and node degree per slice",
                                 columns: cityColumns.map { ($0, "TEXT") } + degreeColumns.map { ($0, "INTEGER") })
        for city in gazetteer.cities {
            if let outline = outlines[city.code] { bounds.merge(outline.envelope) }
            let values = Self.degreeValues(city: city.code, years: years, byCity: byCity).map { SQLiteDatabase.Value.integer($0) }
            try polygons.run([outlines[city.code].map { .blob($0.blob) } ?? .null] + cityCells(city) + values)
        }
        try finishLayer(database, name: "city_boundaries", bounds: bounds)

        bounds = Envelope()
        let column = Dictionary(uniqueKeysWithValues: undirected.header.enumerated().map { ($1, $0) })
        let edgeColumns = [("CityDyad", "TEXT"), ("CityACode", "TEXT"), ("CityBCode", "TEXT"), ("InvestmentFrequency", "INTEGER"),
                           ("Distance_km", "REAL"), ("InvestmentYear", "INTEGER")]
        let lines = try layer(database, name: "undirected_edges", type: "LINESTRING",
                              description: "The undirected intercity network of every slice, one line per city pair and slice",
                              columns: edgeColumns)
        guard let dyad = column["CityDyad"], let a = column["CityACode"], let b = column["CityBCode"], let weight = column["InvestmentFrequency"],
              let distance = column["Distance_km"], let year = column["InvestmentYear"] else {
            throw IINError.corruptArtifact(path: url.path, reason: "the undirected table lacks a column the GeoPackage needs")
        }
        for row in undirected.rows {
            guard let from = Int(row[a]).flatMap({ positions[$0] }), let to = Int(row[b]).flatMap({ positions[$0] }),
                  let frequency = Int(row[weight]), let kilometres = Double(row[distance]), let slice = Int(row[year]) else {
                throw IINError.corruptArtifact(path: url.path, reason: "undirected row \(row[dyad]) has a city or number it cannot place")
            }
            var envelope = Envelope()
            envelope.add(from.point)
            envelope.add(to.point)
            bounds.merge(envelope)
            try lines.run([.blob(Self.geometry(Self.lineWKB(from.point, to.point), envelope: envelope)), .text(row[dyad]), .text(row[a]), .text(row[b]),
                           .integer(frequency), .real(kilometres), .integer(slice)])
        }
        try finishLayer(database, name: "undirected_edges", bounds: bounds)
        try database.execute("COMMIT;")
    }

    /// Creates a feature table and registers it; returns its insert.
    private func layer(_ database: SQLiteDatabase, name: String, type: String, description: String,
                       columns: [(String, String)]) throws(IINError) -> SQLiteDatabase.Statement {
        let definitions = columns.map { "\"\($0.0)\" \($0.1)" }.joined(separator: ", ")
        try database.execute("CREATE TABLE \"\(name)\" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom \(type), \(definitions));")
        // A fixed last_change, not the build's clock: builds of the same
        // inputs give the same bytes. It is the date the divisions are of.
        try database.execute("""
            INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) \
            VALUES ('\(name)', 'features', '\(name)', '\(description)', '2020-12-31T00:00:00.000Z', 4326);
            INSERT INTO gpkg_geometry_columns VALUES ('\(name)', 'geom', '\(type)', 4326, 0, 0);
            """)
        let names = (["geom"] + columns.map(\.0)).map { "\"\($0)\"" }.joined(separator: ", ")
        return try database.prepare("INSERT INTO \"\(name)\" (\(names)) VALUES (\(Array(repeating: "?", count: columns.count + 1).joined(separator: ", ")))")
    }

    private func finishLayer(_ database: SQLiteDatabase, name: String, bounds: Envelope) throws(IINError) {
        guard bounds.isSet else { return }
        try database.execute("UPDATE gpkg_contents SET min_x = \(bounds.minX), min_y = \(bounds.minY), max_x = \(bounds.maxX), max_y = \(bounds.maxY) WHERE table_name = '\(name)';")
    }

    static let wgs84 = #"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]"#

    struct Envelope {
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        var isSet: Bool { minX <= maxX }

        mutating func add(_ point: (Double, Double)) {
            minX = min(minX, point.0)
            maxX = max(maxX, point.0)
            minY = min(minY, point.1)
            maxY = max(maxY, point.1)
        }

        mutating func merge(_ other: Envelope) {
            guard other.isSet else { return }
            add((other.minX, other.minY))
            add((other.maxX, other.maxY))
        }
    }

    /// A GeoPackage geometry blob: the "GP" header (version 0, little
    /// endian, with an xy envelope when given), SRS 4326, then the WKB.
    static func geometry(_ wkb: [UInt8], envelope: Envelope?) -> [UInt8] {
        var bytes: [UInt8] = [0x47, 0x50, 0x00, envelope == nil ? 0x01 : 0x03]
        append(UInt32(4326), to: &bytes)
        if let envelope {
            for value in [envelope.minX, envelope.maxX, envelope.minY, envelope.maxY] { append(value, to: &bytes) }
        }
        return bytes + wkb
    }

    static func pointWKB(_ point: (Double, Double)) -> [UInt8] {
        var bytes: [UInt8] = [0x01]
        append(UInt32(1), to: &bytes)
        append(point.0, to: &bytes)
        append(point.1, to: &bytes)
        return bytes
    }

    static func lineWKB(_ from: (Double, Double), _ to: (Double, Double)) -> [UInt8] {
        var bytes: [UInt8] = [0x01]
        append(UInt32(2), to: &bytes)
        append(UInt32(2), to: &bytes)
        for value in [from.0, from.1, to.0, to.1] { append(value, to: &bytes) }
        return bytes
    }

    static func multiPolygonWKB(_ polygons: [[[(Double, Double)]]]) -> [UInt8] {
        var bytes: [UInt8] = [0x01]
        append(UInt32(6), to: &bytes)
        append(UInt32(polygons.count), to: &bytes)
        for polygon in polygons {
            bytes.append(0x01)
            append(UInt32(3), to: &bytes)
            append(UInt32(polygon.count), to: &bytes)
            for ring in polygon {
                append(UInt32(ring.count), to: &bytes)
                for point in ring {
                    append(point.0, to: &bytes)
                    append(point.1, to: &bytes)
                }
            }
        }
        return bytes
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func append(_ value: Double, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
