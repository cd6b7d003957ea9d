import Foundation
import Testing
@testable import IIN
import IINTools

/// The release's geometry as a GIS user relies on it: WGS84 points, one
/// outline per city that holds the city's own point, degrees on the
/// polygons equal to the metric table's, and a GeoPackage GDAL reads.
@Suite("Release geography")
struct ReleaseGeographyTests {
    static let release = Result { try TestSupport.defaultRelease("release-geography") }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func features(_ url: URL) throws -> [[String: Any]] {
        try #require(try json(url)["features"] as? [[String: Any]])
    }

    /// Even-odd rule over every ring (holes included).
    static func contains(_ polygons: [[[[Double]]]], _ point: (Double, Double)) -> Bool {
        polygons.contains { polygon in
            var inside = false
            for ring in polygon {
                var previous = ring[ring.count - 1]
                for current in ring {
                    if (current[1] > point.1) != (previous[1] > point.1),
                       point.0 < (previous[0] - current[0]) * (point.1 - current[1]) / (previous[1] - current[1]) + current[0] {
                        inside.toggle()
                    }
                    previous = current
                }
            }
            return inside
        }
    }

    /// Kilometres from a point to the nearest edge of the polygons (flat
    /// approximation, longitude scaled by the cosine of the latitude).
    static func kilometresToEdge(_ polygons: [[[[Double]]]], _ point: (Double, Double)) -> Double {
        let scale = cos(point.1 * .pi / 180)
        var best = Double.infinity
        for ring in polygons.joined() {
            for (a, b) in zip(ring, ring.dropFirst()) {
                let (ax, ay, bx, by, px) = (a[0] * scale, a[1], b[0] * scale, b[1], point.0 * scale)
                let (dx, dy) = (bx - ax, by - ay)
                let length = dx * dx + dy * dy
                let t = length == 0 ? 0 : max(0, min(1, ((px - ax) * dx + (point.1 - ay) * dy) / length))
                best = min(best, ((px - ax - t * dx) * (px - ax - t * dx) + (point.1 - ay - t * dy) * (point.1 - ay - t * dy)).squareRoot() * 111.32)
            }
        }
        return best
    }

    @Test func theCommittedOutlinesAreWhatTheDerivationMakes() throws {
        let folder = Gazetteer.resourceFolder
        let gazetteer = try Gazetteer.load(from: folder, outlines: false)
        let derived = try OutlineDerivation.derive(sharedData: TestSupport.sharedData, gazetteer: gazetteer)
        #expect(derived.cities == (try String(contentsOf: folder.appendingPathComponent(OutlineFile.citiesFile), encoding: .utf8)))
        #expect(derived.provinces == (try String(contentsOf: folder.appendingPathComponent(OutlineFile.provincesFile), encoding: .utf8)))
        let loaded = try Gazetteer.embedded()
        #expect(loaded.outlines.cities.count == Gazetteer.cityCount)
        #expect(loaded.outlines.provinces.count == 34)
    }

    @Test func aBrokenOutlineLineIsRefusedByItsLine() throws {
        let good = "# a header\n110000\t0\t0\t1,1 2.5,1 2,2e0 1,1\n110000\t0\t1\t1.2,1.2 1.4,1.2 1.3,1.3 1.2,1.2\n"
        let parsed = try OutlineFile.parse(Data(good.utf8), path: "outlines.txt")
        #expect(parsed[110000]?.count == 1 && parsed[110000]?.first?.count == 2)
        #expect(parsed[110000]?.first?.first?[1] == OutlineFile.Point(longitude: 2.5, latitude: 1))
        for (text, problem) in [("110000\t0\t0\t1,1 2,x 2,2 1,1\n", "unreadable point"), ("110000 0 0\t1,1\n", "separated by tabs"),
                                ("110000\t0\t0\t1,1 2,1 1,1\n", "4 points or more"), ("110000\t0\t0\t1,1  2,1 2,2 1,1\n", "unreadable point"),
                                ("110000\t1\t0\t1,1 2,1 2,2 1,1\n", "out of order"), ("110000\t0\t0\t1,1 2,1 2,2 1,1", nil)] {
            do {
                _ = try OutlineFile.parse(Data(("# h\n" + text).utf8), path: "outlines.txt")
                #expect(problem == nil, "accepted \(text)")
            } catch {
                #expect(problem != nil && error.description.contains(problem!) && error.description.contains("2"), "\(text): \(error)")
            }
        }
    }

    /// The points are the CityInfo table's GCJ-02 coordinates converted:
    /// never the GCJ-02 numbers relabelled.
    @Test func theCityPointsAreWGS84() throws {
        let release = try Self.release.get()
        let info = try CSVTable.read(release.appendingPathComponent("CityInfo.csv"))
        let code = try info.columnIndex("CityCode"), lng = try info.columnIndex("LNG"), lat = try info.columnIndex("LAT")
        let published = Dictionary(uniqueKeysWithValues: info.rows.map { ($0[code], (Double($0[lng])!, Double($0[lat])!)) })
        let features = try Self.features(release.appendingPathComponent("Cities.geojson"))
        #expect(features.count == Gazetteer.cityCount)
        for feature in features {
            let properties = try #require(feature["properties"] as? [String: Any])
            let city = try #require(properties["CityCode"] as? String)
            let point = try #require((feature["geometry"] as? [String: Any])?["coordinates"] as? [Double])
            let gcj = try #require(published[city])
            let wgs = GCJ02.toWGS84(longitude: gcj.0, latitude: gcj.1)
            #expect(abs(point[0] - wgs.longitude) <= 5e-7 && abs(point[1] - wgs.latitude) <= 5e-7, "\(city)")
            #expect(GCJ02Tests.metres((point[0], point[1]), gcj) > 50, "\(city) was not converted")
        }
    }

    /// Every city has one feature whose polygons hold its own point (or
    /// come within the simplification's 1.5 km of it), and
    /// its degrees per slice are the metric table's.
    @Test func theBoundariesHoldEachCityAndItsDegrees() throws {
        let release = try Self.release.get()
        let points = Dictionary(uniqueKeysWithValues: try Self.features(release.appendingPathComponent("Cities.geojson")).map { feature in
            ((feature["properties"] as! [String: Any])["CityCode"] as! String, (feature["geometry"] as! [String: Any])["coordinates"] as! [Double])
        })
        let metric = try CSVTable.read(release.appendingPathComponent(PublishStage.metricName + ".csv"))
        let columns = try ["CityCode", "Outdegree", "Indegree", "NodeDegree", "InvestmentYear"].map { try metric.columnIndex($0) }
        var expected: [String: [String: Int]] = [:]
        for row in metric.rows {
            expected[row[columns[0]], default: [:]]["Outdegree_" + row[columns[4]]] = Int(row[columns[1]])
            expected[row[columns[0]], default: [:]]["Indegree_" + row[columns[4]]] = Int(row[columns[2]])
            expected[row[columns[0]], default: [:]]["NodeDegree_" + row[columns[4]]] = Int(row[columns[3]])
        }
        let years = Set(metric.rows.map { $0[columns[4]] })
        let features = try Self.features(release.appendingPathComponent(ReleaseGeography.boundariesName))
        #expect(features.count == Gazetteer.cityCount)
        var outside: [String] = []
        for feature in features {
            let properties = try #require(feature["properties"] as? [String: Any])
            let city = try #require(properties["CityCode"] as? String)
            let geometry = try #require(feature["geometry"] as? [String: Any])
            #expect(geometry["type"] as? String == "MultiPolygon")
            let polygons = try #require(geometry["coordinates"] as? [[[[Double]]]])
            let point = try #require(points[city])
            // The outlines are simplified to 0.01° (about 1.1 km), so a
            // point near its border may fall just outside (Beitun's seat,
            // 659005, lies 0.16 km outside); farther is a wrong outline.
            if !Self.contains(polygons, (point[0], point[1])), Self.kilometresToEdge(polygons, (point[0], point[1])) > 1.5 { outside.append(city) }
            for year in years {
                for measure in ["Outdegree", "Indegree", "NodeDegree"] {
                    let column = "\(measure)_\(year)"
                    #expect(properties[column] as? Int == (expected[city]?[column] ?? 0), "\(city) \(column)")
                }
            }
        }
        #expect(outside == [], "cities whose point lies more than 1.5 km outside their own outline")
    }

    /// The GeoPackage as SQLite: its header, its registered layers, and
    /// as many features as the tables have rows.
    @Test func theGeoPackageHoldsThreeLayersInWGS84() throws {
        let release = try Self.release.get()
        let database = try SQLiteDatabase(reading: release.appendingPathComponent(ReleaseGeography.geoPackageName))
        #expect(try database.query("PRAGMA application_id").first?[0] == "1196444487")
        #expect(try database.query("PRAGMA user_version").first?[0] == "10300")
        let layers = try database.query("SELECT table_name, geometry_type_name, srs_id FROM gpkg_geometry_columns ORDER BY table_name")
        #expect(layers.map { $0.compactMap { $0 } } == [["cities", "POINT", "4326"], ["city_boundaries", "MULTIPOLYGON", "4326"],
                                                         ["undirected_edges", "LINESTRING", "4326"]])
        #expect(try database.query("SELECT count(*) FROM city_boundaries").first?[0] == String(Gazetteer.cityCount))
        let undirected = try CSVTable.read(release.appendingPathComponent(PublishStage.undirectedName + ".csv"))
        #expect(try database.query("SELECT count(*) FROM undirected_edges").first?[0] == String(undirected.rows.count))
        let magic = try database.query("SELECT hex(substr(geom, 1, 4)) FROM cities LIMIT 1").first?[0]
        #expect(magic == "47500001", "GP, version 0, little endian, no envelope")
    }

    /// GDAL, which QGIS and ArcGIS's open tools read through, opens every
    /// geometry file as WGS84 with the features the tables promise.
    /// Needs `ogrinfo` (Debian's gdal-bin, which .ci/run installs).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CI"] != nil || TestSupport.findExecutable("ogrinfo") != nil,
                   "install gdal-bin (.ci/run does)"))
    func gdalReadsTheGeometryFiles() throws {
        let release = try Self.release.get()
        let undirected = try CSVTable.read(release.appendingPathComponent(PublishStage.undirectedName + ".csv"))
        func ogrinfo(_ file: String) throws -> String {
            let (status, text) = try TestSupport.runTool("ogrinfo", ["-ro", "-so", "-al", release.appendingPathComponent(file).path])
            #expect(status == 0, "\(file): \(text)")
            #expect(!text.contains("ERROR") && !text.contains("Warning"), "\(file): \(text)")
            return text
        }
        let package = try ogrinfo(ReleaseGeography.geoPackageName)
        let blocks = package.components(separatedBy: "Layer name: ").dropFirst()
        for (layer, geometry, count) in [("cities", "Point", Gazetteer.cityCount), ("city_boundaries", "Multi Polygon", Gazetteer.cityCount),
                                         ("undirected_edges", "Line String", undirected.rows.count)] {
            let block = blocks.first { $0.hasPrefix(layer + "\n") } ?? ""
            #expect(block.contains("Geometry: \(geometry)\n") && block.contains("Feature Count: \(count)\n"), "\(layer): \(package)")
        }
        for file in ["Cities.geojson", ReleaseGeography.boundariesName, PublishStage.undirectedName + ".geojson", ReleaseGeography.geoPackageName] {
            let text = try ogrinfo(file)
            #expect(text.contains("ID[\"EPSG\",4326]") || text.contains("AUTHORITY[\"EPSG\",\"4326\"]"), "\(file) is not read as WGS84: \(text)")
        }
        #expect(try ogrinfo(ReleaseGeography.boundariesName).contains("NodeDegree_2020: Integer"))
    }
}
