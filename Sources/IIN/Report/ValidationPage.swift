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
        ("table1", "3. Table 1: descriptive statistics"),
        ("consistency-sample", "4. Consistency sample"),
        ("mobility", "5. Population mobility"),
        ("gravity", "6. Economic gravity model"),
        ("distance-decay", "7. Distance decay"),
        ("top20", "8. Top 20 cities and other studies"),
        ("map", "9. Maps: degree per city and slice, and the strongest links"),
        ("communities", "10. Communities (Leiden)"),
        ("backbone", "11. Backbone: maximum spanning tree"),
        ("localisation", "12. Localisation: intracity against outward"),
        ("headquarters-branch", "13. Headquarters-branch network"),
    ]

    /// `outlines`, the gazetteer's, are the maps' base: reference
    /// geometry, not a result, so it is not in the report's JSON.
    public static func html(from report: ValidationReport, outlines: Outlines) -> String {
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
        body{padding:0 12px}
        table{border-collapse:collapse;margin:0.6em 0;font-size:0.9em;max-width:100%} td,th{border:1px solid #ddd;padding:2px 6px;text-align:right;overflow-wrap:break-word} #accounting td.t{overflow-wrap:anywhere}
        table.wide{font-size:0.75em} table.wide td,table.wide th{padding:2px 3px}
        th{background:#f2f2f2;font-weight:600} td.t,th.t{text-align:left}
        .pass{color:#18794e;font-weight:600} .fail{color:#c0392b;font-weight:600} .skip{color:#8a6d00;font-weight:600}
        .charts{display:flex;flex-wrap:wrap;gap:12px} figure{margin:0;max-width:100%} figcaption{font-size:0.85em;color:#444;margin-top:2px}
        svg.chart{border:1px solid #eee;background:#fff;max-width:100%;height:auto} .note{color:#555;font-size:0.9em}
        </style></head><body>
        \(SVGChart.mapDefinitions(outlines))
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
        case "map": return degreeMaps(s.cities)
        case "communities":
            let latest = s.communities?.slices?.first { $0.year == s.cities?.year }
            return communities(s.communities) + communityMap(s.cities, sizes: latest?.sizes ?? [])
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
        var out = table(["File", "Rows read", "Kept", "Duplicates"] + reasons.map { $0.replacingOccurrences(of: "_", with: " ") } + ["In a slice", "Outside every slice"], files.map { file in
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
            charts += scatter(id: "mobility-\(network)-scatter", title: "\(network.capitalized): ln investment vs ln mobility", x: "ln mobility (people a year)",
                              y: "ln investment frequency (records)", part?.scatter, fit: part?.loglog,
                              caption: "Each point is a city pair with both flows positive; points close to the fitted line mean investment grows with mobility as a power law, its slope the elasticity.")
            charts += qq(id: "mobility-\(network)-qq", title: "\(network.capitalized): Q-Q of z-scores", part?.qq, x: "mobility z-score quantile (SD)", y: "investment z-score quantile (SD)")
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
            charts += scatter(id: "gravity-\(year)-scatter", title: "\(year): ln frequency vs ln E", x: "ln E, the gravity model's prediction (records)",
                              y: "ln investment frequency (records)", slice.scatter, fit: slice.loglog,
                              caption: "Each point is a city pair; a narrow band along the fitted line means the gravity model predicts where investment goes.")
            charts += qq(id: "gravity-\(year)-qq", title: "\(year): Q-Q of z-scores", slice.qq, x: "gravity-model z-score quantile (SD)", y: "frequency z-score quantile (SD)")
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
            }, colour: SVGChart.palette[index % SVGChart.palette.count], fit: slice.slope.flatMap { slope in slice.intercept.map { (slope, $0) } })
        }
        return out + "<div class=\"charts\">" + figure(SVGChart.plot(id: "distance-decay", title: "Distance decay per slice", xLabel: "ln distance (bin midpoint, km)",
                                                                        yLabel: "ln share of intercity frequency", series: series, joined: true),
                                                         caption: "Each slice's share of intercity investment per distance bin, log-log, with its fitted line (dashed): a straight line is power-law decay, and a flatter line in later slices means distance matters less.") + "</div>"
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

    /// The latest slice's cities sized by node degree with its strongest
    /// links; then, per slice, choropleths of node, out- and in-degree
    /// (the source paper's Fig. 3).
    private static func degreeMaps(_ section: ValidationReport.Cities?) -> String {
        guard let section, section.skipped == nil else { return skipped(section == nil ? nil : section?.skipped) }
        let cities = section.cities ?? []
        var position: [String: (Double, Double)] = [:]
        let largest = cities.compactMap(\.nodeDegree).max() ?? 1
        func radius(_ degree: Int) -> Double { 1.5 + 10 * (Double(degree) / Double(max(largest, 1))).squareRoot() }
        let places: [SVGChart.Place] = cities.compactMap { city in
            guard let lng = city.lng, let lat = city.lat, let nodeDegree = city.nodeDegree else { return nil }
            position[city.code] = (lng, lat)
            return SVGChart.Place(lng: lng, lat: lat, radius: radius(nodeDegree), colour: "#1f77b4",
                                  title: "\(text(city.name)) \(text(city.nameEN)): node degree \(number(nodeDegree))")
        }
        let edgeRows = section.edges ?? []
        let heaviest = edgeRows.map(\.weight).max() ?? 1
        func width(_ weight: Int) -> Double { 0.5 + 3.5 * Double(weight) / Double(max(heaviest, 1)) }
        let edges: [(from: (Double, Double), to: (Double, Double), width: Double)] = edgeRows.compactMap { edge in
            guard let a = position[edge.a], let b = position[edge.b] else { return nil }
            return (a, b, width(edge.weight))
        }
        let year = text(section.year)
        var legend = Set([largest, max(1, largest / 4), max(1, largest / 16)]).sorted(by: >).map {
            SVGChart.LegendEntry(mark: .circle(radius: radius($0)), colour: "#1f77b4", label: "node degree \($0)")
        }
        legend += Set([heaviest, max(1, heaviest / 2)]).sorted(by: >).map {
            SVGChart.LegendEntry(mark: .stroke(width: width($0)), colour: "#c0392b", label: "\($0) records")
        }
        var out = "<div class=\"charts\">" + figure(SVGChart.map(id: "map-degree", title: "\(year): cities by node degree, the \(edges.count) strongest links",
                                                                 places: places, edges: edges, legend: legend),
                                                    caption: "Circle area grows with a city's node degree; lines are the latest slice's strongest undirected intercity links, wider for more records. Hubs and their links concentrate in the east.",
                                                    width: 640) + "</div>"
        let slices = section.slices ?? []
        for (index, slice) in slices.enumerated() {
            out += "<h3>\(slice): out-, in- and node degree per city</h3><div class=\"charts\">"
            for (measure, column) in [("Node degree", 2), ("Out-degree", 0), ("In-degree", 1)] {
                let values = cities.map { $0.degrees?.dropFirst(index).first?.dropFirst(column).first ?? 0 }
                let classes = Self.classes(values)
                let fills = zip(cities, values).compactMap { city, value -> (code: Int, colour: String, title: String)? in
                    guard let code = Int(city.code) else { return nil }
                    return (code, Self.colour(value, classes), "\(text(city.name)) \(text(city.nameEN)): \(measure.lowercased()) \(value)")
                }
                let legend = [SVGChart.LegendEntry(mark: .swatch, colour: Self.noLink, label: "0")]
                    + classes.enumerated().map { SVGChart.LegendEntry(mark: .swatch, colour: Self.ramp(classes.count)[$0.offset], label: Self.range($0.element)) }
                out += figure(SVGChart.map(id: "choropleth-\(slice)-\(measure.lowercased().replacingOccurrences(of: " ", with: "-"))",
                                           title: "\(slice): \(measure.lowercased())", fills: fills, legend: legend, displayWidth: 350),
                              caption: "Cities coloured by \(measure.lowercased()) in \(slice), in up to five classes of equal counts of the cities with a link (fewer when degrees repeat; grey: none).",
                              width: 350)
            }
            out += "</div>"
        }
        return out
    }

    /// Cities coloured by Leiden community in the latest slice (the source
    /// paper's Fig. 4).
    private static func communityMap(_ section: ValidationReport.Cities?, sizes: [Double]) -> String {
        guard let section, section.skipped == nil else { return skipped(section == nil ? nil : section?.skipped) }
        let cities = section.cities ?? []
        // Ranked by size (ties to the lower number): the largest first.
        let ranked = sizes.indices.sorted { (sizes[$1], $0) < (sizes[$0], $1) }
        let rank = Dictionary(uniqueKeysWithValues: ranked.enumerated().map { ($1, $0) })
        let shown = min(SVGChart.palette.count - 2, sizes.count)
        func colour(_ community: Int?) -> String {
            guard let community else { return noLink }
            guard let place = rank[community], place < shown else { return "#cfcfcf" }
            return SVGChart.palette[place]
        }
        let fills = cities.compactMap { city -> (code: Int, colour: String, title: String)? in
            guard let code = Int(city.code) else { return nil }
            let label = city.community.map { community in rank[community].map { "community \($0 + 1) by size" } ?? "community \(community)" } ?? "no link"
            return (code, colour(city.community), "\(text(city.name)) \(text(city.nameEN)): " + label)
        }
        var legend = (0..<shown).map { SVGChart.LegendEntry(mark: .swatch, colour: SVGChart.palette[$0], label: "\($0 + 1) (\(number(sizes[ranked[$0]])) cities)") }
        if sizes.count > shown { legend.append(SVGChart.LegendEntry(mark: .swatch, colour: "#cfcfcf", label: "the other \(sizes.count - shown)")) }
        legend.append(SVGChart.LegendEntry(mark: .swatch, colour: noLink, label: "no link"))
        let year = text(section.year)
        return "<div class=\"charts\">" + figure(SVGChart.map(id: "map-communities", title: "\(year): Leiden communities", fills: fills, legend: legend),
                                                 caption: "Each colour is one community of the latest slice, numbered from the largest; communities that are contiguous on the map mean investment clusters by region, as in the source paper's Fig. 4.",
                                                 width: 640) + "</div>"
    }

    static let noLink = "#e6e6e6"

    /// Up to five classes of about equal counts among the positive values
    /// (quantile breaks), as whole-number ranges.
    static func classes(_ values: [Int]) -> [ClosedRange<Int>] {
        let positive = values.filter { $0 > 0 }.sorted()
        guard !positive.isEmpty else { return [] }
        var ranges: [ClosedRange<Int>] = []
        var low = positive[0]
        for step in 1...5 {
            let upper = positive[min(positive.count - 1, Int((Double(step) / 5 * Double(positive.count)).rounded(.up)) - 1)]
            if upper >= low {
                ranges.append(low...upper)
                low = upper + 1
            }
        }
        return ranges
    }

    /// Yellow to red (ColorBrewer YlOrRd), spread over `count` classes.
    static func ramp(_ count: Int) -> [String] {
        let colours = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
        return (0..<count).map { colours[count == 1 ? 4 : $0 * 4 / (count - 1)] }
    }

    static func colour(_ value: Int, _ classes: [ClosedRange<Int>]) -> String {
        guard value > 0, let index = classes.firstIndex(where: { $0.contains(value) }) else { return noLink }
        return ramp(classes.count)[index]
    }

    static func range(_ range: ClosedRange<Int>) -> String {
        range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)–\(range.upperBound)"
    }

    private static func communities(_ section: ValidationReport.Communities?) -> String {
        guard let section else { return skipped(nil) }
        let slices = section.slices ?? []
        let unconverged = slices.filter { $0.converged == false }.map { text($0.year) }
        let warning = unconverged.isEmpty ? ""
            : "<p>Not a fixed point in \(unconverged.joined(separator: ", ")): Leiden stopped at its pass limit while a pass still changed the partition.</p>"
        return "<p>Leiden, modularity with resolution \(number(section.resolution)), seed \(number(section.seed)), on each slice's undirected intercity network, "
            + "repeated until a pass changes nothing.</p>" + warning
            + table(["Slice", "Cities", "Communities", "Modularity", "Passes", "Sizes of the 8 largest (cities)"], slices.map { slice in
                [number(slice.year), number(slice.cities), number(slice.communities), number(slice.modularity), number(slice.passes),
                 (slice.sizes ?? []).sorted(by: >).prefix(8).map { number($0) }.joined(separator: ", ")]
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

    private static func scatter(id: String, title: String, x: String, y: String, _ points: [ValidationReport.Point]?, fit: ValidationReport.Fit?,
                                caption: String) -> String {
        figure(SVGChart.plot(id: id, title: title + rSquaredNote(fit), xLabel: x, yLabel: y,
                             series: [SVGChart.Series(label: "city pair", points: pairs(points), colour: SVGChart.palette[0])], fit: line(fit),
                             fitLabel: "OLS fit on logs"), caption: caption)
    }

    /// The Q-Q points with their OLS line and, dashed, y = x.
    private static func qq(id: String, title: String, _ plot: ValidationReport.QuantilePlot?, x: String, y: String) -> String {
        figure(SVGChart.plot(id: id, title: title + rSquaredNote(plot?.line), xLabel: x, yLabel: y,
                             series: [SVGChart.Series(label: "quantile pair", points: pairs(plot?.points), colour: SVGChart.palette[1])],
                             fit: line(plot?.line), fitLabel: "OLS line y = kx + b", diagonal: true),
               caption: "Quantiles of one z-score against the other: points near the line y = kx + b mean the two distributions have the same shape; near the dashed y = x, the same spread as well.")
    }

    /// A chart with its one-line reading under it.
    /// `width`, the chart's shown width, bounds the caption's.
    private static func figure(_ svg: String, caption: String, width: Int = 440) -> String {
        "<figure style=\"width:\(width)px\">\(svg)<figcaption>\(e(caption))</figcaption></figure>"
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
        // Many columns: smaller type, so the table fits a 1,024 px page.
        return "<table\(header.count > 9 ? " class=\"wide\"" : "")>\(head)\n\(body)</table>"
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
