import Foundation

/// Stage 6: writes the release tables of outputs.md (see
/// stages/publish.json).
public struct PublishStage: Stage {
    public static let kind = "publish"
    public static let codeVersion = 14
    public static let usesGazetteer = true
    public static let reads: [String] = [AggregateStage.kind, DegreesStage.kind]

    public static let directedName = "Directed intercity investment network dataset"
    public static let directedIntracityName = "Directed intercity investment network dataset (including intracity investment)"
    public static let undirectedName = "Undirected intercity investment network dataset"
    public static let undirectedIntracityName = "Undirected intercity investment network dataset (including intracity investment)"
    public static let metricName = "Three network metric dataset"
    public static let cityInfoName = "CityInfo"
    public static let statisticsName = "Descriptive statistics"
    public static let accountingName = "Record accounting"

    public static let directedHeader = ["CityDyad", "InvestmentFrequency", "InvestorCityCode", "InvesteeCityCode", "InvestorCity_LNG", "InvestorCity_LAT",
                                        "InvesteeCity_LNG", "InvesteeCity_LAT", "InvestorCityName_CN", "InvestorCityName_EN", "InvesteeCityName_CN",
                                        "InvesteeCityName_EN", "Distance_km", "InvestmentYear"]
    public static let undirectedHeader = ["CityDyad", "InvestmentFrequency", "CityACode", "CityBCode", "CityA_LNG", "CityA_LAT", "CityB_LNG", "CityB_LAT",
                                          "CityAname_CN", "CityAname_EN", "CityBname_CN", "CityBname_EN", "Distance_km", "InvestmentYear"]
    public static let metricHeader = ["CityCode", "CityName_CN", "CityName_EN", "LNG", "LAT", "Outdegree", "Indegree", "NodeDegree",
                                      "Rank_out", "Rank_in", "Rank_node", "InvestmentYear"]
    public static let cityInfoHeader = ["CityCode", "CityName_CN", "CityName_EN", "ProvinceCode", "ProvinceName_CN", "Level", "LNG", "LAT"]
    public static let statisticsHeader = ["Type", "Year", "Nodes", "Dyads", "Sum", "Mean", "Min", "Median", "Max", "SD"]
    public static var accountingHeader: [String] {
        ["File", "RowsRead", "Kept", "Duplicate"] + RejectionReason.allCases.map(\.accountingColumn) + ["InSlice", "OutOfSlice"]
    }

    /// The four network types of Table 1, in its order.
    public enum NetworkType: String, CaseIterable, Sendable {
        case directed = "Directed"
        case undirected = "Undirected"
        case directedIntracity = "Directed (including intracity)"
        case undirectedIntracity = "Undirected (including intracity)"
    }

    public init() {}

    public func run(_ context: StageContext, parameters: NoParameters) throws(IINError) -> StageOutcome {
        let aggregate = try context.upstreamFolder(kind: AggregateStage.kind)
        let degreesFolder = try context.upstreamFolder(kind: DegreesStage.kind)
        let links = try LinkTable.read(from: aggregate)
        let degrees = try DegreeTable.read(from: degreesFolder)
        let accounting = try RecordAccounting.read(from: aggregate)
        let scope = try NetworkScope.read(from: aggregate)
        if !scope.isNational {
            return try ScopedRelease.publish(context, scope: scope, links: links, degrees: degrees, accounting: accounting,
                                             sliceYears: try SliceScheme.read(from: aggregate).years)
        }
        let builder = TableBuilder(gazetteer: context.gazetteer)

        // First every table, each link type's on a thread of its own (with
        // its own builder: its caches are not shared), in order; then the
        // files, in parallel.
        let linkTypes = LinkType.allCases.filter { linkType in linkType != .branch || links.links.contains { $0.linkType == linkType } }
        let gazetteer = context.gazetteer
        let built = Parallel.map(count: linkTypes.count, threads: context.threads) { index -> Network in
            let linkType = linkTypes[index]
            let typed = links.links.filter { $0.linkType == linkType }
            let typedDegrees = degrees.filter { $0.linkType == linkType }
            let subfolder = linkType == .investment ? "" : "branch"
            let tables = TableBuilder(gazetteer: gazetteer).networkTables(typed, degrees: typedDegrees).map { PlacedTable(subfolder: subfolder, table: $0) }
            return Network(linkType: linkType, links: typed, degrees: typedDegrees, tables: tables,
                           digest: PublishedFileReuse.networkDigest(links: typed, degrees: typedDegrees))
        }
        var placed = built.flatMap(\.tables)
        placed.append(PlacedTable(subfolder: "", table: builder.cityInfo()))
        placed.append(PlacedTable(subfolder: "", table: builder.accounting(accounting)))
        let reuse = PublishedFileReuse(earlier: context.earlierParts, output: context.output)
        let fileRows = try Self.write(placed, documents: Self.documents(networks: built, placed: placed, gazetteer: gazetteer),
                                      networks: built, reuse: reuse, gazetteer: gazetteer, to: context.output, threads: context.threads,
                                      progress: context.progress)
        try reuse.writeMemo()
        return StageOutcome(counts: ["edges": fileRows["\(Self.directedName).csv"] ?? 0, "files_reused": reuse.reused], fileRows: fileRows)
    }

    /// One link type's network: what its tables are built from, the
    /// tables, and the digest its files are reused under.
    struct Network: Sendable {
        var linkType: LinkType
        var links: [LinkTable.Link]
        var degrees: [CityDegree]
        var tables: [PlacedTable]
        var digest: String

        var prefix: String { linkType == .investment ? "" : "branch/" }
    }

    /// A file made from the tables, by the job that writes it. `network`
    /// names the one network it shows, if it shows one only (then it is
    /// reused when that network is as it was).
    struct Document: Sendable {
        var path: String
        var network: Network?
        var rows: Int?
        /// Writes the file at the URL given (its folder made).
        var write: @Sendable (URL) throws(IINError) -> Void

        init(path: String, network: Network?, rows: Int?, bytes: @escaping @Sendable () -> [UInt8]) {
            self.init(path: path, network: network, rows: rows) { url throws(IINError) in
                let writer = try BufferedFileWriter(url: url)
                writer.write(block: bytes())
                try writer.close()
            }
        }

        init(path: String, network: Network?, rows: Int?, write: @escaping @Sendable (URL) throws(IINError) -> Void) {
            self.path = path
            self.network = network
            self.rows = rows
            self.write = write
        }
    }

    /// GeoJSON, GraphML and the data package.
    static func documents(networks: [Network], placed: [PlacedTable], gazetteer: Gazetteer) -> [Document] {
        var documents: [Document] = []
        let geography = ReleaseGeography.of(gazetteer)
        for network in networks {
            if let undirected = network.tables.first(where: { $0.table.name == Self.undirectedName })?.table {
                documents.append(Document(path: network.prefix + Self.undirectedName + ".geojson", network: network, rows: undirected.rows.count) {
                    ReleaseGeoJSON.edges(undirected, geography: geography)
                })
                documents.append(Document(path: network.prefix + ReleaseGeography.geoPackageName, network: network, rows: nil) { url throws(IINError) in
                    try geography.writeGeoPackage(undirected: undirected, degrees: network.degrees, to: url)
                })
            }
            documents.append(Document(path: network.prefix + ReleaseGeography.boundariesName, network: network, rows: gazetteer.cities.count) {
                geography.cityBoundaries(degrees: network.degrees)
            })
            var years: [Int] = []
            for link in network.links where years.last != link.year { years.append(link.year) }
            for year in years {
                documents.append(Document(path: network.prefix + "graphml/\(network.linkType.name)-\(year).graphml", network: network, rows: nil) {
                    Array(ReleaseGraphML.slice(year: year, links: network.links.filter { $0.year == year },
                                               degrees: network.degrees.filter { $0.year == year }, geography: geography).utf8)
                })
            }
        }
        documents.append(Document(path: ReleaseGeoJSON.citiesName, network: nil, rows: gazetteer.cities.count) {
            Array(ReleaseGeoJSON.cities(geography).utf8)
        })
        let paths = documents.map(\.path)
        documents.append(Document(path: ReleaseDataPackage.fileName, network: nil, rows: nil) {
            Array((ReleaseDataPackage.describe(placed, documents: paths, version: IINVersion.current).prettyPrinted() + "\n").utf8)
        })
        return documents
    }

    /// Writes the files in parallel (the database on one thread, workbooks
    /// and documents on the others), each job into its own files, so the
    /// bytes do not depend on the thread count; a network's files are
    /// linked from the last build instead when their network is as it was.
    /// Returns the rows of each table file.
    static func write(_ placed: [PlacedTable], documents: [Document], networks: [Network], reuse: PublishedFileReuse, gazetteer: Gazetteer,
                      to output: URL, threads: Int, progress: ProgressReporter = ProgressReporter(style: .silent)) throws(IINError) -> [String: Int] {
        enum Job: Sendable {
            case database
            case table(PlacedTable, key: String?)
            case document(Document, key: String?)
        }
        func key(_ path: String, _ network: Network?) -> String? {
            network.map { PublishedFileReuse.key(path: path, content: $0.digest, gazetteer: gazetteer) }
        }
        let networkOfTable = Dictionary(networks.flatMap { network in network.tables.map { ($0.path, network) } }, uniquingKeysWith: { first, _ in first })
        // Largest first, so the two threads finish together.
        let jobs: [Job] = [.database] + documents.map { Job.document($0, key: key($0.path, $0.network)) }
            + placed.sorted { $0.table.rows.count > $1.table.rows.count }.map { Job.table($0, key: key($0.path, networkOfTable[$0.path])) }
        progress.begin("publish", total: jobs.count, unit: "files")
        defer { progress.finish() }
        let results = Parallel.map(count: jobs.count, threads: threads) { index -> Result<[String: Int], IINError> in
            defer { progress.advance(by: 1) }
            do throws(IINError) {
                switch jobs[index] {
                case .database:
                    // The base is kept for the next build, which takes it
                    // when the networks are as they were and adds only the
                    // accounting: 0.1 s instead of 1.8 s at 12M records.
                    let base = output.appendingPathComponent(ReleaseDatabase.basePath)
                    let baseKey = PublishedFileReuse.key(path: ReleaseDatabase.basePath, content: networks.map(\.digest).joined(separator: " "),
                                                         gazetteer: gazetteer)
                    _ = try reuse.files(key: baseKey, files: [ReleaseDatabase.basePath: nil]) { () throws(IINError) in
                        try DiskWrites.makeFolder(base.deletingLastPathComponent())
                        try ReleaseDatabase.writeBase(placed.filter { !ReleaseDatabase.isLate($0) }, to: base)
                    }
                    try ReleaseDatabase.finish(base: base, adding: placed.filter(ReleaseDatabase.isLate),
                                               to: output.appendingPathComponent(ReleaseDatabase.fileName))
                    return .success([:])
                case let .table(placed, key):
                    let prefix = placed.subfolder.isEmpty ? "" : placed.subfolder + "/"
                    // A sheet holds 1,048,576 rows: a longer table (a
                    // national county network's edges) would make a
                    // workbook Excel refuses, so it is CSV and SQLite only.
                    let workbook = placed.table.fitsAWorkbook
                    let paths = [prefix + placed.table.name + ".csv"] + (workbook ? [prefix + placed.table.name + ".xlsx"] : [])
                    return .success(try reuse.files(key: key, files: Dictionary(uniqueKeysWithValues: paths.map { ($0, placed.table.rows.count) })) {
                        () throws(IINError) in
                        let folder = placed.subfolder.isEmpty ? output : output.appendingPathComponent(placed.subfolder)
                        try DiskWrites.makeFolder(folder)
                        _ = try placed.table.writeCSV(to: folder)
                        if workbook { _ = try placed.table.writeXLSX(to: folder) }
                    })
                case let .document(document, key):
                    return .success(try reuse.files(key: key, files: [document.path: document.rows]) { () throws(IINError) in
                        let url = output.appendingPathComponent(document.path)
                        try DiskWrites.makeFolder(url.deletingLastPathComponent())
                        try document.write(url)
                    })
                }
            } catch {
                return .failure(error)
            }
        }
        var fileRows: [String: Int] = [:]
        for result in results { fileRows.merge(try result.get()) { first, _ in first } }
        return fileRows
    }
}

/// Builds the release tables from links, degrees and the gazetteer.
///
/// Numbers are spelled with `String(format:)`, which costs about a
/// microsecond a call here; a city's cells and a pair's distance are
/// spelled once and reused across its rows (2.2 million of them in a
/// 12-million-record release). A city is looked up once per row side, by
/// code, and its index then finds the pair's distance in a flat table.
final class TableBuilder {
    let gazetteer: Gazetteer

    /// A city's cells as the network tables spell them.
    private struct Spelled {
        var index: Int
        var city: City
        var code: String
        var longitude: String
        var latitude: String
    }

    private var spelledByCode: [Int: Spelled] = [:]
    /// Row-major by city index; nil until first asked for.
    private var distances: [String?]
    private let cityCount: Int

    /// - Parameter nodes: the network's nodes as cities (a county-level
    ///   unit is one whose English name is its city's name); by default the
    ///   gazetteer's cities. A node without a point has NaN coordinates,
    ///   spelled as empty cells, as are its distances.
    init(gazetteer: Gazetteer, nodes: [City]? = nil) {
        self.gazetteer = gazetteer
        let nodes = nodes ?? gazetteer.cities
        for (index, city) in nodes.enumerated() {
            spelledByCode[city.code] = Spelled(index: index, city: city, code: String(city.code),
                                               longitude: Self.coordinate(city.longitude), latitude: Self.coordinate(city.latitude))
        }
        // A table per pair costs 16 bytes a pair: for the 2,848 units of a
        // national county network, distances are spelled as rows need them.
        cityCount = nodes.count <= 1_000 ? nodes.count : 0
        distances = Array(repeating: nil, count: cityCount * cityCount)
    }

    private static func coordinate(_ value: Double) -> String { value.isNaN ? "" : ReleaseFormat.fixed(value, 6) }

    private func spelled(_ code: Int) -> Spelled {
        if let known = spelledByCode[code] { return known }
        // Aggregation only ever sees codes the gazetteer produced; an
        // unknown one is spelled (once) with empty names, as before.
        let city = City(code: code, nameCN: "", nameEN: "", provinceCode: 0, provinceNameCN: "", level: .prefectureCity, longitude: 0, latitude: 0)
        let made = Spelled(index: -1, city: city, code: String(code), longitude: ReleaseFormat.fixed(0, 6), latitude: ReleaseFormat.fixed(0, 6))
        spelledByCode[code] = made
        return made
    }

    private func distance(_ first: Spelled, _ second: Spelled) -> String {
        if first.longitude.isEmpty || second.longitude.isEmpty { return "" }
        guard first.index >= 0, second.index >= 0, first.index < cityCount, second.index < cityCount else {
            return ReleaseFormat.fixed(first.city.distanceKilometres(to: second.city), 3)
        }
        let slot = first.index * cityCount + second.index
        if let known = distances[slot] { return known }
        let text = ReleaseFormat.fixed(first.city.distanceKilometres(to: second.city), 3)
        distances[slot] = text
        return text
    }

    private func city(_ code: Int) -> City { spelled(code).city }

    private func pairRow(weight: Int, first: Int, second: Int, year: String) -> [String] {
        let first = spelled(first), second = spelled(second)
        return [first.code + "-" + second.code, String(weight), first.code, second.code,
                first.longitude, first.latitude, second.longitude, second.latitude,
                first.city.nameCN, first.city.nameEN, second.city.nameCN, second.city.nameEN, distance(first, second), year]
    }

    /// Directed and undirected tables, with and without intracity links,
    /// the metric table and Table 1, for one link type.
    func networkTables(_ links: [LinkTable.Link], degrees: [CityDegree]) -> [ReleaseTable] {
        typealias P = PublishStage
        var directed: [[String]] = []
        var directedIntracity: [[String]] = []
        var undirected: [[String]] = []
        var undirectedIntracity: [[String]] = []
        var statistics: [[String]] = []

        var years: [Int] = []
        for link in links where years.last != link.year { years.append(link.year) }
        for year in years {
            let slice = links.filter { $0.year == year }
            let yearText = String(year)
            var pairs: [Pair: Int] = [:]
            for link in slice {
                let row = pairRow(weight: link.count, first: link.from, second: link.to, year: yearText)
                directedIntracity.append(row)
                if link.from != link.to { directed.append(row) }
                pairs[Pair(min(link.from, link.to), max(link.from, link.to)), default: 0] += link.count
            }
            let sortedPairs = pairs.sorted { ($0.key.a, $0.key.b) < ($1.key.a, $1.key.b) }
            for (pair, weight) in sortedPairs {
                let row = pairRow(weight: weight, first: pair.a, second: pair.b, year: yearText)
                undirectedIntracity.append(row)
                if pair.a != pair.b { undirected.append(row) }
            }

            let intercity = slice.filter { $0.from != $0.to }
            let intercityNodes = Set(intercity.flatMap { [$0.from, $0.to] }).count
            let allNodes = Set(slice.flatMap { [$0.from, $0.to] }).count
            let series: [(P.NetworkType, [Int], Int)] = [
                (.directed, intercity.map(\.count), intercityNodes),
                (.undirected, sortedPairs.filter { $0.key.a != $0.key.b }.map(\.value), intercityNodes),
                (.directedIntracity, slice.map(\.count), allNodes),
                (.undirectedIntracity, sortedPairs.map(\.value), allNodes),
            ]
            for (type, weights, nodes) in series {
                guard let stats = DescriptiveStatistics(weights: weights, nodes: nodes) else { continue }
                statistics.append([type.rawValue, String(year), String(stats.nodes), String(stats.dyads), String(stats.sum),
                                   ReleaseFormat.fixed(stats.mean, 4), String(stats.minimum), ReleaseFormat.fixed(stats.median, 1),
                                   String(stats.maximum), stats.standardDeviation.map { ReleaseFormat.fixed($0, 4) } ?? ""])
            }
        }
        statistics.sort { (typeOrder($0), Int($0[1]) ?? 0) < (typeOrder($1), Int($1[1]) ?? 0) }

        let metric = degrees.map { degree -> [String] in
            let info = city(degree.city)
            return [String(info.code), info.nameCN, info.nameEN, Self.coordinate(info.longitude), Self.coordinate(info.latitude),
                    String(degree.outdegree), String(degree.indegree), String(degree.nodeDegree),
                    String(degree.rankOut), String(degree.rankIn), String(degree.rankNode), String(degree.year)]
        }
        return [
            ReleaseTable(name: P.directedName, header: P.directedHeader, rows: directed),
            ReleaseTable(name: P.directedIntracityName, header: P.directedHeader, rows: directedIntracity),
            ReleaseTable(name: P.undirectedName, header: P.undirectedHeader, rows: undirected),
            ReleaseTable(name: P.undirectedIntracityName, header: P.undirectedHeader, rows: undirectedIntracity),
            ReleaseTable(name: P.metricName, header: P.metricHeader, rows: metric),
            ReleaseTable(name: P.statisticsName, header: P.statisticsHeader, rows: statistics),
        ]
    }

    private func typeOrder(_ row: [String]) -> Int {
        PublishStage.NetworkType.allCases.firstIndex { $0.rawValue == row[0] } ?? 0
    }

    func cityInfo() -> ReleaseTable {
        ReleaseTable(name: PublishStage.cityInfoName, header: PublishStage.cityInfoHeader, rows: gazetteer.cities.map {
            [String($0.code), $0.nameCN, $0.nameEN, String($0.provinceCode), $0.provinceNameCN, $0.level.rawValue,
             ReleaseFormat.fixed($0.longitude, 6), ReleaseFormat.fixed($0.latitude, 6)]
        })
    }

    func accounting(_ accounting: RecordAccounting) -> ReleaseTable {
        func row(_ account: FileAccount) -> [String] {
            [account.file, String(account.rowsRead), String(account.kept), String(account.duplicate)]
                + RejectionReason.allCases.map { String(account.rejections($0)) } + [String(account.inSlice), String(account.outOfSlice)]
        }
        return ReleaseTable(name: PublishStage.accountingName, header: PublishStage.accountingHeader,
                            rows: accounting.files.map(row) + [row(accounting.total)])
    }

    struct Pair: Hashable {
        var a: Int
        var b: Int
        init(_ a: Int, _ b: Int) { self.a = a; self.b = b }
    }
}
