import Foundation
import Testing
@testable import IIN

/// Values of the golden release worked out by hand, outside the pipeline
/// (with a calculator's haversine at R = 6371.0088 km, and by counting the
/// directed table's rows with a short script of its own; docs/testing.md):
/// the golden snapshot only says the release did not change, these say
/// that what it holds is right. Where they fail, the golden files are wrong.
@Suite("Spot values checked by hand")
struct SpotValueTests {
    static let golden = EndToEndTests.golden

    static func rows(_ table: String) throws -> [[String: String]] {
        let csv = try CSVTable.read(golden.appendingPathComponent(table + ".csv"))
        return csv.rows.map { Dictionary(uniqueKeysWithValues: zip(csv.header, $0)) }
    }

    /// The shortest, a middle and the longest directed link: coordinates
    /// and distance as printed.
    @Test(arguments: [
        ("140100-140700", "2015", "112.548879", "37.870590", "112.752652", "37.687357", "27.127"),
        ("610800-120000", "2020", "109.734474", "38.285369", "117.200983", "39.084158", "653.947"),
        ("653100-220200", "2020", "75.989741", "39.470460", "126.549572", "43.837883", "4162.921"),
    ])
    func distanceIsTheHaversineToThreeDecimals(dyad: String, year: String, lng1: String, lat1: String, lng2: String, lat2: String, kilometres: String) throws {
        let matching = try Self.rows(PublishStage.directedName).filter { $0["CityDyad"] == dyad && $0["InvestmentYear"] == year }
        let row = try #require(matching.count == 1 ? matching.first : nil, "\(dyad) \(year): \(matching.count) rows")
        #expect([row["InvestorCity_LNG"], row["InvestorCity_LAT"], row["InvesteeCity_LNG"], row["InvesteeCity_LAT"]] == [lng1, lat1, lng2, lat2])
        #expect(row["Distance_km"] == kilometres)
    }

    /// Table 1, directed 2020: 443 dyads over 251 cities summing to 489;
    /// mean 489 / 443; 411 dyads of 1, 24 of 2, 5 of 3 and 3 of 5 give
    /// the median 1 and the sample SD 0.4442.
    @Test func oneTable1RowByHand() throws {
        let row = try #require(try Self.rows(PublishStage.statisticsName).first { $0["Type"] == "Directed" && $0["Year"] == "2020" })
        let figures = ["Nodes", "Dyads", "Sum", "Mean", "Min", "Median", "Max", "SD"].map { row[$0] ?? "" }
        #expect(figures == ["251", "443", "489", "1.1038", "1", "1.0", "5", "0.4442"])
    }

    /// Beijing and Guangzhou in 2020. Guangzhou's indegree of 1 is shared
    /// by 97 cities, 108 cities receive more: ties share the lowest rank.
    @Test(arguments: [("110000", ["23", "12", "35", "4", "3", "4"]), ("440100", ["8", "1", "9", "7", "109", "17"])])
    func oneCitysDegreesAndRanks(city: String, expected: [String]) throws {
        let row = try #require(try Self.rows(PublishStage.metricName).first { $0["CityCode"] == city && $0["InvestmentYear"] == "2020" })
        #expect(["Outdegree", "Indegree", "NodeDegree", "Rank_out", "Rank_in", "Rank_node"].map { row[$0] ?? "" } == expected)
    }
}
