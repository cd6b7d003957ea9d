import Foundation

/// The report page of a scoped release (`ScopedRelease`): the record
/// accounting, Table 1, the headquarters-branch top 20 and, per network
/// and slice, the map of dominant flows and hinterlands. One
/// self-contained page (inline style and SVG, nothing fetched), made from
/// the tables the release publishes beside it.
enum ScopedReport {
    static func html(scope: NetworkScope, nodes: ScopedRelease.Nodes, accounting: RecordAccounting, placed: [PlacedTable],
                     maps: [(linkType: LinkType, year: Int, flows: DominantFlows)], gazetteer: Gazetteer) -> String {
        let outlines = gazetteer.outlines
        let level = scope.resolution == .city ? "city" : "county-level"
        let region = scope.region.map { region in
            region.codes.map { code in (gazetteer.province(code: code)?.name ?? gazetteer.city(code: code)?.nameCN ?? "") + " \(code)" }.joined(separator: ", ")
        } ?? "the whole country"
        var body = "<h1>IIN \(e(scope.folderName)): the \(level) network of \(e(region))</h1>\n"
        body += "<p>\(nodes.list.count) units. Tables beside this page; the definitions are in docs/scopes.md of the iin repository.</p>\n"
        body += "<section id=\"accounting\"><h2>1. Record accounting</h2><p>\(e(accounting.identityLine))</p>\n"
        if let table = placed.first(where: { $0.path == PublishStage.accountingName })?.table { body += self.table(table) }
        body += "</section>\n"
        body += "<section id=\"table1\"><h2>2. Table 1: descriptive statistics</h2>\n"
        for entry in placed where entry.table.name == PublishStage.statisticsName {
            body += "<h3>\(entry.subfolder.isEmpty ? "Investment network" : "Headquarters-branch network")</h3>" + table(entry.table)
        }
        body += "</section>\n"
        body += "<section id=\"top20\"><h2>3. Headquarters-branch network: top 20 by degree centrality</h2>\n"
        if let top = placed.first(where: { $0.table.name == ScopedRelease.branchTopName })?.table {
            let yearColumn = top.header.count - 1
            var years: [String] = []
            for row in top.rows where years.last != row[yearColumn] { years.append(row[yearColumn]) }
            for year in years {
                body += "<h3>\(e(year))</h3>" + table(ReleaseTable(name: top.name, header: Array(top.header.dropLast()),
                                                                     rows: top.rows.filter { $0[yearColumn] == year }.map { Array($0.dropLast()) }))
            }
        } else {
            body += "<p class=\"note\">No branch records in this scope.</p>"
        }
        body += "</section>\n"
        body += "<section id=\"hinterlands\"><h2>4. Dominant flows and hinterlands</h2>\n"
        body += "<p class=\"note\">Each unit's line goes to its strongest partner (undirected intercity weight; the lower code among equals) when that partner is larger by node degree (Nystuen-Dacey). Red circles are centres, sized by the units in their hinterland; grey dots are units without a larger partner's pull or with no tie.</p>\n"
        let projection = Projection(nodes: nodes, outlines: outlines)
        if let projection { body += baseLayer(nodes: nodes, outlines: outlines, projection: projection) }
        for map in maps {
            guard let projection else { body += "<p class=\"note\">No unit has a point to map.</p>"; break }
            body += "<figure>" + self.map(map.flows, nodes: nodes, projection: projection, id: "hinterland-\(map.linkType.name)-\(map.year)",
                                          title: "\(map.linkType == .branch ? "Headquarters-branch" : "Investment") network, \(map.year)")
            let centres = map.flows.centres.filter { $0.isCentre && !$0.hinterland.isEmpty }.sorted { ($0.hinterland.count, $1.node) > ($1.hinterland.count, $0.node) }
            let described = centres.prefix(8).map { "\(nodes.byCode[$0.node]?.nameCN ?? String($0.node)) \($0.hinterland.count)" }.joined(separator: ", ")
            body += "<figcaption>\(map.linkType == .branch ? "Headquarters-branch" : "Investment") network, \(map.year): \(map.flows.flows.count) units with a tie, \(centres.count) centres with a hinterland"
                + (described.isEmpty ? "." : " (units dominated: \(e(described))).")
            body += "</figcaption></figure>\n"
        }
        body += "</section>\n"
        return """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/>
        <title>IIN \(e(scope.folderName)) report</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC",sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.4;padding:0 12px}
        h2{border-bottom:1px solid #ccc;padding-bottom:0.2em;margin-top:2em}
        table{border-collapse:collapse;margin:0.6em 0;font-size:0.85em;max-width:100%} td,th{border:1px solid #ddd;padding:2px 6px;text-align:right;overflow-wrap:anywhere}
        th{background:#f2f2f2;font-weight:600} td.t,th.t{text-align:left}
        figure{margin:1em 0;max-width:100%} figcaption{font-size:0.85em;color:#444;margin-top:2px} .note{color:#555;font-size:0.9em}
        svg.chart{border:1px solid #eee;background:#fff;max-width:100%;height:auto}
        </style></head><body>
        \(body)</body></html>

        """
    }

    /// A table, numbers right-aligned and text left.
    static func table(_ table: ReleaseTable) -> String {
        let kinds = table.kinds
        var out = "<table><tr>" + table.header.map { "<th>\(e($0))</th>" }.joined() + "</tr>\n"
        for row in table.rows {
            out += "<tr>" + row.enumerated().map { column, cell in
                kinds.indices.contains(column) && kinds[column] == .text && Int(cell) == nil ? "<td class=\"t\">\(e(cell))</td>" : "<td>\(e(cell))</td>"
            }.joined() + "</tr>\n"
        }
        return out + "</table>\n"
    }

    /// Where the scope's maps put a point: the nodes and their cities'
    /// outlines fitted to the page (equirectangular, shrunk by the cosine
    /// of the middle latitude). One for every map of the page.
    struct Projection {
        static let width = 760.0, height = 600.0, margin = 24.0, top = 34.0
        let west: Double, north: Double, shrink: Double, scale: Double

        init?(nodes: ScopedRelease.Nodes, outlines: Outlines) {
            var points = nodes.list.filter { !$0.longitude.isNaN }.map { ($0.longitude, $0.latitude) }
            for code in Set(nodes.cityCodes.values) {
                for polygon in outlines.cities[code] ?? [] { for point in polygon.first ?? [] { points.append((point.longitude, point.latitude)) } }
            }
            guard let west = points.map(\.0).min(), let east = points.map(\.0).max(), let south = points.map(\.1).min(),
                  let north = points.map(\.1).max() else { return nil }
            self.west = west
            self.north = north
            shrink = cos((north + south) / 2 * .pi / 180)
            scale = min((Self.width - 2 * Self.margin) / max((east - west) * shrink, 1e-6), (Self.height - Self.top - Self.margin) / max(north - south, 1e-6))
        }

        func x(_ longitude: Double) -> Double { Self.margin + (longitude - west) * shrink * scale }
        func y(_ latitude: Double) -> Double { Self.top + (north - latitude) * scale }

        func path(_ polygons: [OutlineFile.Polygon]) -> String {
            polygons.map { polygon in
                polygon.map { ring in "M" + ring.map { "\(f(x($0.longitude))),\(f(y($0.latitude)))" }.joined(separator: "L") + "Z" }.joined()
            }.joined()
        }
    }

    static let baseID = "scope-base"

    /// The outlines every map of the page shares, defined once and drawn
    /// by reference: the cities, and at county level each unit.
    static func baseLayer(nodes: ScopedRelease.Nodes, outlines: Outlines, projection: Projection) -> String {
        let byCounty = nodes.scope.resolution == .county
        var group = "<g id=\"\(baseID)\">"
        for code in Set(nodes.cityCodes.values).sorted() {
            group += "<path d=\"\(projection.path(outlines.cities[code] ?? []))\" fill=\"#f7f7f2\" stroke=\"#999\" stroke-width=\"\(byCounty ? "1.1" : "0.6")\"/>"
        }
        if byCounty {
            for node in nodes.list {
                if let polygons = nodes.outlines[node.code] { group += "<path d=\"\(projection.path(polygons))\" fill=\"none\" stroke=\"#ccc\" stroke-width=\"0.4\"/>" }
            }
        }
        return "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>" + group + "</g></defs></svg>"
    }

    /// The dominant flows of one slice over the base layer.
    static func map(_ flows: DominantFlows, nodes: ScopedRelease.Nodes, projection: Projection, id: String, title: String) -> String {
        let (width, height) = (Projection.width, Projection.height)
        let placedNodes = nodes.list.filter { !$0.longitude.isNaN }
        var svg = "<svg class=\"chart\" data-chart=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        svg += "<title>\(e(title))</title><text x=\"\(f(width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">\(e(title))</text>"
        svg += "<use href=\"#\(baseID)\"/>"
        let heaviest = max(1, flows.flows.map(\.weight).max() ?? 1)
        for flow in flows.flows where flow.partnerLarger {
            guard let from = nodes.byCode[flow.node], let to = nodes.byCode[flow.partner], !from.longitude.isNaN, !to.longitude.isNaN else { continue }
            let stroke = 0.6 + 3 * Double(flow.weight) / Double(heaviest)
            svg += "<line x1=\"\(f(projection.x(from.longitude)))\" y1=\"\(f(projection.y(from.latitude)))\" x2=\"\(f(projection.x(to.longitude)))\" y2=\"\(f(projection.y(to.latitude)))\" stroke=\"#4a6fa5\" stroke-opacity=\"0.7\" stroke-width=\"\(f(stroke))\"/>"
        }
        let centres = Dictionary(uniqueKeysWithValues: flows.centres.filter(\.isCentre).map { ($0.node, $0.hinterland.count) })
        for node in placedNodes {
            let px = f(projection.x(node.longitude)), py = f(projection.y(node.latitude))
            if let dominated = centres[node.code], dominated > 0 {
                let radius = 3 + 2.5 * Double(dominated).squareRoot()
                svg += "<circle cx=\"\(px)\" cy=\"\(py)\" r=\"\(f(radius))\" fill=\"#c0392b\" fill-opacity=\"0.75\" stroke=\"#fff\"><title>\(e(node.nameCN)): centre of \(dominated)</title></circle>"
                svg += "<text x=\"\(px)\" y=\"\(f(projection.y(node.latitude) - radius - 2))\" text-anchor=\"middle\" font-size=\"11\">\(e(node.nameCN)) \(dominated)</text>"
            } else {
                svg += "<circle cx=\"\(px)\" cy=\"\(py)\" r=\"2\" fill=\"#777\"><title>\(e(node.nameCN))</title></circle>"
            }
        }
        let unplaced = nodes.list.count - placedNodes.count
        svg += "<text x=\"\(f(Projection.margin))\" y=\"\(f(height - 10))\" font-size=\"11\">line: strongest tie to a larger unit (width by weight); red circle: centre, area by units dominated"
            + (unplaced > 0 ? "; \(unplaced) units without a point not drawn" : "") + "</text>"
        return svg + "</svg>"
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func e(_ text: String) -> String { SVGChart.escape(text) }
}
