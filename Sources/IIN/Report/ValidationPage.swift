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

    public static func html(from report: ValidationReport) -> String {
        var body = ""
        for (id, heading) in sections {
            body += "<section id=\"\(id)\"><h2>\(e(heading))</h2>\n" + render(id, report.sections, report) + "\n</section>\n"
        }
        let valid = report.valid
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
        <p>Overall: <span class="\(valid ? "pass" : "fail")">\(valid ? "valid" : "NOT valid")</span>. Every number on this page is read from validation.json beside it (seed \(text(report.seed))).</p>
        \(body)</body></html>

        """
    }

    private static func render(_ id: String, _ s: ValidationReport.Sections, _ report: ValidationReport) -> String {
        switch id {
        case "summary": return summary(report)
        case "invariants": return invariants(s.invariants)
        case "accounting": return accounting(s.accounting)
        case "table1": return table1(s.table1)
        case "consistency-sample": return consistency(s.consistencySample)
        case "mobility": return mobility(s.mobility)
        case "gravity": return gravity(s.gravity)
        case "distance-decay": return decay(s.distanceDecay)
        case "top20": return top20(s.top20, cities: s.cities)
        case "map": return map(s.cities, byCommunity: false)
        case "communities": return communities(s.communities) + map(s.cities, byCommunity: true)
        case "backbone": return backbone(s.backbone, gravity: s.gravity?.backbone, names: names(s.cities))
        case "localisation": return localisation(s.localisation, names: names(s.cities))
        case "headquarters-branch": return headquartersBranch(s.headquartersBranch, names: names(s.cities))
        default: return ""
        }
    }

    // MARK: Sections

    private static func summary(_ report: ValidationReport) -> String {
        var out = ""
        if report.thresholds.isEmpty {
            out += "<p class=\"note\">pipeline.json sets no floors.</p>"
        } else {
            out += table(["Figure", "Value", "Floor", "Result"], report.thresholds.map { row in
                [text(row.figure), number(row.value), number(row.floor), verdict(row.passed)]
            }, textColumns: [0, 3])
        }
        let figures = report.figures
        out += "<h3>Headline figures</h3>" + table(["Figure", "Value"], figures.keys.sorted().map { [e($0), number(figures[$0] ?? nil)] }, textColumns: [0])
        return out
    }

    private static func invariants(_ checks: [ValidationReport.Invariant]?) -> String {
        table(["Check", "Result", "Details"], (checks ?? []).map { check in
            [text(check.title), verdict(check.passed), (check.details + check.failures).map(e).joined(separator: "<br/>")]
        }, textColumns: [0, 1, 2])
    }

    private static func accounting(_ section: ValidationReport.Accounting?) -> String {
        guard let section else { return skipped(nil) }
        let files = (section.files ?? []) + [section.total ?? ValidationReport.Accounting.File()]
        let reasons = Set(files.flatMap { $0.rejected?.keys.map { $0 } ?? [] }).sorted()
        var out = table(["File", "Rows read", "Kept", "Duplicates"] + reasons + ["In a slice", "Outside every slice"], files.map { file in
            [text(file.file), number(file.rowsRead), number(file.kept), number(file.duplicates)] + reasons.map { number(Double(file.rejected?[$0] ?? 0)) }
                + [number(file.inSlice), number(file.outOfSlice)]
        }, textColumns: [0])
        let perSlice = section.keptPerSlice ?? [:]
        out += "<p>Kept records per slice: " + perSlice.keys.sorted().map { "\(e($0)): \(number(perSlice[$0]))" }.joined(separator: "; ") + ".</p>"
        guard let geocoding = section.geocoding else { return out }
        let resolved = geocoding.resolvedBy ?? [:]
        let answered = geocoding.answeredBy ?? [:]
        out += "<h3>Geocoding</h3><p>Sides: \(number(geocoding.sides)); unresolved: \(number(geocoding.unresolvedSides)); outside the mainland: \(number(geocoding.outsideMainlandSides)); wrong credit-code check characters: \(number(geocoding.wrongCheckCharacters)). On a sample of \(number(geocoding.comparedSides)) sides every method was asked.</p>"
        out += table(["Method", "Sides resolved (first to answer)", "Sides answered on the sample"], (geocoding.methods ?? []).map { [e($0), number(resolved[$0]), number(answered[$0])] }, textColumns: [0])
        let pairs = geocoding.pairs ?? []
        out += pairs.isEmpty ? "<p>No two methods disagreed on the sample.</p>" : table(["Methods", "Both answered", "Disagreed"], pairs.map { pair in
            [e((pair.methods ?? []).joined(separator: " vs ")), number(pair.bothAnswered), number(pair.disagreed)]
        }, textColumns: [0])
        let samples = geocoding.samples ?? []
        if !samples.isEmpty {
            out += "<h3>Disagreements (sample)</h3>" + table(["File", "Line", "Side", "Name", "Answers"], samples.map { sample in
                let answers = sample.answers ?? [:]
                return [text(sample.file), number(sample.line), text(sample.side), text(sample.name),
                        e(answers.keys.sorted().map { "\($0): \(answers[$0] ?? "")" }.joined(separator: ", "))]
            }, textColumns: [0, 2, 3, 4])
        }
        return out
    }

    private static func table1(_ section: ValidationReport.Table1?) -> String {
        table(section?.columns ?? [], (section?.rows ?? []).map { $0.map(e) }, textColumns: [0])
    }

    private static func consistency(_ section: ValidationReport.ConsistencySampleSection?) -> String {
        guard let section else { return skipped(nil) }
        let drawn = section.drawn ?? [:]
        return "<p>\(text(section.file)): up to \(number(section.perSlice)) kept records per slice, seed \(number(section.seed)), with an empty <code>verified</code> column (yes, no, not_found); <code>iin sample import</code> reads a filled-in copy back to a match rate.</p>"
            + table(["Slice", "Records drawn"], drawn.keys.sorted().map { [e($0), number(drawn[$0])] }, textColumns: [0])
    }

    private static func mobility(_ section: ValidationReport.Mobility?) -> String {
        guard let section, section.skipped == nil else { return skipped(section == nil ? nil : section?.skipped) }
        var out = "<p>Input \(text(section.input)) (\(number(section.rows)) rows) against the \(number(section.year)) slice.</p>"
        var rows: [[String]] = []
        var charts = ""
        for (network, part) in [("directed", section.directed), ("undirected", section.undirected)] {
            rows.append([e(network), number(part?.investmentPairs), number(part?.mobilityPairs), number(part?.matchedPairs),
                         number(part?.loglog?.slope), number(part?.loglog?.rSquared), number(part?.qq?.line?.rSquared)]
                        + (part?.bands ?? []).map { "\(number($0.rSquared)) (n=\(number($0.pairs)))" })
            charts += scatter(id: "mobility-\(network)-scatter", title: "\(network.capitalized): ln investment vs ln mobility", x: "ln mobility", y: "ln investment", part?.scatter, fit: part?.loglog)
            charts += qq(id: "mobility-\(network)-qq", title: "\(network.capitalized): Q-Q of z-scores", part?.qq, x: "mobility z-score quantile", y: "investment z-score quantile")
        }
        let bandNames = (section.directed?.bands ?? []).map { "R² " + ($0.band ?? "") }
        out += table(["Network", "Investment pairs", "Mobility pairs", "Both positive", "Log-log slope", "Log-log R²", "Q-Q R²"] + bandNames, rows, textColumns: [0])
        return out + "<div class=\"charts\">\(charts)</div>"
    }

    private static func gravity(_ section: ValidationReport.Gravity?) -> String {
        guard let section, section.skipped == nil else { return skipped(section == nil ? nil : section?.skipped) }
        var out = "<p>E(i,j) = k GDP<sub>i</sub> GDP<sub>j</sub> / D<sup>β</sup> over the undirected intercity pairs; GDP from \(text(section.input)); distance \(text(section.distance)). Fitted by particle swarm (seed \(number(section.seed))) and by the exact profile method.</p>"
        let slices = section.slices ?? []
        let bandNames = (slices.first { $0.bands != nil }?.bands ?? []).map { "r " + ($0.band ?? "") }
        out += table(["Slice", "Pairs", "Swarm k", "Swarm β", "Swarm RMSE", "Profile k", "Profile β", "Profile RMSE", "Gap %", "Pearson r"] + bandNames + ["Log-log R²", "Q-Q R²"],
                     slices.map { slice in
                         if let reason = slice.skipped { return [number(slice.year), e(reason)] }
                         return [number(slice.year), number(slice.pairs), sci(slice.swarm?.k), number(slice.swarm?.beta), number(slice.swarm?.rmse),
                                 sci(slice.profile?.k), number(slice.profile?.beta), number(slice.profile?.rmse), number(slice.rmseGapPercent),
                                 number(slice.pearsonR)] + (slice.bands ?? []).map { number($0.pearsonR) }
                             + [number(slice.loglog?.rSquared), number(slice.qq?.line?.rSquared)]
                     }, textColumns: [])
        // How well beta is pinned down, in words: a fit at the edge of a
        // flat ridge looks as precise in the table as a sharp one.
        let fitted = slices.filter { $0.betaIdentification != nil }
        if !fitted.isEmpty {
            let percent = text(fitted[0].betaIdentification?.tolerancePercent)
            out += "<h3>Is beta identified?</h3><p>The range of beta whose profile RMSE lies within \(percent) % of the best, each beta at its best k: "
                + "how flat the fit is along beta, not a confidence interval.</p><ul>"
                + fitted.map { "<li>\(text($0.year)) (\(text($0.pairs)) pairs): \(text($0.betaIdentification?.sentence))</li>" }.joined() + "</ul>"
        }
        var charts = ""
        for slice in slices where slice.skipped == nil {
            let year = text(slice.year)
            charts += scatter(id: "gravity-\(year)-scatter", title: "\(year): ln frequency vs ln E", x: "ln E (profile fit)", y: "ln frequency", slice.scatter, fit: slice.loglog)
            charts += qq(id: "gravity-\(year)-qq", title: "\(year): Q-Q of z-scores", slice.qq, x: "E z-score quantile", y: "frequency z-score quantile")
        }
        return out + "<div class=\"charts\">\(charts)</div>"
    }

    private static func decay(_ section: ValidationReport.DistanceDecay?) -> String {
        guard let section else { return skipped(nil) }
        let slices = section.slices ?? []
        var out = table(["Slice", "Non-empty bins", "Slope", "Intercept", "R²"], slices.map { slice in
            [number(slice.year), number(slice.bins?.count ?? 0), number(slice.slope), number(slice.intercept), number(slice.rSquared)]
        }, textColumns: [])
        let shrinks = section.magnitudeShrinks
        out += "<p>Share of intercity frequency per \(number(section.binKm)) km bin; OLS of ln share on ln bin midpoint. Trend of |slope| per year: \(number(section.magnitudeTrendPerYear)); the magnitude \(shrinks == nil ? "cannot be compared" : shrinks! ? "shrinks" : "does not shrink") from the first slice to the last.</p>"
        let series = slices.enumerated().map { index, slice in
            SVGChart.Series(label: text(slice.year), points: (slice.bins ?? []).compactMap { bin in
                guard let from = bin.fromKm, let to = bin.toKm, let share = bin.share else { return nil }
                return (log((from + to) / 2), log(share))
            }, colour: SVGChart.palette[index % SVGChart.palette.count])
        }
        return out + "<div class=\"charts\">" + SVGChart.plot(id: "distance-decay", title: "Distance decay per slice", xLabel: "ln distance (bin midpoint, km)", yLabel: "ln share of frequency", series: series, joined: true) + "</div>"
    }

    private static func top20(_ section: ValidationReport.Top20?, cities: ValidationReport.Cities?) -> String {
        guard let section else { return skipped(nil) }
        let name = names(cities)
        let slices = section.slices ?? []
        var out = ""
        let ranks = (0..<20).map { rank in
            ["\(rank + 1)"] + slices.map { slice -> String in
                guard let entry = slice.top?.dropFirst(rank).first else { return "" }
                let code = entry.city ?? ""
                return "\(e(name[code] ?? code)) (\(number(entry.nodeDegree)))"
            }
        }
        out += table(["Rank"] + slices.map { text($0.year) }, ranks, textColumns: Array(1...max(1, slices.count)))
        if let reason = section.skipped { return out + skipped(reason) }
        let comparisons = section.comparisons ?? []
        out += "<h3>Overlap with other studies' lists</h3>" + table(["Source", "Year", "Overlap", "%", "Shared cities"], comparisons.map { item in
            if let reason = item.skipped { return [text(item.source), number(item.year), e(reason)] }
            return [text(item.source), number(item.year), number(item.overlap), number(item.overlapPercent),
                    e((item.shared ?? []).map { name[$0] ?? $0 }.joined(separator: ", "))]
        }, textColumns: [0, 4])
        return out
    }

    private static func map(_ section: ValidationReport.Cities?, byCommunity: Bool) -> String {
        guard let section, section.skipped == nil else { return skipped(section == nil ? nil : section?.skipped) }
        let cities = section.cities ?? []
        var position: [String: (Double, Double)] = [:]
        let largest = Double(cities.compactMap(\.nodeDegree).max() ?? 1)
        let places: [SVGChart.Place] = cities.compactMap { city in
            guard let lng = city.lng, let lat = city.lat, let nodeDegree = city.nodeDegree else { return nil }
            position[city.code] = (lng, lat)
            let degree = Double(nodeDegree)
            let community = city.community
            let colour = byCommunity ? (community.map { $0 < SVGChart.palette.count ? SVGChart.palette[$0] : "#bbbbbb" } ?? "#bbbbbb") : "#1f77b4"
            return SVGChart.Place(lng: lng, lat: lat, radius: 1.5 + 10 * (degree / largest).squareRoot(), colour: colour,
                                  title: "\(text(city.name)) \(text(city.nameEN)): node degree \(number(nodeDegree))" + (community.map { ", community \($0)" } ?? ""))
        }
        let edgeRows = section.edges ?? []
        let heaviest = Double(edgeRows.map(\.weight).max() ?? 1)
        let edges: [(from: (Double, Double), to: (Double, Double), width: Double)] = byCommunity ? [] : edgeRows.compactMap { edge in
            guard let a = position[edge.a], let b = position[edge.b] else { return nil }
            return (a, b, 0.5 + 3.5 * Double(edge.weight) / heaviest)
        }
        let year = text(section.year)
        let title = byCommunity ? "\(year): Leiden communities (colour), sized by node degree" : "\(year): cities sized by node degree, the \(edges.count) strongest links"
        return "<div class=\"charts\">" + SVGChart.map(id: byCommunity ? "map-communities" : "map-degree", title: title, places: places, edges: edges) + "</div>"
    }

    private static func communities(_ section: ValidationReport.Communities?) -> String {
        guard let section else { return skipped(nil) }
        let slices = section.slices ?? []
        let unconverged = slices.filter { $0.converged == false }.map { text($0.year) }
        let warning = unconverged.isEmpty ? ""
            : "<p>Not a fixed point in \(unconverged.joined(separator: ", ")): Leiden stopped at its pass limit while a pass still changed the partition.</p>"
        return "<p>Leiden, modularity with resolution \(number(section.resolution)), seed \(number(section.seed)), on each slice's undirected intercity network, "
            + "repeated until a pass changes nothing.</p>" + warning
            + table(["Slice", "Cities", "Communities", "Modularity", "Passes", "Sizes (first 8, strongest community first)"], slices.map { slice in
                [number(slice.year), number(slice.cities), number(slice.communities), number(slice.modularity), number(slice.passes),
                 (slice.sizes ?? []).prefix(8).map { number($0) }.joined(separator: ", ")]
            }, textColumns: [5])
    }

    private static func backbone(_ section: ValidationReport.Backbone?, gravity: ValidationReport.Gravity.Backbone?, names: [String: String]) -> String {
        guard let section else { return skipped(nil) }
        var out = table(["Slice", "Cities", "Tree edges", "Parts", "Total weight", "Hubs (tree degree)"], (section.slices ?? []).map { slice in
            [number(slice.year), number(slice.cities), number(slice.edges), number(slice.parts), number(slice.totalWeight), hubs(slice.hubs, names)]
        }, textColumns: [5])
        if let gravity {
            out += "<h3>Gravity network backbone</h3><p>The maximum spanning tree of the fitted gravity network E(i,j) over all \(number(gravity.cities)) cities with GDP in \(number(gravity.year)): \(number(gravity.edges)) edges; hubs: \(hubs(gravity.hubs, names)).</p>"
        }
        return out
    }

    private static func localisation(_ section: ValidationReport.Localisation?, names: [String: String]) -> String {
        guard let section else { return skipped(nil) }
        return table(["Slice", "Intracity share of all investment", "Cities", "Most localised (share, with 20+ records)"], (section.slices ?? []).map { slice in
            let cities = slice.cities ?? []
            let busy = cities.filter { ($0.intracity ?? 0) + ($0.outward ?? 0) >= 20 }
            let top = busy.sorted { ($0.intracityShare ?? 0) > ($1.intracityShare ?? 0) }.prefix(5)
            return [number(slice.year), number(slice.intracityShare), "\(cities.count)", top.map { "\(e(names[$0.city ?? ""] ?? text($0.city))) (\(number($0.intracityShare)))" }.joined(separator: ", ")]
        }, textColumns: [3])
    }

    private static func headquartersBranch(_ section: ValidationReport.HeadquartersBranch?, names: [String: String]) -> String {
        guard let section, section.skipped == nil else { return skipped(section == nil ? nil : section?.skipped) }
        var out = ""
        for slice in section.slices ?? [] {
            out += "<h3>\(text(slice.year)) (\(number(slice.cities)) cities)</h3>" + table(["City", "Outbound", "Inbound", "Node degree", "Degree centrality"], (slice.top ?? []).map { row in
                let code = row.city ?? ""
                return [e(names[code] ?? code), number(row.outbound), number(row.inbound), number(row.nodeDegree), number(row.degreeCentrality)]
            }, textColumns: [0])
        }
        return out
    }

    // MARK: Pieces

    private static func scatter(id: String, title: String, x: String, y: String, _ points: [ValidationReport.Point]?, fit: ValidationReport.Fit?) -> String {
        SVGChart.plot(id: id, title: title + rSquaredNote(fit), xLabel: x, yLabel: y,
                      series: [SVGChart.Series(label: "", points: pairs(points), colour: SVGChart.palette[0])], fit: line(fit))
    }

    /// The Q-Q points with their OLS line and, dashed, y = x.
    private static func qq(id: String, title: String, _ plot: ValidationReport.QuantilePlot?, x: String, y: String) -> String {
        SVGChart.plot(id: id, title: title + rSquaredNote(plot?.line), xLabel: x, yLabel: y,
                      series: [SVGChart.Series(label: "", points: pairs(plot?.points), colour: SVGChart.palette[1])], fit: line(plot?.line), diagonal: true)
    }

    private static func line(_ fit: ValidationReport.Fit?) -> (slope: Double, intercept: Double)? {
        guard let slope = fit?.slope, let intercept = fit?.intercept else { return nil }
        return (slope, intercept)
    }

    private static func rSquaredNote(_ fit: ValidationReport.Fit?) -> String {
        fit?.rSquared.map { " (R² \(String(format: "%.3f", $0)))" } ?? ""
    }

    private static func pairs(_ points: [ValidationReport.Point]?) -> [(Double, Double)] {
        (points ?? []).map { ($0.x, $0.y) }
    }

    private static func names(_ cities: ValidationReport.Cities?) -> [String: String] {
        var result: [String: String] = [:]
        for city in cities?.cities ?? [] {
            if let name = city.name { result[city.code] = name }
        }
        return result
    }

    private static func hubs(_ hubs: [ValidationReport.Hub]?, _ names: [String: String]) -> String {
        (hubs ?? []).prefix(5).map { hub in
            "\(e(names[hub.city] ?? hub.city)) (\(number(hub.treeDegree)))"
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

    /// `reason` nil when the section is not in the report at all.
    private static func skipped(_ reason: String?) -> String {
        "<p><span class=\"skip\">Skipped</span>: \(e(reason ?? "not in the report")).</p>"
    }

    private static func verdict(_ passed: Bool) -> String {
        passed ? "<span class=\"pass\">pass</span>" : "<span class=\"fail\">FAIL</span>"
    }

    /// A string, escaped; nothing for an absent one.
    private static func text(_ value: String?) -> String { value.map(e) ?? "" }

    private static func text(_ value: Int?) -> String { value.map(String.init) ?? "" }

    /// A number as JSON spells it (whole numbers without a point).
    private static func text(_ value: Double?) -> String { value.map { JSONValue.number($0).canonical } ?? "" }

    /// A number as people read it: whole numbers as they are, others to
    /// four significant digits; "–" when absent.
    private static func number(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value == value.rounded() && abs(value) < 1e12 ? String(Int(value)) : String(format: "%.4g", value)
    }

    private static func number(_ value: Int?) -> String { value.map(String.init) ?? "–" }

    private static func sci(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: "%.4e", value)
    }

    private static func e(_ text: String) -> String { SVGChart.escape(text) }
}
