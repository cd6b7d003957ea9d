import Foundation

/// Small SVG charts for the validation page, written as text so the page
/// needs no script, font or network access to show them. Output is
/// well-formed XML, so a test can parse the page.
enum SVGChart {
    static let width = 440.0, height = 320.0
    static let margin = (left: 56.0, right: 16.0, top: 28.0, bottom: 44.0)
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
                          "#393b79", "#637939"]

    struct Series {
        var label: String
        var points: [(Double, Double)]
        var colour: String
    }

    /// A scatter (or several series joined by lines) with an optional
    /// fitted line y = slope x + intercept and an optional y = x diagonal.
    static func plot(id: String, title: String, xLabel: String, yLabel: String, series: [Series], joined: Bool = false,
                     fit: (slope: Double, intercept: Double)? = nil, diagonal: Bool = false) -> String {
        let all = series.flatMap(\.points).filter { $0.0.isFinite && $0.1.isFinite }
        var svg = open(id: id, title: title, width: width, height: height)
        guard let minX = all.map(\.0).min(), let maxX = all.map(\.0).max(), let minY = all.map(\.1).min(), let maxY = all.map(\.1).max() else {
            return svg + text(width / 2, height / 2, "no data", anchor: "middle") + "</svg>"
        }
        let xs = ticks(minX, maxX), ys = ticks(minY, maxY)
        let (x0, x1, y0, y1) = (xs.first!, xs.last!, ys.first!, ys.last!)
        let plotWidth = width - margin.left - margin.right, plotHeight = height - margin.top - margin.bottom
        func px(_ x: Double) -> Double { margin.left + (x - x0) / (x1 - x0) * plotWidth }
        func py(_ y: Double) -> Double { margin.top + plotHeight - (y - y0) / (y1 - y0) * plotHeight }
        svg += "<g class=\"axes\" stroke=\"#999\" stroke-width=\"0.5\">"
        for x in xs { svg += "<line x1=\"\(f(px(x)))\" y1=\"\(f(margin.top))\" x2=\"\(f(px(x)))\" y2=\"\(f(margin.top + plotHeight))\"/>" }
        for y in ys { svg += "<line x1=\"\(f(margin.left))\" y1=\"\(f(py(y)))\" x2=\"\(f(margin.left + plotWidth))\" y2=\"\(f(py(y)))\"/>" }
        svg += "</g>"
        for x in xs { svg += text(px(x), margin.top + plotHeight + 14, label(x), anchor: "middle") }
        for y in ys { svg += text(margin.left - 6, py(y) + 4, label(y), anchor: "end") }
        svg += text(margin.left + plotWidth / 2, height - 8, xLabel, anchor: "middle")
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
        }
        if let fit {
            svg += "<line class=\"fit\" x1=\"\(f(px(x0)))\" y1=\"\(f(py(fit.slope * x0 + fit.intercept)))\" x2=\"\(f(px(x1)))\" y2=\"\(f(py(fit.slope * x1 + fit.intercept)))\" stroke=\"#000\" stroke-width=\"1.5\"/>"
        }
        svg += "</svg>"
        if series.count > 1 {
            for (index, item) in series.enumerated() {
                let x = margin.left + 8 + Double(index % 5) * 70, y = margin.top + 10 + Double(index / 5) * 14
                svg += "<rect x=\"\(f(x))\" y=\"\(f(y - 8))\" width=\"10\" height=\"10\" fill=\"\(item.colour)\"/>" + text(x + 14, y + 1, item.label, anchor: "start")
            }
        }
        return svg + "</svg>"
    }

    struct Place {
        var lng: Double
        var lat: Double
        var radius: Double
        var colour: String
        var title: String
    }

    /// Cities placed by longitude and latitude (equirectangular, longitude
    /// shrunk by cos 35 degrees), with lines for the given edges.
    static func map(id: String, title: String, places: [Place], edges: [(from: (Double, Double), to: (Double, Double), width: Double)]) -> String {
        let mapWidth = 640.0, mapHeight = 480.0
        let (west, east, south, north) = (73.0, 136.0, 17.0, 54.0)
        let shrink = cos(35 * Double.pi / 180)
        let scale = min((mapWidth - 20) / ((east - west) * shrink), (mapHeight - 40) / (north - south))
        func px(_ lng: Double) -> Double { 10 + (lng - west) * shrink * scale }
        func py(_ lat: Double) -> Double { 30 + (north - lat) * scale }
        var svg = open(id: id, title: title, width: mapWidth, height: mapHeight)
        svg += "<rect x=\"0\" y=\"0\" width=\"\(f(mapWidth))\" height=\"\(f(mapHeight))\" fill=\"#f7f9fb\"/>"
        svg += "<g class=\"edges\" stroke=\"#c0392b\" stroke-opacity=\"0.5\">"
        for edge in edges {
            svg += "<line x1=\"\(f(px(edge.from.0)))\" y1=\"\(f(py(edge.from.1)))\" x2=\"\(f(px(edge.to.0)))\" y2=\"\(f(py(edge.to.1)))\" stroke-width=\"\(f(edge.width))\"/>"
        }
        svg += "</g><g class=\"places\" stroke=\"#fff\" stroke-width=\"0.4\">"
        for place in places.sorted(by: { $0.radius > $1.radius }) {
            svg += "<circle cx=\"\(f(px(place.lng)))\" cy=\"\(f(py(place.lat)))\" r=\"\(f(place.radius))\" fill=\"\(place.colour)\" fill-opacity=\"0.8\"><title>\(escape(place.title))</title></circle>"
        }
        svg += "</g>"
        for lng in stride(from: 80.0, through: 130, by: 10) { svg += text(px(lng), mapHeight - 4, "\(Int(lng))°E", anchor: "middle") }
        for lat in stride(from: 20.0, through: 50, by: 10) { svg += text(4, py(lat) + 4, "\(Int(lat))°N", anchor: "start") }
        return svg + "</svg>"
    }

    private static func open(id: String, title: String, width: Double, height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"\(escape(id))\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\">"
            + "<title>\(escape(title))</title>" + text(width / 2, 16, title, anchor: "middle", size: 13)
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
