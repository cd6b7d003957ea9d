import Foundation

/// The validation report for people: one self-contained HTML page (inline
/// style, inline SVG, no script, nothing fetched) rendered from the
/// report's JSON and nothing else. Every section is a `section` element
/// with an id and every chart an `svg` with a `data-chart` name, so tests
/// and reviewers' tools can find them.
public enum ValidationPage {
    /// Section ids in page order, with their headings.
    public static let sections: [(id: String, heading: String)] = [
        ("summary", "Summary and thresholds"),
        ("invariants", "1. Invariants"),
        ("accounting", "2. Record accounting and geocoding audit"),
        ("table1", "Table 1: descriptive statistics"),
        ("consistency-sample", "3. Consistency sample"),
        ("mobility", "4. Population mobility"),
        ("gravity", "5. Economic gravity model"),
        ("distance-decay", "6. Distance decay"),
        ("top20", "7. Top 20 cities and other studies"),
        ("map", "Map: cities by node degree and the strongest links"),
        ("communities", "8. Communities (Leiden)"),
        ("backbone", "8. Backbone: maximum spanning tree"),
        ("localisation", "8. Localisation: intracity against outward"),
        ("headquarters-branch", "8. Headquarters-branch network"),
    ]

    public static func html(from report: JSONValue) -> String {
        let sectionsJSON = report["sections"] ?? .object([:])
        var body = ""
        for (id, heading) in sections {
            body += "<section id=\"\(id)\"><h2>\(e(heading))</h2>\n" + render(id, sectionsJSON, report) + "\n</section>\n"
        }
        let valid = report["valid"]?.boolValue ?? false
        return """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/>
        <title>IIN validation report</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC",sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.4}
        h1{margin-bottom:0.2em} h2{border-bottom:1px solid #ccc;padding-bottom:0.2em;margin-top:2em}
        table{border-collapse:collapse;margin:0.6em 0;font-size:0.9em} td,th{border:1px solid #ddd;padding:2px 8px;text-align:right} th{background:#f2f2f2}
        td.t,th.t{text-align:left} .pass{color:#18794e;font-weight:600} .fail{color:#c0392b;font-weight:600} .skip{color:#8a6d00;font-weight:600}
        .charts{display:flex;flex-wrap:wrap;gap:12px} svg.chart{border:1px solid #eee;background:#fff} .note{color:#555;font-size:0.9em}
        </style></head><body>
        <h1>IIN validation report</h1>
        <p>Overall: <span class="\(valid ? "pass" : "fail")">\(valid ? "valid" : "NOT valid")</span>. Every number on this page is read from validation.json beside it (seed \(e(text(report["seed"])))).</p>
        \(body)</body></html>

        """
    }

    private static func render(_ id: String, _ s: JSONValue, _ report: JSONValue) -> String {
        switch id {
        case "summary": return summary(report)
        case "invariants": return invariants(s["invariants"])
        case "accounting": return accounting(s["accounting"])
        case "table1": return table1(s["table1"])
        case "consistency-sample": return consistency(s["consistency_sample"])
        case "mobility": return mobility(s["mobility"])
        case "gravity": return gravity(s["gravity"])
        case "distance-decay": return decay(s["distance_decay"])
        case "top20": return top20(s["top20"], cities: s["cities"])
        case "map": return map(s["cities"], byCommunity: false)
        case "communities": return communities(s["communities"]) + map(s["cities"], byCommunity: true)
        case "backbone": return backbone(s["backbone"], gravity: s["gravity"]?["backbone"], names: names(s["cities"]))
        case "localisation": return localisation(s["localisation"], names: names(s["cities"]))
        case "headquarters-branch": return headquartersBranch(s["headquarters_branch"], names: names(s["cities"]))
        default: return ""
        }
    }

    // MARK: Sections

    private static func summary(_ report: JSONValue) -> String {
        var out = ""
        let thresholds = report["thresholds"]?.arrayValue ?? []
        if thresholds.isEmpty {
            out += "<p class=\"note\">pipeline.json sets no floors.</p>"
        } else {
            out += table(["Figure", "Value", "Floor", "Result"], thresholds.map { row in
                [text(row["figure"]), number(row["value"]), number(row["floor"]), verdict(row["passed"]?.boolValue ?? false)]
            }, textColumns: [0, 3])
        }
        let figures = report["figures"]?.objectValue ?? [:]
        out += "<h3>Headline figures</h3>" + table(["Figure", "Value"], figures.keys.sorted().map { [e($0), number(figures[$0])] }, textColumns: [0])
        return out
    }

    private static func invariants(_ json: JSONValue?) -> String {
        table(["Check", "Result", "Details"], (json?.arrayValue ?? []).map { check in
            let passed = check["passed"]?.boolValue ?? false
            let details = (check["details"]?.arrayValue ?? []) + (check["failures"]?.arrayValue ?? [])
            return [text(check["title"]), verdict(passed), details.map { e($0.stringValue ?? "") }.joined(separator: "<br/>")]
        }, textColumns: [0, 1, 2])
    }

    private static func accounting(_ json: JSONValue?) -> String {
        guard let json else { return skipped(nil) }
        let files = (json["files"]?.arrayValue ?? []) + [json["total"] ?? .null]
        let reasons = Set(files.flatMap { $0["rejected"]?.objectValue?.keys.map { $0 } ?? [] }).sorted()
        var out = table(["File", "Rows read", "Kept", "Duplicates"] + reasons + ["In a slice", "Outside every slice"], files.map { file in
            [text(file["file"]), number(file["rows_read"]), number(file["kept"]), number(file["duplicates"])] + reasons.map { number(file["rejected"]?[$0] ?? .integer(0)) }
                + [number(file["in_slice"]), number(file["out_of_slice"])]
        }, textColumns: [0])
        let perSlice = json["kept_per_slice"]?.objectValue ?? [:]
        out += "<p>Kept records per slice: " + perSlice.keys.sorted().map { "\(e($0)): \(number(perSlice[$0]))" }.joined(separator: "; ") + ".</p>"
        guard let geocoding = json["geocoding"] else { return out }
        let resolved = geocoding["resolvedBy"]?.objectValue ?? [:]
        let answered = geocoding["answeredBy"]?.objectValue ?? [:]
        out += "<h3>Geocoding</h3><p>Sides: \(number(geocoding["sides"])); unresolved: \(number(geocoding["unresolvedSides"])); outside the mainland: \(number(geocoding["outsideMainlandSides"])); wrong credit-code check characters: \(number(geocoding["wrongCheckCharacters"])). On a sample of \(number(geocoding["comparedSides"])) sides every method was asked.</p>"
        let methods = (geocoding["methods"]?.arrayValue ?? []).compactMap(\.stringValue)
        out += table(["Method", "Sides resolved (first to answer)", "Sides answered on the sample"], methods.map { [e($0), number(resolved[$0]), number(answered[$0])] }, textColumns: [0])
        let pairs = geocoding["pairs"]?.arrayValue ?? []
        out += pairs.isEmpty ? "<p>No two methods disagreed on the sample.</p>" : table(["Methods", "Both answered", "Disagreed"], pairs.map { pair in
            [e((pair["methods"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " vs ")), number(pair["bothAnswered"]), number(pair["disagreed"])]
        }, textColumns: [0])
        let samples = geocoding["samples"]?.arrayValue ?? []
        if !samples.isEmpty {
            out += "<h3>Disagreements (sample)</h3>" + table(["File", "Line", "Side", "Name", "Answers"], samples.map { sample in
                let answers = sample["answers"]?.objectValue ?? [:]
                return [text(sample["file"]), number(sample["line"]), text(sample["side"]), text(sample["name"]),
                        e(answers.keys.sorted().map { "\($0): \(answers[$0]?.stringValue ?? "")" }.joined(separator: ", "))]
            }, textColumns: [0, 2, 3, 4])
        }
        return out
    }

    private static func table1(_ json: JSONValue?) -> String {
        let columns = (json?["columns"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
        return table(columns, (json?["rows"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).map { e($0.stringValue ?? "") } }, textColumns: [0])
    }

    private static func consistency(_ json: JSONValue?) -> String {
        guard let json else { return skipped(nil) }
        let drawn = json["drawn"]?.objectValue ?? [:]
        return "<p>\(text(json["file"])): up to \(number(json["per_slice"])) kept records per slice, seed \(number(json["seed"])), with an empty <code>verified</code> column (yes, no, not_found); <code>iin sample import</code> reads a filled-in copy back to a match rate.</p>"
            + table(["Slice", "Records drawn"], drawn.keys.sorted().map { [e($0), number(drawn[$0])] }, textColumns: [0])
    }

    private static func mobility(_ json: JSONValue?) -> String {
        guard let json, json["skipped"] == nil else { return skipped(json) }
        var out = "<p>Input \(text(json["input"])) (\(number(json["rows"])) rows) against the \(number(json["year"])) slice.</p>"
        var rows: [[String]] = []
        var charts = ""
        for network in ["directed", "undirected"] {
            let part = json[network]
            rows.append([e(network), number(part?["investment_pairs"]), number(part?["mobility_pairs"]), number(part?["matched_pairs"]),
                         number(part?["loglog"]?["slope"]), number(part?["loglog"]?["r_squared"]), number(part?["qq"]?["line"]?["r_squared"])]
                        + (part?["bands"]?.arrayValue ?? []).map { "\(number($0["r_squared"])) (n=\(number($0["pairs"])))" })
            charts += scatter(id: "mobility-\(network)-scatter", title: "\(network.capitalized): ln investment vs ln mobility", x: "ln mobility", y: "ln investment", part?["scatter"], fit: part?["loglog"])
            charts += qq(id: "mobility-\(network)-qq", title: "\(network.capitalized): Q-Q of z-scores", part?["qq"], x: "mobility z-score quantile", y: "investment z-score quantile")
        }
        let bandNames = (json["directed"]?["bands"]?.arrayValue ?? []).map { "R² " + ($0["band"]?.stringValue ?? "") }
        out += table(["Network", "Investment pairs", "Mobility pairs", "Both positive", "Log-log slope", "Log-log R²", "Q-Q R²"] + bandNames, rows, textColumns: [0])
        return out + "<div class=\"charts\">\(charts)</div>"
    }

    private static func gravity(_ json: JSONValue?) -> String {
        guard let json, json["skipped"] == nil else { return skipped(json) }
        var out = "<p>E(i,j) = k GDP<sub>i</sub> GDP<sub>j</sub> / D<sup>β</sup> over the undirected intercity pairs; GDP from \(text(json["input"])); distance \(text(json["distance"])). Fitted by particle swarm (seed \(number(json["seed"]))) and by the exact profile method.</p>"
        let slices = json["slices"]?.arrayValue ?? []
        let bandNames = (slices.first { $0["bands"] != nil }?["bands"]?.arrayValue ?? []).map { "r " + ($0["band"]?.stringValue ?? "") }
        out += table(["Slice", "Pairs", "Swarm k", "Swarm β", "Swarm RMSE", "Profile k", "Profile β", "Profile RMSE", "Gap %", "Pearson r"] + bandNames + ["Log-log R²", "Q-Q R²"],
                     slices.map { slice in
                         if let reason = slice["skipped"] { return [number(slice["year"]), e(reason.stringValue ?? "")] }
                         return [number(slice["year"]), number(slice["pairs"]), sci(slice["swarm"]?["k"]), number(slice["swarm"]?["beta"]), number(slice["swarm"]?["rmse"]),
                                 sci(slice["profile"]?["k"]), number(slice["profile"]?["beta"]), number(slice["profile"]?["rmse"]), number(slice["rmse_gap_percent"]),
                                 number(slice["pearson_r"])] + (slice["bands"]?.arrayValue ?? []).map { number($0["pearson_r"]) }
                             + [number(slice["loglog"]?["r_squared"]), number(slice["qq"]?["line"]?["r_squared"])]
                     }, textColumns: [])
        // How well beta is pinned down, in words: a fit at the edge of a
        // flat ridge looks as precise in the table as a sharp one.
        let fitted = slices.filter { $0["beta_identification"] != nil }
        if !fitted.isEmpty {
            let percent = text(fitted[0]["beta_identification"]?["tolerance_percent"])
            out += "<h3>Is beta identified?</h3><p>The range of beta whose profile RMSE lies within \(percent) % of the best, each beta at its best k: "
                + "how flat the fit is along beta, not a confidence interval.</p><ul>"
                + fitted.map { "<li>\(text($0["year"])) (\(text($0["pairs"])) pairs): \(text($0["beta_identification"]?["sentence"]))</li>" }.joined() + "</ul>"
        }
        var charts = ""
        for slice in slices where slice["skipped"] == nil {
            let year = text(slice["year"])
            charts += scatter(id: "gravity-\(year)-scatter", title: "\(year): ln frequency vs ln E", x: "ln E (profile fit)", y: "ln frequency", slice["scatter"], fit: slice["loglog"])
            charts += qq(id: "gravity-\(year)-qq", title: "\(year): Q-Q of z-scores", slice["qq"], x: "E z-score quantile", y: "frequency z-score quantile")
        }
        return out + "<div class=\"charts\">\(charts)</div>"
    }

    private static func decay(_ json: JSONValue?) -> String {
        guard let json else { return skipped(nil) }
        let slices = json["slices"]?.arrayValue ?? []
        var out = table(["Slice", "Non-empty bins", "Slope", "Intercept", "R²"], slices.map { slice in
            [number(slice["year"]), number(.integer(slice["bins"]?.arrayValue?.count ?? 0)), number(slice["slope"]), number(slice["intercept"]), number(slice["r_squared"])]
        }, textColumns: [])
        let shrinks = json["magnitude_shrinks"]?.boolValue
        out += "<p>Share of intercity frequency per \(number(json["bin_km"])) km bin; OLS of ln share on ln bin midpoint. Trend of |slope| per year: \(number(json["magnitude_trend_per_year"])); the magnitude \(shrinks == nil ? "cannot be compared" : shrinks! ? "shrinks" : "does not shrink") from the first slice to the last.</p>"
        let series = slices.enumerated().map { index, slice in
            SVGChart.Series(label: text(slice["year"]), points: (slice["bins"]?.arrayValue ?? []).compactMap { bin in
                guard let from = bin["from_km"]?.doubleValue, let to = bin["to_km"]?.doubleValue, let share = bin["share"]?.doubleValue else { return nil }
                return (log((from + to) / 2), log(share))
            }, colour: SVGChart.palette[index % SVGChart.palette.count])
        }
        return out + "<div class=\"charts\">" + SVGChart.plot(id: "distance-decay", title: "Distance decay per slice", xLabel: "ln distance (bin midpoint, km)", yLabel: "ln share of frequency", series: series, joined: true) + "</div>"
    }

    private static func top20(_ json: JSONValue?, cities: JSONValue?) -> String {
        guard let json else { return skipped(nil) }
        let name = names(cities)
        let slices = json["slices"]?.arrayValue ?? []
        var out = ""
        let ranks = (0..<20).map { rank in
            ["\(rank + 1)"] + slices.map { slice -> String in
                guard let entry = slice["top"]?.arrayValue?.dropFirst(rank).first else { return "" }
                let code = entry["city"]?.stringValue ?? ""
                return "\(e(name[code] ?? code)) (\(number(entry["node_degree"])))"
            }
        }
        out += table(["Rank"] + slices.map { text($0["year"]) }, ranks, textColumns: Array(1...max(1, slices.count)))
        if let reason = json["skipped"] { return out + skipped(.object(["skipped": reason])) }
        let comparisons = json["comparisons"]?.arrayValue ?? []
        out += "<h3>Overlap with other studies' lists</h3>" + table(["Source", "Year", "Overlap", "%", "Shared cities"], comparisons.map { item in
            if let reason = item["skipped"] { return [text(item["source"]), number(item["year"]), e(reason.stringValue ?? "")] }
            return [text(item["source"]), number(item["year"]), number(item["overlap"]), number(item["overlap_percent"]),
                    e((item["shared"]?.arrayValue ?? []).compactMap(\.stringValue).map { name[$0] ?? $0 }.joined(separator: ", "))]
        }, textColumns: [0, 4])
        return out
    }

    private static func map(_ json: JSONValue?, byCommunity: Bool) -> String {
        guard let json, json["skipped"] == nil else { return skipped(json) }
        let cities = json["cities"]?.arrayValue ?? []
        var position: [String: (Double, Double)] = [:]
        let largest = Double(cities.compactMap { $0["node_degree"]?.intValue }.max() ?? 1)
        let places: [SVGChart.Place] = cities.compactMap { city in
            guard let code = city["code"]?.stringValue, let lng = city["lng"]?.doubleValue, let lat = city["lat"]?.doubleValue,
                  city["node_degree"]?.intValue != nil else { return nil }
            position[code] = (lng, lat)
            let degree = Double(city["node_degree"]?.intValue ?? 0)
            let community = city["community"]?.intValue
            let colour = byCommunity ? (community.map { $0 < SVGChart.palette.count ? SVGChart.palette[$0] : "#bbbbbb" } ?? "#bbbbbb") : "#1f77b4"
            return SVGChart.Place(lng: lng, lat: lat, radius: 1.5 + 10 * (degree / largest).squareRoot(), colour: colour,
                                  title: "\(text(city["name"])) \(text(city["name_en"])): node degree \(number(city["node_degree"]))" + (community.map { ", community \($0)" } ?? ""))
        }
        let edgeRows = json["edges"]?.arrayValue ?? []
        let heaviest = Double(edgeRows.compactMap { $0.arrayValue?.last?.intValue }.max() ?? 1)
        let edges: [(from: (Double, Double), to: (Double, Double), width: Double)] = byCommunity ? [] : edgeRows.compactMap { edge in
            guard let parts = edge.arrayValue, parts.count == 3, let a = position[parts[0].stringValue ?? ""], let b = position[parts[1].stringValue ?? ""] else { return nil }
            return (a, b, 0.5 + 3.5 * Double(parts[2].intValue ?? 0) / heaviest)
        }
        let year = text(json["year"])
        let title = byCommunity ? "\(year): Leiden communities (colour), sized by node degree" : "\(year): cities sized by node degree, the \(edges.count) strongest links"
        return "<div class=\"charts\">" + SVGChart.map(id: byCommunity ? "map-communities" : "map-degree", title: title, places: places, edges: edges) + "</div>"
    }

    private static func communities(_ json: JSONValue?) -> String {
        guard let json else { return skipped(nil) }
        let slices = json["slices"]?.arrayValue ?? []
        let unconverged = slices.filter { $0["converged"] == .bool(false) }.map { text($0["year"]) }
        let warning = unconverged.isEmpty ? ""
            : "<p>Not a fixed point in \(unconverged.joined(separator: ", ")): Leiden stopped at its pass limit while a pass still changed the partition.</p>"
        return "<p>Leiden, modularity with resolution \(number(json["resolution"])), seed \(number(json["seed"])), on each slice's undirected intercity network, "
            + "repeated until a pass changes nothing.</p>" + warning
            + table(["Slice", "Cities", "Communities", "Modularity", "Passes", "Sizes (first 8, strongest community first)"], slices.map { slice in
                [number(slice["year"]), number(slice["cities"]), number(slice["communities"]), number(slice["modularity"]), number(slice["passes"]),
                 (slice["sizes"]?.arrayValue ?? []).prefix(8).map { number($0) }.joined(separator: ", ")]
            }, textColumns: [5])
    }

    private static func backbone(_ json: JSONValue?, gravity: JSONValue?, names: [String: String]) -> String {
        guard let json else { return skipped(nil) }
        var out = table(["Slice", "Cities", "Tree edges", "Parts", "Total weight", "Hubs (tree degree)"], (json["slices"]?.arrayValue ?? []).map { slice in
            [number(slice["year"]), number(slice["cities"]), number(slice["edges"]), number(slice["parts"]), number(slice["total_weight"]), hubs(slice["hubs"], names)]
        }, textColumns: [5])
        if let gravity {
            out += "<h3>Gravity network backbone</h3><p>The maximum spanning tree of the fitted gravity network E(i,j) over all \(number(gravity["cities"])) cities with GDP in \(number(gravity["year"])): \(number(gravity["edges"])) edges; hubs: \(hubs(gravity["hubs"], names)).</p>"
        }
        return out
    }

    private static func localisation(_ json: JSONValue?, names: [String: String]) -> String {
        guard let json else { return skipped(nil) }
        return table(["Slice", "Intracity share of all investment", "Cities", "Most localised (share, with 20+ records)"], (json["slices"]?.arrayValue ?? []).map { slice in
            let cities = slice["cities"]?.arrayValue ?? []
            let busy = cities.filter { ($0["intracity"]?.intValue ?? 0) + ($0["outward"]?.intValue ?? 0) >= 20 }
            let top = busy.sorted { ($0["intracity_share"]?.doubleValue ?? 0) > ($1["intracity_share"]?.doubleValue ?? 0) }.prefix(5)
            return [number(slice["year"]), number(slice["intracity_share"]), "\(cities.count)", top.map { "\(e(names[$0["city"]?.stringValue ?? ""] ?? text($0["city"]))) (\(number($0["intracity_share"])))" }.joined(separator: ", ")]
        }, textColumns: [3])
    }

    private static func headquartersBranch(_ json: JSONValue?, names: [String: String]) -> String {
        guard let json, json["skipped"] == nil else { return skipped(json) }
        var out = ""
        for slice in json["slices"]?.arrayValue ?? [] {
            out += "<h3>\(text(slice["year"])) (\(number(slice["cities"])) cities)</h3>" + table(["City", "Outbound", "Inbound", "Node degree", "Degree centrality"], (slice["top"]?.arrayValue ?? []).map { row in
                let code = row["city"]?.stringValue ?? ""
                return [e(names[code] ?? code), number(row["outbound"]), number(row["inbound"]), number(row["node_degree"]), number(row["degree_centrality"])]
            }, textColumns: [0])
        }
        return out
    }

    // MARK: Pieces

    private static func scatter(id: String, title: String, x: String, y: String, _ points: JSONValue?, fit: JSONValue?) -> String {
        SVGChart.plot(id: id, title: title + rSquaredNote(fit), xLabel: x, yLabel: y,
                      series: [SVGChart.Series(label: "", points: pairs(points), colour: SVGChart.palette[0])], fit: line(fit))
    }

    /// The Q-Q points with their OLS line and, dashed, y = x.
    private static func qq(id: String, title: String, _ json: JSONValue?, x: String, y: String) -> String {
        SVGChart.plot(id: id, title: title + rSquaredNote(json?["line"]), xLabel: x, yLabel: y,
                      series: [SVGChart.Series(label: "", points: pairs(json?["points"]), colour: SVGChart.palette[1])], fit: line(json?["line"]), diagonal: true)
    }

    private static func line(_ fit: JSONValue?) -> (slope: Double, intercept: Double)? {
        guard let slope = fit?["slope"]?.doubleValue, let intercept = fit?["intercept"]?.doubleValue else { return nil }
        return (slope, intercept)
    }

    private static func rSquaredNote(_ fit: JSONValue?) -> String {
        fit?["r_squared"]?.doubleValue.map { " (R² \(String(format: "%.3f", $0)))" } ?? ""
    }

    private static func pairs(_ json: JSONValue?) -> [(Double, Double)] {
        (json?.arrayValue ?? []).compactMap { point in
            guard let values = point.arrayValue, values.count == 2, let x = values[0].doubleValue, let y = values[1].doubleValue else { return nil }
            return (x, y)
        }
    }

    private static func names(_ cities: JSONValue?) -> [String: String] {
        var result: [String: String] = [:]
        for city in cities?["cities"]?.arrayValue ?? [] {
            if let code = city["code"]?.stringValue, let name = city["name"]?.stringValue { result[code] = name }
        }
        return result
    }

    private static func hubs(_ json: JSONValue?, _ names: [String: String]) -> String {
        (json?.arrayValue ?? []).prefix(5).map { hub in
            let code = hub["city"]?.stringValue ?? ""
            return "\(e(names[code] ?? code)) (\(number(hub["tree_degree"])))"
        }.joined(separator: ", ")
    }

    private static func table(_ header: [String], _ rows: [[String]], textColumns: [Int]) -> String {
        func cell(_ tag: String, _ index: Int, _ content: String) -> String {
            "<\(tag)\(textColumns.contains(index) ? " class=\"t\"" : "")>\(content)</\(tag)>"
        }
        let head = "<tr>" + header.enumerated().map { cell("th", $0, e($1)) }.joined() + "</tr>"
        let body = rows.map { "<tr>" + $0.enumerated().map { cell("td", $0, $1) }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table>\(head)\n\(body)</table>"
    }

    private static func skipped(_ json: JSONValue?) -> String {
        "<p><span class=\"skip\">Skipped</span>: \(e(json?["skipped"]?.stringValue ?? "not in the report")).</p>"
    }

    private static func verdict(_ passed: Bool) -> String {
        passed ? "<span class=\"pass\">pass</span>" : "<span class=\"fail\">FAIL</span>"
    }

    /// A string value, escaped.
    private static func text(_ json: JSONValue?) -> String {
        guard let json else { return "" }
        switch json {
        case let .string(value): return e(value)
        case .null: return "–"
        default: return e(json.canonical)
        }
    }

    /// A number as people read it: whole numbers as they are, others to
    /// four significant digits.
    private static func number(_ json: JSONValue?) -> String {
        guard let json else { return "–" }
        switch json {
        case let .integer(value): return String(value)
        case let .number(value): return value == value.rounded() && abs(value) < 1e12 ? String(Int(value)) : String(format: "%.4g", value)
        case .null: return "–"
        default: return text(json)
        }
    }

    private static func sci(_ json: JSONValue?) -> String {
        guard let value = json?.doubleValue else { return "–" }
        return String(format: "%.4e", value)
    }

    private static func e(_ text: String) -> String { SVGChart.escape(text) }
}
