import Foundation

/// The release of a network other than the national city one
/// (`NetworkScope`): the same table shapes with the scope's nodes (cities
/// of a region, or county-level units), a units table in place of
/// CityInfo, the headquarters-branch degree table and its top 20, the
/// dominant flows and hinterlands, a units GeoJSON and a report page with
/// the hinterland maps. It is placed in the scope's folder inside the
/// release (`release/county-guizhou`).
enum ScopedRelease {
    static let unitsName = "Units"
    static let branchDegreeName = "Headquarters-branch degree centrality"
    static let branchTopName = "Headquarters-branch top 20"
    static let dominantFlowsName = "Dominant flows"
    static let hinterlandsName = "Hinterlands"
    static let reportName = "report.html"
    static let unitsGeoJSONName = "Units.geojson"
    static let boundariesName = "Unit boundaries.geojson"

    /// The scope's nodes, as the table builder takes them: a county-level
    /// unit is a `City` whose English name is its city's Chinese name and
    /// whose missing point (cpca has none for 117 units) is NaN.
    struct Nodes {
        let scope: NetworkScope
        let list: [City]
        let byCode: [Int: City]
        /// Each node's 2020 city: itself at city level.
        let cityCodes: [Int: Int]
        /// Where each node's point comes from (`CountyUnit.pointSource`).
        let pointSources: [Int: String]
        /// Each node's outline (GCJ-02), where the boundaries have one.
        let outlines: [Int: [OutlineFile.Polygon]]

        init(scope: NetworkScope, gazetteer: Gazetteer) throws(IINError) {
            self.scope = scope
            let cities = scope.cities(in: gazetteer)
            switch scope.resolution {
            case .city:
                list = gazetteer.cities.filter { cities.contains($0.code) }
                cityCodes = Dictionary(uniqueKeysWithValues: list.map { ($0.code, $0.code) })
                pointSources = Dictionary(uniqueKeysWithValues: list.map { ($0.code, "gazetteer") })
                outlines = gazetteer.outlines.cities.filter { cities.contains($0.key) }
            case .county:
                let units = gazetteer.countyLevelUnits.filter { cities.contains($0.cityCode) }
                list = units.compactMap { unit in
                    guard let city = gazetteer.city(code: unit.cityCode) else { return nil }
                    return City(code: unit.code, nameCN: unit.name, nameEN: city.nameCN, provinceCode: city.provinceCode, provinceNameCN: city.provinceNameCN,
                                level: city.level, longitude: unit.longitude ?? .nan, latitude: unit.latitude ?? .nan)
                }
                cityCodes = Dictionary(uniqueKeysWithValues: units.map { ($0.code, $0.cityCode) })
                pointSources = Dictionary(uniqueKeysWithValues: units.map { ($0.code, $0.pointSource ?? "") })
                let codes = Set(units.map(\.code))
                outlines = try gazetteer.countyOutlines().filter { codes.contains($0.key) }
            }
            byCode = Dictionary(uniqueKeysWithValues: list.map { ($0.code, $0) })
        }

        /// The city holding a node, code and name: itself at city level.
        func city(of node: City) -> (code: Int, nameCN: String) {
            (cityCodes[node.code] ?? node.code, scope.resolution == .city ? node.nameCN : node.nameEN)
        }
    }

    /// - Parameter sliceYears: every slice of the aggregate stage's scheme,
    ///   for the tables that list every unit in every slice.
    static func publish(_ context: StageContext, scope: NetworkScope, links: LinkTable, degrees: [CityDegree],
                        accounting: RecordAccounting, sliceYears: [Int]) throws(IINError) -> StageOutcome {
        let gazetteer = context.gazetteer
        let nodes = try Nodes(scope: scope, gazetteer: gazetteer)
        let names = Names(resolution: scope.resolution)
        let linkTypes = LinkType.allCases.filter { linkType in linkType != .branch || links.links.contains { $0.linkType == linkType } }
        // Each link type's tables on a thread of its own, as the national
        // release builds them.
        let built = Parallel.map(count: linkTypes.count, threads: context.threads) { index -> (PublishStage.Network, [(LinkType, Int, DominantFlows)]) in
            let linkType = linkTypes[index]
            let typed = links.links.filter { $0.linkType == linkType }
            let typedDegrees = degrees.filter { $0.linkType == linkType }
            let subfolder = linkType == .investment ? "" : "branch"
            var tables = TableBuilder(gazetteer: gazetteer, nodes: nodes.list).networkTables(typed, degrees: typedDegrees).map(names.rename)
            var years: [Int] = []
            for link in typed where years.last != link.year { years.append(link.year) }
            let flows = years.map { year in (year, DominantFlows(links: typed.filter { $0.year == year })) }
            tables += dominanceTables(flows, nodes: nodes, names: names)
            if linkType == .branch { tables += branchTables(typed, years: sliceYears, nodes: nodes, names: names) }
            let network = PublishStage.Network(linkType: linkType, links: typed, degrees: typedDegrees, tables: tables.map { PlacedTable(subfolder: subfolder, table: $0) },
                                               digest: PublishedFileReuse.networkDigest(links: typed, degrees: typedDegrees) + " " + scope.folderName)
            return (network, flows.map { (linkType, $0.0, $0.1) })
        }
        let networks = built.map(\.0)
        var placed = networks.flatMap(\.tables)
        let maps = built.flatMap(\.1).map { (linkType: $0.0, year: $0.1, flows: $0.2) }
        placed.append(PlacedTable(subfolder: "", table: unitsTable(nodes, names: names)))
        placed.append(PlacedTable(subfolder: "", table: accountingTable(accounting)))
        let (tables, slices) = (placed, maps)
        let documents = [
            PublishStage.Document(path: unitsGeoJSONName, network: nil, rows: nodes.list.count) { Array(unitsGeoJSON(nodes, outlines: false).utf8) },
            PublishStage.Document(path: boundariesName, network: nil, rows: nodes.list.count) { Array(unitsGeoJSON(nodes, outlines: true).utf8) },
            PublishStage.Document(path: reportName, network: nil, rows: nil) {
                Array(ScopedReport.html(scope: scope, nodes: nodes, accounting: accounting, placed: tables, maps: slices, gazetteer: gazetteer).utf8)
            },
        ]
        let reuse = PublishedFileReuse(earlier: context.earlierParts, output: context.output)
        let fileRows = try PublishStage.write(placed, documents: documents, networks: networks, reuse: reuse, gazetteer: gazetteer, to: context.output,
                                              threads: context.threads, progress: context.progress)
        try reuse.writeMemo()
        return StageOutcome(counts: ["edges": fileRows["\(names.table(PublishStage.directedName)).csv"] ?? 0, "units": nodes.list.count,
                                     "files_reused": reuse.reused], fileRows: fileRows)
    }

    /// Table and column names at a resolution: the city release's at city
    /// level; at county level "city" becomes "county" (`CountyDyad`,
    /// `InvestorCountyCode`), and the English-name columns, which counties
    /// lack, hold the unit's city (`InvestorCounty_City`).
    struct Names {
        let resolution: NetworkScope.Resolution

        func table(_ name: String) -> String {
            resolution == .city ? name : name.replacingOccurrences(of: "intercity", with: "intercounty").replacingOccurrences(of: "intracity", with: "intracounty")
        }

        func column(_ name: String) -> String {
            guard resolution == .county else { return name }
            if name.hasSuffix("name_EN") { return name.replacingOccurrences(of: "City", with: "County").replacingOccurrences(of: "name_EN", with: "_City") }
            if name.hasSuffix("Name_EN") { return name.replacingOccurrences(of: "City", with: "County").replacingOccurrences(of: "Name_EN", with: "_City") }
            if name.hasSuffix("Name_CN") && !name.contains("City") { return name }
            return name.replacingOccurrences(of: "City", with: "County")
        }

        /// The city release's name of a column this resolution names
        /// `column(_:)` (the reader asks by the city names).
        func cityColumn(_ name: String) -> String {
            guard resolution == .county else { return name }
            return Self.cityColumns.first { column($0) == name } ?? name
        }

        private static let cityColumns = Set(PublishStage.directedHeader + PublishStage.undirectedHeader + PublishStage.metricHeader)

        var unit: String { resolution == .city ? "City" : "County" }
        /// What holds a unit: its city, or a city's province.
        var holder: String { resolution == .city ? "Province" : "City" }

        func rename(_ table: ReleaseTable) -> ReleaseTable {
            ReleaseTable(name: self.table(table.name), header: table.header.map(column), rows: table.rows)
        }
    }

    static func unitsTable(_ nodes: Nodes, names: Names) -> ReleaseTable {
        let header = ["UnitCode", "UnitName_CN", "CityCode", "CityName_CN", "ProvinceCode", "ProvinceName_CN", "LNG", "LAT", "PointSource", "HasOutline"]
        let rows = nodes.list.map { node -> [String] in
            let city = nodes.city(of: node)
            return [String(node.code), node.nameCN, String(city.code), city.nameCN, String(node.provinceCode), node.provinceNameCN,
                    node.longitude.isNaN ? "" : ReleaseFormat.fixed(node.longitude, 6), node.latitude.isNaN ? "" : ReleaseFormat.fixed(node.latitude, 6),
                    nodes.pointSources[node.code] ?? "", nodes.outlines[node.code] == nil ? "0" : "1"]
        }
        return ReleaseTable(name: unitsName, header: header, rows: rows)
    }

    static func accountingTable(_ accounting: RecordAccounting) -> ReleaseTable {
        let header = ["File", "RowsRead", "Kept", "Duplicate"] + RejectionReason.allCases.map(\.accountingColumn)
            + ScopeExclusion.allCases.map(\.accountingColumn) + ["InSlice", "OutOfSlice"]
        func row(_ account: FileAccount) -> [String] {
            [account.file, String(account.rowsRead), String(account.kept), String(account.duplicate)]
                + RejectionReason.allCases.map { String(account.rejections($0)) } + ScopeExclusion.allCases.map { String(account.exclusions($0)) }
                + [String(account.inSlice), String(account.outOfSlice)]
        }
        return ReleaseTable(name: PublishStage.accountingName, header: header, rows: accounting.files.map(row) + [row(accounting.total)])
    }

    /// Every node of the scope in every slice (zeros included): inbound
    /// (branches in it of head offices elsewhere), outbound (branches
    /// elsewhere of its head offices), degree centrality (their sum) and
    /// its rank; and the top 20 by centrality in the layout of the
    /// provincial studies (rank, county, city, inbound, outbound,
    /// centrality), the year last.
    static func branchTables(_ links: [LinkTable.Link], years: [Int], nodes: Nodes, names: Names) -> [ReleaseTable] {
        var degreeRows: [[String]] = []
        var topRows: [[String]] = []
        for year in years {
            var inbound: [Int: Int] = [:], outbound: [Int: Int] = [:]
            for link in links where link.year == year && link.from != link.to {
                outbound[link.from, default: 0] += link.count
                inbound[link.to, default: 0] += link.count
            }
            let list = nodes.list
            let centrality = list.map { inbound[$0.code, default: 0] + outbound[$0.code, default: 0] }
            let ranks = DegreeComputation.ranks(centrality)
            for (index, node) in list.enumerated() {
                let holder = names.resolution == .city ? node.provinceNameCN : node.nameEN
                degreeRows.append([String(node.code), node.nameCN, holder, String(inbound[node.code, default: 0]), String(outbound[node.code, default: 0]),
                                   String(centrality[index]), String(ranks[index]), String(year)])
            }
            let order = list.indices.sorted { (ranks[$0], list[$0].code) < (ranks[$1], list[$1].code) }
            for index in order where ranks[index] <= 20 && centrality[index] > 0 {
                let node = list[index]
                topRows.append([String(ranks[index]), node.nameCN, names.resolution == .city ? node.provinceNameCN : node.nameEN,
                                String(inbound[node.code, default: 0]), String(outbound[node.code, default: 0]), String(centrality[index]), String(year)])
            }
        }
        let unit = names.unit, holder = names.holder
        return [
            ReleaseTable(name: branchDegreeName, header: [unit + "Code", unit + "Name_CN", holder + "Name_CN", "Inbound", "Outbound", "DegreeCentrality",
                                                          "Rank", "InvestmentYear"], rows: degreeRows),
            ReleaseTable(name: branchTopName, header: ["Rank", unit, holder, "Inbound", "Outbound", "DegreeCentrality", "InvestmentYear"], rows: topRows),
        ]
    }

    /// Each node's dominant flow per slice, and each centre's hinterland.
    static func dominanceTables(_ slices: [(Int, DominantFlows)], nodes: Nodes, names: Names) -> [ReleaseTable] {
        func name(_ code: Int) -> String { nodes.byCode[code]?.nameCN ?? "" }
        var flowRows: [[String]] = []
        var centreRows: [[String]] = []
        for (year, flows) in slices {
            for flow in flows.flows {
                flowRows.append([String(flow.node), name(flow.node), String(flow.nodeDegree), String(flow.partner), name(flow.partner), String(flow.weight),
                                 String(flow.partnerDegree), flow.partnerLarger ? "1" : "0", String(flow.centre), name(flow.centre), String(year)])
            }
            for centre in flows.centres {
                centreRows.append([String(centre.node), name(centre.node), String(centre.nodeDegree), centre.isCentre ? "1" : "0",
                                   String(centre.firstOrder.count), String(centre.hinterland.count),
                                   centre.firstOrder.map(String.init).joined(separator: ";"), centre.hinterland.map(String.init).joined(separator: ";"), String(year)])
            }
        }
        let unit = names.unit
        return [
            ReleaseTable(name: dominantFlowsName, header: [unit + "Code", unit + "Name_CN", "NodeDegree", "PartnerCode", "PartnerName_CN", "PartnerWeight",
                                                           "PartnerNodeDegree", "PartnerLarger", "CentreCode", "CentreName_CN", "InvestmentYear"], rows: flowRows),
            ReleaseTable(name: hinterlandsName, header: [unit + "Code", unit + "Name_CN", "NodeDegree", "IsCentre", "FirstOrder", "Hinterland",
                                                         "FirstOrderCodes", "HinterlandCodes", "InvestmentYear"], rows: centreRows),
        ]
    }

    /// The scope's nodes as GeoJSON in WGS84, as points or as outlines (a
    /// node without one has a null geometry).
    static func unitsGeoJSON(_ nodes: Nodes, outlines: Bool) -> String {
        func position(_ longitude: Double, _ latitude: Double) -> String {
            let wgs = GCJ02.toWGS84(longitude: longitude, latitude: latitude)
            return "[\(ReleaseGeography.number(ReleaseGeography.round6(wgs.longitude))),\(ReleaseGeography.number(ReleaseGeography.round6(wgs.latitude)))]"
        }
        let features = nodes.list.map { node -> String in
            let geometry: String
            if outlines {
                geometry = nodes.outlines[node.code].map { polygons in
                    #"{"type":"MultiPolygon","coordinates":["# + polygons.map { polygon in
                        "[" + polygon.map { ring in "[" + ring.map { position($0.longitude, $0.latitude) }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
                    }.joined(separator: ",") + "]}"
                } ?? "null"
            } else {
                geometry = node.longitude.isNaN ? "null" : #"{"type":"Point","coordinates":\#(position(node.longitude, node.latitude))}"#
            }
            let city = nodes.city(of: node)
            return ReleaseGeoJSON.feature(geometry: geometry, properties: [("UnitCode", ReleaseGeoJSON.string(String(node.code))),
                                                                           ("UnitName_CN", ReleaseGeoJSON.string(node.nameCN)),
                                                                           ("CityCode", ReleaseGeoJSON.string(String(city.code))),
                                                                           ("CityName_CN", ReleaseGeoJSON.string(city.nameCN))])
        }
        return ReleaseGeoJSON.collection(features)
    }
}
