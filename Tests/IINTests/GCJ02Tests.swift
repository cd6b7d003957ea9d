import Foundation
import Testing
@testable import IIN

/// The datum conversion behind the release's GeoJSON, GeoPackage and
/// GraphML coordinates, checked against pairs other projects publish, not
/// against this code's own output.
@Suite("GCJ-02 and WGS84")
struct GCJ02Tests {
    /// (WGS84 longitude, latitude, GCJ-02 longitude, latitude). The first
    /// three are the test cases of googollee/eviltransform
    /// (python/test.py: Shanghai, Shenzhen, Beijing), the last the example
    /// in wandergis/coordtransform's test/app.js.
    static let published: [(wgs: (Double, Double), gcj: (Double, Double))] = [
        ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
        ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
        ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
        ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    ]

    /// Metres between two points on the sphere of outputs.md.
    static func metres(_ a: (Double, Double), _ b: (Double, Double)) -> Double {
        let first = City(code: 1, nameCN: "", nameEN: "", provinceCode: 0, provinceNameCN: "", level: .prefectureCity, longitude: a.0, latitude: a.1)
        let second = City(code: 2, nameCN: "", nameEN: "", provinceCode: 0, provinceNameCN: "", level: .prefectureCity, longitude: b.0, latitude: b.1)
        return first.distanceKilometres(to: second) * 1000
    }

    @Test func theForwardTransformGivesThePublishedGCJ02Points() {
        for pair in Self.published {
            let gcj = GCJ02.fromWGS84(longitude: pair.wgs.0, latitude: pair.wgs.1)
            #expect(abs(gcj.longitude - pair.gcj.0) < 1e-9, "\(pair)")
            #expect(abs(gcj.latitude - pair.gcj.1) < 1e-9, "\(pair)")
        }
    }

    @Test func theInverseFindsThePublishedWGS84PointsToUnderAMetre() {
        for pair in Self.published {
            let wgs = GCJ02.toWGS84(longitude: pair.gcj.0, latitude: pair.gcj.1)
            let error = Self.metres((wgs.longitude, wgs.latitude), pair.wgs)
            #expect(error < 0.01, "\(pair): \(error) m")
            // The offset itself is hundreds of metres: the test would see
            // a missing conversion.
            #expect(Self.metres(pair.gcj, pair.wgs) > 100)
        }
    }

    @Test func theInverseRoundTripsEverywhereInMainlandChina() {
        var worst = 0.0
        for longitude in stride(from: 74.0, through: 134.0, by: 0.7) {
            for latitude in stride(from: 18.0, through: 53.0, by: 0.7) {
                let wgs = GCJ02.toWGS84(longitude: longitude, latitude: latitude)
                let back = GCJ02.fromWGS84(longitude: wgs.longitude, latitude: wgs.latitude)
                worst = max(worst, Self.metres((back.longitude, back.latitude), (longitude, latitude)))
            }
        }
        #expect(worst < 0.01, "worst round trip \(worst) m")
    }

    /// The outlines' coordinates are spelled as `%.6f` would, trimmed.
    @Test func coordinatesAreSpelledAsSixDecimalsTrimmed() {
        for value in [116.39775550083061, -0.1276, 0.0000005, 120.0, 31.1, -89.999999, 0.000001, 1e-7, 135.5000004] {
            var expected = String(format: "%.6f", ReleaseGeography.round6(value))
            while expected.hasSuffix("0") { expected.removeLast() }
            if expected.hasSuffix(".") { expected.removeLast() }
            if expected == "-0" { expected = "0" }
            #expect(ReleaseGeography.number(ReleaseGeography.round6(value)) == expected, "\(value)")
        }
    }

    @Test func pointsOutsideTheOffsetBoxAreLeftAsTheyAre() {
        let london = GCJ02.toWGS84(longitude: -0.1276, latitude: 51.5072)
        #expect(london.longitude == -0.1276 && london.latitude == 51.5072)
    }
}
