import Foundation

/// Small SVG charts for the validation page, written as text so the page
/// needs no script, font or network access to show them. Output is
/// well-formed XML, so a test can parse the page.
///
/// Every chart has a visible title (`text.chart-title`, drawn above
/// everything else), a legend (`g.legend`) naming each mark it draws, and
/// axis labels with units; the page puts a one-line caption under it.
enum SVGChart {
    static let width = 440.0
    static let margin = (left: 56.0, right: 16.0, top: 28.0, bottom: 44.0)
    static let plotHeight = 248.0
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
                          "#393b79", "#637939"]

    struct Series {
        var label: String
        var points: [(Double, Double)]
        var colour: String
        /// A line y = slope x + intercept drawn in the series' colour.
        var fit: (slope: Double, intercept: Double)?

        init(label: String, points: [(Double, Double)], colour: String, fit: (slope: Double, intercept: Double)? = nil) {
            self.label = label
            self.points = points
            self.colour = colour
            self.fit = fit
        }
    }

    /// One legend line: a mark and what it stands for.
    struct LegendEntry {
        enum Mark {
            case dot
            case line
            case dashed
            case swatch
            case circle(radius: Double)
            case stroke(width: Double)
        }

        var mark: Mark
        var colour: String
        var label: String
    }

    /// A scatter (or several series joined by lines) with optional fitted
    /// lines (one overall, in black, or one per series) and an optional
    /// y = x diagonal, dashed.
    static func plot(id: String, title: String, xLabel: String, yLabel: String, series: [Series], joined: Bool = false,
                     fit: (slope: Double, intercept: Double)? = nil, fitLabel: String = "OLS fit", diagonal: Bool = false) -> String {
        var legend: [LegendEntry] = series.map { LegendEntry(mark: joined ? .line : .dot, colour: $0.colour, label: $0.label) }
        for item in series where item.fit != nil { legend.append(LegendEntry(mark: .dashed, colour: item.colour, label: "fit \(item.label)")) }
        if fit != nil { legend.append(LegendEntry(mark: .line, colour: "#000", label: fitLabel)) }
        if diagonal { legend.append(LegendEntry(mark: .dashed, colour: "#777", label: "y = x")) }
        let legendRows = legendLayout(legend, width: width - margin.left - margin.right).rows
        let height = margin.top + plotHeight + margin.bottom + Double(legendRows) * 16 + 4
        let all = series.flatMap(\.points).filter { $0.0.isFinite && $0.1.isFinite }
        var svg = open(id: id, title: title, width: width, height: height)
        guard let minX = all.map(\.0).min(), let maxX = all.map(\.0).max(), let minY = all.map(\.1).min(), let maxY = all.map(\.1).max() else {
            return svg + text(width / 2, height / 2, "no data", anchor: "middle") + legendBlock([LegendEntry(mark: .dot, colour: "#999", label: "no points to draw")],
                                                                                                   x: margin.left, y: height - 14, width: width) + "</svg>"
        }
        let xs = ticks(minX, maxX), ys = ticks(minY, maxY)
        let (x0, x1, y0, y1) = (xs.first!, xs.last!, ys.first!, ys.last!)
        let plotWidth = width - margin.left - margin.right
        func px(_ x: Double) -> Double { margin.left + (x - x0) / (x1 - x0) * plotWidth }
        func py(_ y: Double) -> Double { margin.top + plotHeight - (y - y0) / (y1 - y0) * plotHeight }
        svg += "<g class=\"axes\" stroke=\"#999\" stroke-width=\"0.5\">"
        for x in xs { svg += "<line x1=\"\(f(px(x)))\" y1=\"\(f(margin.top))\" x2=\"\(f(px(x)))\" y2=\"\(f(margin.top + plotHeight))\"/>" }
        for y in ys { svg += "<line x1=\"\(f(margin.left))\" y1=\"\(f(py(y)))\" x2=\"\(f(margin.left + plotWidth))\" y2=\"\(f(py(y)))\"/>" }
        svg += "</g>"
        for x in xs { svg += text(px(x), margin.top + plotHeight + 14, label(x), anchor: "middle") }
        for y in ys { svg += text(margin.left - 6, py(y) + 4, label(y), anchor: "end") }
        svg += text(margin.left + plotWidth / 2, margin.top + plotHeight + 32, xLabel, anchor: "middle", size: 11)
        svg += "<text x=\"14\" y=\"\(f(margin.top + plotHeight / 2))\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 14 \(f(margin.top + plotHeight / 2)))\">\(escape(yLabel))</text>"
        svg += "<svg x=\"\(f(margin.left))\" y=\"\(f(margin.top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" viewBox=\"\(f(margin.left)) \(f(margin.top)) \(f(plotWidth)) \(f(plotHeight))\">"
        if diagonal {
            let low = max(x0, y0), high = min(x1, y1)
            if low < high {
                svg += "<line class=\"diagonal\" x1=\"\(f(px(low)))\" y1=\"\(f(py(low)))\" x2=\"\(f(px(high)))\" y2=\"\(f(py(high)))\" stroke=\"#777\" stroke-dasharray=\"4 3\"/>"
            }
        }
        for item in series {
            let points = item.points.filter { $0.0.isFinite && $0.1.isFinite }
            if joined, points.count > 1 {
                svg += "<polyline class=\"series\" fill=\"none\" stroke=\"\(item.colour)\" stroke-width=\"1.5\" points=\"" + points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ") + "\"/>"
            }
            svg += "<g class=\"points\" fill=\"\(item.colour)\" fill-opacity=\"\(joined ? "1" : "0.45")\">"
            for point in points { svg += "<circle cx=\"\(f(px(point.0)))\" cy=\"\(f(py(point.1)))\" r=\"\(joined ? "2.5" : "1.8")\"/>" }
            svg += "</g>"
            if let line = item.fit, let low = points.map(\.0).min(), let high = points.map(\.0).max() {
                svg += "<line class=\"fit\" x1=\"\(f(px(low)))\" y1=\"\(f(py(line.slope * low + line.intercept)))\" x2=\"\(f(px(high)))\" y2=\"\(f(py(line.slope * high + line.intercept)))\" stroke=\"\(item.colour)\" stroke-width=\"1.2\" stroke-dasharray=\"5 3\"/>"
            }
        }
        if let fit {
            svg += "<line class=\"fit\" x1=\"\(f(px(x0)))\" y1=\"\(f(py(fit.slope * x0 + fit.intercept)))\" x2=\"\(f(px(x1)))\" y2=\"\(f(py(fit.slope * x1 + fit.intercept)))\" stroke=\"#000\" stroke-width=\"1.5\"/>"
        }
        svg += "</svg>"
        svg += legendBlock(legend, x: margin.left, y: margin.top + plotHeight + 50, width: plotWidth)
        return svg + "</svg>"
    }

    /// Lays legend entries out in rows that fit `width`.
    private static func legendLayout(_ entries: [LegendEntry], width: Double, scale: Double = 1) -> (rows: Int, positions: [(Double, Double)]) {
        var positions: [(Double, Double)] = []
        var (x, row) = (0.0, 0)
        for entry in entries {
            let itemWidth = (26 + Double(entry.label.count) * 6.2) * scale
            if x > 0, x + itemWidth > width {
                x = 0
                row += 1
            }
            positions.append((x, Double(row) * 16 * scale))
            x += itemWidth + 10 * scale
        }
        return (entries.isEmpty ? 0 : row + 1, positions)
    }

    /// The legend as a `g.legend` at (x, y), rows of marks and labels.
    /// `scale` enlarges marks and text for a chart shown smaller than its
    /// viewBox, so they read at the same size as elsewhere.
    static func legendBlock(_ entries: [LegendEntry], x: Double, y: Double, width: Double, scale: Double = 1) -> String {
        let layout = legendLayout(entries, width: width, scale: scale)
        var svg = "<g class=\"legend\" transform=\"translate(\(f(x)) \(f(y)))\"><g transform=\"scale(\(f2(scale)))\">"
        for (entry, position) in zip(entries, layout.positions) {
            let (left, top) = (position.0 / scale, position.1 / scale)
            switch entry.mark {
            case .dot: svg += "<circle cx=\"\(f(left + 8))\" cy=\"\(f(top))\" r=\"3\" fill=\"\(entry.colour)\"/>"
            case .line: svg += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left + 18))\" y2=\"\(f(top))\" stroke=\"\(entry.colour)\" stroke-width=\"2\"/>"
            case .dashed:
                svg += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left + 18))\" y2=\"\(f(top))\" stroke=\"\(entry.colour)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>"
            case .swatch: svg += "<rect x=\"\(f(left + 2))\" y=\"\(f(top - 5))\" width=\"14\" height=\"10\" fill=\"\(entry.colour)\" stroke=\"#666\" stroke-width=\"0.4\"/>"
            case let .circle(radius):
                svg += "<circle cx=\"\(f(left + 9))\" cy=\"\(f(top))\" r=\"\(f(min(radius, 7)))\" fill=\"\(entry.colour)\" fill-opacity=\"0.8\" stroke=\"#fff\" stroke-width=\"0.4\"/>"
            case let .stroke(width):
                svg += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left + 18))\" y2=\"\(f(top))\" stroke=\"\(entry.colour)\" stroke-opacity=\"0.6\" stroke-width=\"\(f(width))\"/>"
            }
            svg += text(left + 22, top + 4, entry.label, anchor: "start")
        }
        return svg + "</g></g>"
    }

    // MARK: Maps

    /// The maps' frame: mainland China and Hainan, equirectangular with
    /// longitude shrunk by cos 35°, so the scale is the same both ways at
    /// 35°N (the middle of the country). The South China Sea islands south
    /// of 16.5°N fall outside it.
    enum Frame {
        static let width = 640.0, height = 520.0
        static let west = 73.0, east = 136.0, south = 16.5, north = 54.0
        static let top = 30.0, mapHeight = 440.0
        static let shrink = cos(35 * Double.pi / 180)
        static let scale = min((width - 20) / ((east - west) * shrink), mapHeight / (north - south))
        static func x(_ longitude: Double) -> Double { 10 + (longitude - west) * shrink * scale }
        static func y(_ latitude: Double) -> Double { top + (north - latitude) * scale }
        /// Pixels per kilometre at 35°N (a degree of latitude is 111.32 km).
        static let pixelsPerKilometre = scale / 111.32
    }

    /// A path for polygons in the frame's pixels: points nearer than 0.6
    /// px to the last one kept are dropped and the rest rounded to 0.1 px,
    /// which keeps the outlines as they look at this size in a tenth of
    /// the bytes.
    static func path(_ polygons: [OutlineFile.Polygon]) -> String {
        var d = ""
        for polygon in polygons {
            for ring in polygon {
                var kept: [(Double, Double)] = []
                for point in ring {
                    let projected = (Frame.x(point.longitude), Frame.y(point.latitude))
                    if let last = kept.last, abs(last.0 - projected.0) < 0.6, abs(last.1 - projected.1) < 0.6 { continue }
                    kept.append(projected)
                }
                guard kept.count >= 3 else { continue }
                d += "M" + kept.map { "\(f($0.0)) \(f($0.1))" }.joined(separator: "L") + "Z"
            }
        }
        return d
    }

    /// The shapes every map reuses, defined once for the page (an SVG with
    /// no size): each city's outline as `#city-CODE`, all provinces as
    /// `#provinces`.
    static func mapDefinitions(_ outlines: Outlines) -> String {
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>"
        for code in outlines.cities.keys.sorted() { svg += "<path id=\"city-\(code)\" d=\"\(path(outlines.cities[code]!))\"/>" }
        svg += "<path id=\"provinces\" d=\"\(outlines.provinces.keys.sorted().map { path(outlines.provinces[$0]!) }.joined())\"/>"
        return svg + "</defs></svg>"
    }

    struct Place {
        var lng: Double
        var lat: Double
        var radius: Double
        var colour: String
        var title: String
    }

    /// A map of China: provinces (land and outlines), then cities filled
    /// by `fills` (code to colour, drawn from `#city-CODE`), then lines and
    /// circles; the title, a legend, a 500 km scale bar and graticule
    /// labels on top.
    static func map(id: String, title: String, fills: [(code: Int, colour: String, title: String)] = [], places: [Place] = [],
                    edges: [(from: (Double, Double), to: (Double, Double), width: Double)] = [], legend: [LegendEntry], displayWidth: Double = 640) -> String {
        // Text and legend at the size they have on a full-width map.
        let scale = Frame.width / displayWidth
        let legendRows = legendLayout(legend, width: Frame.width - 20, scale: scale).rows
        let height = Frame.height + Double(legendRows) * 16 * scale + 12 * (scale - 1)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart map\" data-chart=\"\(escape(id))\" width=\"\(f(displayWidth))\" "
            + "height=\"\(f(displayWidth / Frame.width * height))\" viewBox=\"0 0 \(f(Frame.width)) \(f(height))\" role=\"img\">"
            + "<title>\(escape(title))</title>"
        svg += "<rect class=\"sea\" x=\"0\" y=\"0\" width=\"\(f(Frame.width))\" height=\"\(f(height))\" fill=\"#f4f8fb\"/>"
        svg += "<use href=\"#provinces\" fill=\"#fbfaf6\" stroke=\"none\"/>"
        if !fills.isEmpty {
            svg += "<g class=\"cities\" stroke=\"#fff\" stroke-width=\"0.3\">"
            for fill in fills { svg += "<use href=\"#city-\(fill.code)\" fill=\"\(fill.colour)\"><title>\(escape(fill.title))</title></use>" }
            svg += "</g>"
        }
        svg += "<use class=\"province-outlines\" href=\"#provinces\" fill=\"none\" stroke=\"#7a7a7a\" stroke-width=\"0.6\"/>"
        if !edges.isEmpty {
            svg += "<g class=\"edges\" stroke=\"#c0392b\" stroke-opacity=\"0.5\">"
            for edge in edges {
                svg += "<line x1=\"\(f(Frame.x(edge.from.0)))\" y1=\"\(f(Frame.y(edge.from.1)))\" x2=\"\(f(Frame.x(edge.to.0)))\" y2=\"\(f(Frame.y(edge.to.1)))\" stroke-width=\"\(f(edge.width))\"/>"
            }
            svg += "</g>"
        }
        if !places.isEmpty {
            svg += "<g class=\"places\" stroke=\"#fff\" stroke-width=\"0.4\">"
            for place in places.sorted(by: { $0.radius > $1.radius }) {
                svg += "<circle cx=\"\(f(Frame.x(place.lng)))\" cy=\"\(f(Frame.y(place.lat)))\" r=\"\(f(place.radius))\" fill=\"\(place.colour)\" fill-opacity=\"0.8\"><title>\(escape(place.title))</title></circle>"
            }
            svg += "</g>"
        }
        let small = Int((9 * scale).rounded())
        for lng in stride(from: 80.0, through: 130, by: 10) { svg += text(Frame.x(lng), Frame.top + Frame.mapHeight + 14 * scale, "\(Int(lng))°E", anchor: "middle", size: small) }
        for lat in stride(from: 20.0, through: 50, by: 10) { svg += text(4, Frame.y(lat) + 3, "\(Int(lat))°N", anchor: "start", size: small) }
        // A 500 km bar, true at 35°N.
        let bar = 500 * Frame.pixelsPerKilometre
        let barX = Frame.width - 20 - bar, barY = Frame.top + Frame.mapHeight - 12
        svg += "<g class=\"scale-bar\"><rect x=\"\(f(barX))\" y=\"\(f(barY))\" width=\"\(f(bar))\" height=\"4\" fill=\"#333\"/>"
            + text(barX + bar, barY - 4, "500 km (at 35°N)", anchor: "end", size: small) + "</g>"
        svg += legendBlock(legend, x: 14, y: Frame.height - 4 + 12 * (scale - 1), width: Frame.width - 20, scale: scale)
        svg += "<text class=\"chart-title\" x=\"\(f(Frame.width / 2))\" y=\"\(f(4 + 14 * scale))\" text-anchor=\"middle\" font-size=\"\(Int((14 * scale).rounded()))\" font-weight=\"600\">\(escape(title))</text>"
        return svg + "</svg>"
    }

    private static func open(id: String, title: String, width: Double, height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"\(escape(id))\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\">"
            + "<title>\(escape(title))</title>"
            + "<text class=\"chart-title\" x=\"\(f(width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"600\">\(escape(title))</text>"
    }

    private static func text(_ x: Double, _ y: Double, _ content: String, anchor: String, size: Int = 10) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\">\(escape(content))</text>"
    }

    /// About five round tick values spanning [low, high].
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        var (low, high) = (low, high)
        if high - low < 1e-12 { (low, high) = (low - 1, high + 1) }
        let raw = (high - low) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(low / step) * step, last = ceil(high / step) * step
        return stride(from: first, through: last + step / 2, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    static func label(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e6 { return String(Int(value)) }
        return String(format: "%.3g", value)
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func f2(_ value: Double) -> String { String(format: "%.2f", value) }

    /// Text for HTML, SVG and GraphML. Characters XML cannot carry (C0
    /// controls but tab, LF and CR; U+FFFE, U+FFFF) are written as visible
    /// escapes, `\u0001`, so a reader sees that they were there.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
