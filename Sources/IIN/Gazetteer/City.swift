/// The kind of a 2020 city-level division, as the published CityInfo table
/// names it in its `Level` column.
public enum CityLevel: String, Sendable, CaseIterable, Codable {
    case municipality
    case prefectureCity = "prefecture_city"
    case autonomousPrefecture = "autonomous_prefecture"
    /// 地区
    case region
    /// 盟
    case league
    /// 省直辖县级行政单位: county-level units governed by the province.
    case provinceAdministeredCounty = "province_administered_county"
}

/// One of the 367 nodes of the network.
public struct City: Sendable, Hashable {
    public var code: Int
    public var nameCN: String
    public var nameEN: String
    public var provinceCode: Int
    public var provinceNameCN: String
    public var level: CityLevel
    public var longitude: Double
    public var latitude: Double
}

/// A county-level division of 2020 and the city that holds it.
public struct CountyUnit: Sendable, Hashable {
    public var code: Int
    public var name: String
    public var cityCode: Int
    /// Its point (GCJ-02, as the cities'): cpca's, or for the units cpca
    /// lacks its outline's centroid (`pointSource` "cpca", "outline"; "city"
    /// for a city that is its own unit); nil when neither source has one.
    public var longitude: Double? = nil
    public var latitude: Double? = nil
    public var pointSource: String? = nil
}

/// A division name in force at some time from 2000 to 2020 but not in
/// 2020, with its code and the 2020 cities now holding its area (several
/// when it was split).
public struct HistoricalUnit: Sendable, Hashable {
    public var code: Int
    public var name: String
    public var firstYear: Int
    public var lastYear: Int
    public var cities: [Int]
    /// The one county-level unit of 2020 its area went to; nil for a
    /// prefecture, and for a unit whose area was ever split between units.
    public var county: Int? = nil
}

/// A division code of any era (1981 on) that is not in the 2020 table,
/// with the 2020 cities now holding its area: none when the crosswalk
/// leads nowhere, several when the area was ever split.
public struct HistoricalCode: Sendable, Hashable {
    public var code: Int
    /// Its latest name.
    public var name: String
    public var firstYear: Int
    /// nil while still in force (a code first used after 2020).
    public var lastYear: Int?
    public var cities: [Int]
    /// The one county-level unit of 2020 its area went to, as for
    /// `HistoricalUnit.county`.
    public var county: Int? = nil
    /// How the crosswalk led there, one step per `|`, for `--explain`.
    public var chain: String
}

/// A province-level division of 2020 (including Hong Kong, Macao, Taiwan).
public struct Province: Sendable, Hashable {
    public var code: Int
    public var name: String
}

extension City {
    /// Great-circle distance on a sphere of the mean Earth radius
    /// (6371.0088 km, as outputs.md fixes it), by the haversine formula,
    /// which stays accurate for the short distances of neighbouring cities.
    public func distanceKilometres(to other: City) -> Double {
        let radius = 6371.0088
        let toRadians = Double.pi / 180
        let phi1 = latitude * toRadians
        let phi2 = other.latitude * toRadians
        let deltaPhi = (other.latitude - latitude) * toRadians
        let deltaLambda = (other.longitude - longitude) * toRadians
        let a = sinSquared(deltaPhi / 2) + cos(phi1) * cos(phi2) * sinSquared(deltaLambda / 2)
        return 2 * radius * asin(min(1, a.squareRoot()))
    }
}

private func sinSquared(_ x: Double) -> Double {
    let s = sin(x)
    return s * s
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
