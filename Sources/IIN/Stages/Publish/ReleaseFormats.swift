import Foundation

/// A release table and the subfolder it is published in ("" or "branch").
struct PlacedTable: Sendable {
    var subfolder: String
    var table: ReleaseTable

    /// The table's name in the release database: the file name in snake
    /// case, prefixed with the subfolder (`branch_directed_...`).
    var sqlName: String {
        let base = table.name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            .split(separator: "_", omittingEmptySubsequences: true).joined(separator: "_")
        return subfolder.isEmpty ? base : subfolder + "_" + base
    }

    var path: String { subfolder.isEmpty ? table.name : subfolder + "/" + table.name }
}

/// The column types the release uses outside CSV: whole numbers, decimals
/// (coordinates, distances, means) and text (codes included).
enum ReleaseColumnType: String {
    case integer, number, string

    static let decimalColumns: Set<String> = {
        let coordinates = ["InvestorCity_LNG", "InvestorCity_LAT", "InvesteeCity_LNG", "InvesteeCity_LAT", "CityA_LNG", "CityA_LAT", "CityB_LNG", "CityB_LAT"]
        return Set(coordinates + coordinates.map(ScopedRelease.Names(resolution: .county).column) + ["Distance_km", "LNG", "LAT", "Mean", "Median", "SD"])
    }()

    init(column: String) {
        if Self.decimalColumns.contains(column) {
            self = .number
        } else if ReleaseTable.numberColumns.contains(column) {
            self = .integer
        } else {
            self = .string
        }
    }

    var sqlType: String {
        switch self {
        case .integer: return "INTEGER"
        case .number: return "REAL"
        case .string: return "TEXT"
        }
    }
}

/// `IIN.sqlite`: every table of the release, typed, with indexes on city
/// codes and years, for `sqlite3` and any SQL client. The two intercity
/// tables of each link type are views over the tables that include
/// intracity links, less the rows whose two cities are one: the same rows
/// in the same order, stored once. (As tables they were half of a 12M
/// release's 199 MB database and of the time to write it.)
enum ReleaseDatabase {
    static let fileName = "IIN.sqlite"
    /// The database before its late tables, kept for the next build.
    static let basePath = PublishedFileReuse.prefix + "IIN-base.sqlite"

    /// The intercity tables, each with the table it is a view of and the
    /// two code columns that differ on its rows.
    static let views: [String: (of: String, codes: (String, String))] = {
        var views: [String: (of: String, codes: (String, String))] = [:]
        // The national release's names, and a county release's.
        for names in NetworkScope.Resolution.allCases.map(ScopedRelease.Names.init(resolution:)) {
            views[names.table(PublishStage.directedName)] = (names.table(PublishStage.directedIntracityName),
                                                             (names.column("InvestorCityCode"), names.column("InvesteeCityCode")))
            views[names.table(PublishStage.undirectedName)] = (names.table(PublishStage.undirectedIntracityName),
                                                               (names.column("CityACode"), names.column("CityBCode")))
        }
        return views
    }()

    /// The tables written last, in a transaction of their own on a copy
    /// of the rest (`base`): the record accounting, which any changed row
    /// changes, while the rest changes only with the networks.
    static func isLate(_ placed: PlacedTable) -> Bool { placed.table.name == PublishStage.accountingName }

    /// Writes the database of every table but the late ones (and the views
    /// over them), committed and closed, at `url`.
    static func writeBase(_ tables: [PlacedTable], to url: URL) throws(IINError) {
        let database = try SQLiteDatabase(creating: url)
        try database.execute(bulkSetup)
        let sqlNames = Dictionary(tables.map { ($0.path, $0.sqlName) }, uniquingKeysWith: { first, _ in first })
        var viewStatements: [String] = []
        for placed in tables {
            if let view = views[placed.table.name], let base = sqlNames[placed.subfolder.isEmpty ? view.of : placed.subfolder + "/" + view.of] {
                viewStatements.append("CREATE VIEW \"\(placed.sqlName)\" AS SELECT * FROM \"\(base)\" WHERE \"\(view.codes.0)\" <> \"\(view.codes.1)\";")
                continue
            }
            try insert(placed, into: database)
        }
        for statement in viewStatements { try database.execute(statement) }
        try database.execute("COMMIT;")
    }

    /// Copies the base database at `base` to `url` and adds `tables` to
    /// the copy. A cold build and a rebuild that took its base from the
    /// last build both come here, so the file's bytes are the same either
    /// way: SQLite lays out pages by the operations it was given, from the
    /// same starting file.
    static func finish(base: URL, adding tables: [PlacedTable], to url: URL) throws(IINError) {
        try? FileManager.default.removeItem(at: url)
        try DiskWrites.copy(base, to: url, knownSHA256: nil)
        let database = try SQLiteDatabase(extending: url)
        try database.execute(bulkSetup)
        for placed in tables { try insert(placed, into: database) }
        try database.execute("COMMIT;")
    }

    /// Index builds sort millions of entries: give them memory.
    private static let bulkSetup = "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; BEGIN;"

    /// Creates one table, inserts its rows, and indexes its code and year
    /// columns.
    private static func insert(_ placed: PlacedTable, into database: SQLiteDatabase) throws(IINError) {
        let table = placed.table
        let types = table.header.map(ReleaseColumnType.init(column:))
        let columns = zip(table.header, types).map { "\"\($0)\" \($1.sqlType)" }.joined(separator: ", ")
        try database.execute("CREATE TABLE \"\(placed.sqlName)\" (\(columns));")
        let insert = try database.prepare("INSERT INTO \"\(placed.sqlName)\" VALUES (\(Array(repeating: "?", count: types.count).joined(separator: ", ")))")
        let kinds: [UInt8] = types.map { type in
            switch type {
            case .string: return 0
            case .integer: return 1
            case .number: return 2
            }
        }
        for row in table.rows { try insert.insert(cells: row, kinds: kinds) }
        for column in table.header where column.hasSuffix("Code") || column == "InvestmentYear" || column == "Year" {
            try database.execute("CREATE INDEX \"\(placed.sqlName)_\(column)\" ON \"\(placed.sqlName)\" (\"\(column)\");")
        }
    }
}

/// GeoJSON for GIS: the cities as points, and the undirected edges as
/// lines between their cities' points, with weight and year.
enum ReleaseGeoJSON {
    static let citiesName = "Cities.geojson"

    /// The cities as WGS84 points (the tables' LNG and LAT are GCJ-02).
    static func cities(_ geography: ReleaseGeography) -> String {
        let features = geography.gazetteer.cities.map { city in
            feature(geometry: point(geography.positions[city.code]), properties: ReleaseGeography.cityProperties(city))
        }
        return collection(features)
    }

    /// The undirected (intercity) table as lines between the cities' WGS84
    /// points, its other cells spelled as the table spells them.
    static func edges(_ table: ReleaseTable, geography: ReleaseGeography) -> [UInt8] {
        let column = Dictionary(uniqueKeysWithValues: table.header.enumerated().map { ($1, $0) })
        let dyad = column["CityDyad"]!, a = column["CityACode"]!, b = column["CityBCode"]!
        let weight = column["InvestmentFrequency"]!, distance = column["Distance_km"]!, year = column["InvestmentYear"]!
        let unplaced = ReleaseGeography.Position(longitude: "0", latitude: "0", point: (0, 0))
        func position(_ code: String) -> ReleaseGeography.Position { Int(code).flatMap { geography.positions[$0] } ?? unplaced }
        var out: [UInt8] = Array("{\"type\":\"FeatureCollection\",\"features\":[\n".utf8)
        out.reserveCapacity(table.rows.count * 260)
        for (index, row) in table.rows.enumerated() {
            if index > 0 { out.append(contentsOf: ",\n".utf8) }
            let (from, to) = (position(row[a]), position(row[b]))
            out.append(contentsOf: #"{"type":"Feature","geometry":{"type":"LineString","coordinates":[["#.utf8)
            out.append(contentsOf: from.longitude.utf8)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: from.latitude.utf8)
            out.append(contentsOf: "],[".utf8)
            out.append(contentsOf: to.longitude.utf8)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: to.latitude.utf8)
            out.append(contentsOf: #"]]},"properties":{"CityDyad":""#.utf8)
            out.append(contentsOf: row[dyad].utf8)
            out.append(contentsOf: #"","CityACode":""#.utf8)
            out.append(contentsOf: row[a].utf8)
            out.append(contentsOf: #"","CityBCode":""#.utf8)
            out.append(contentsOf: row[b].utf8)
            out.append(contentsOf: #"","InvestmentFrequency":"#.utf8)
            out.append(contentsOf: row[weight].utf8)
            out.append(contentsOf: #","Distance_km":"#.utf8)
            out.append(contentsOf: row[distance].utf8)
            out.append(contentsOf: #","InvestmentYear":"#.utf8)
            out.append(contentsOf: row[year].utf8)
            out.append(contentsOf: "}}".utf8)
        }
        out.append(contentsOf: "\n]}\n".utf8)
        return out
    }

    static func point(_ position: ReleaseGeography.Position?) -> String {
        guard let position else { return "null" }
        return #"{"type":"Point","coordinates":[\#(position.longitude),\#(position.latitude)]}"#
    }

    static func feature(geometry: String, properties: [(String, String)]) -> String {
        #"{"type":"Feature","geometry":\#(geometry),"properties":{"# + properties.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}}"
    }

    static func collection(_ features: [String]) -> String {
        "{\"type\":\"FeatureCollection\",\"features\":[\n" + features.joined(separator: ",\n") + "\n]}\n"
    }

    /// A JSON string literal.
    static func string(_ text: String) -> String { JSONValue.quote(text) }
}

/// GraphML, one file per slice: the directed intercity network, cities as
/// nodes with code, names, WGS84 coordinates (as the GeoJSON has them) and
/// degrees, links weighted by
/// investment frequency. Gephi, networkx and igraph read it.
enum ReleaseGraphML {
    static func slice(year: Int, links: [LinkTable.Link], degrees: [CityDegree], geography: ReleaseGeography) -> String {
        let gazetteer = geography.gazetteer
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
            xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
            <key id="code" for="node" attr.name="CityCode" attr.type="string"/>
            <key id="name_cn" for="node" attr.name="CityName_CN" attr.type="string"/>
            <key id="name_en" for="node" attr.name="CityName_EN" attr.type="string"/>
            <key id="lng" for="node" attr.name="LNG_WGS84" attr.type="double"/>
            <key id="lat" for="node" attr.name="LAT_WGS84" attr.type="double"/>
            <key id="out" for="node" attr.name="Outdegree" attr.type="int"/>
            <key id="in" for="node" attr.name="Indegree" attr.type="int"/>
            <key id="degree" for="node" attr.name="NodeDegree" attr.type="int"/>
            <key id="weight" for="edge" attr.name="weight" attr.type="int"/>
            <graph id="IIN-\(year)" edgedefault="directed">

            """
        for degree in degrees.sorted(by: { $0.city < $1.city }) {
            guard let city = gazetteer.city(code: degree.city), let position = geography.positions[city.code] else { continue }
            out += """
                <node id="\(city.code)"><data key="code">\(city.code)</data><data key="name_cn">\(escape(city.nameCN))</data>\
                <data key="name_en">\(escape(city.nameEN))</data><data key="lng">\(position.longitude)</data>\
                <data key="lat">\(position.latitude)</data><data key="out">\(degree.outdegree)</data>\
                <data key="in">\(degree.indegree)</data><data key="degree">\(degree.nodeDegree)</data></node>

                """
        }
        for link in links where link.from != link.to {
            out += "<edge source=\"\(link.from)\" target=\"\(link.to)\"><data key=\"weight\">\(link.count)</data></edge>\n"
        }
        return out + "</graph>\n</graphml>\n"
    }

    /// GraphML readers (Gephi, networkx) do not know the spreadsheet's
    /// `_xHHHH_`, so names get the visible escapes the HTML report uses.
    static func escape(_ text: String) -> String { SVGChart.escape(text) }
}
