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
        ("440100-440600", "2020", "113.264385", "23.129110", "113.121435", "23.021478", "18.897"),
        ("510100-420500", "2000", "104.066794", "30.572893", "111.286445", "30.691865", "690.771"),
        ("653100-330100", "2020", "75.989741", "39.470460", "120.209789", "30.246920", "4119.603"),
    ])
    func distanceIsTheHaversineToThreeDecimals(dyad: String, year: String, lng1: String, lat1: String, lng2: String, lat2: String, kilometres: String) throws {
        let matching = try Self.rows(PublishStage.directedName).filter { $0["CityDyad"] == dyad && $0["InvestmentYear"] == year }
        let row = try #require(matching.count == 1 ? matching.first : nil, "\(dyad) \(year): \(matching.count) rows")
        #expect([row["InvestorCity_LNG"], row["InvestorCity_LAT"], row["InvesteeCity_LNG"], row["InvesteeCity_LAT"]] == [lng1, lat1, lng2, lat2])
        #expect(row["Distance_km"] == kilometres)
    }

    /// Table 1, directed 2020, from the truth file's kept investments and
    /// the two records the overrides table resolves (R000000332,
    /// R000002431): 439 dyads over 256 cities summing to 472; mean
    /// 472 / 439; 414 dyads of 1, 20 of 2, 2 of 3 and 3 of 4 give the
    /// median 1 and the sample SD 0.3463.
    @Test func oneTable1RowByHand() throws {
        let row = try #require(try Self.rows(PublishStage.statisticsName).first { $0["Type"] == "Directed" && $0["Year"] == "2020" })
        let figures = ["Nodes", "Dyads", "Sum", "Mean", "Min", "Median", "Max", "SD"].map { row[$0] ?? "" }
        #expect(figures == ["256", "439", "472", "1.0752", "1", "1.0", "4", "0.3463"])
    }

    /// Beijing and Guangzhou in 2020. Guangzhou's indegree of 3 is shared
    /// by 34 cities, 25 cities receive more: ties share the lowest rank.
    @Test(arguments: [("110000", ["23", "19", "42", "4", "2", "3"]), ("440100", ["6", "3", "9", "9", "26", "13"])])
    func oneCitysDegreesAndRanks(city: String, expected: [String]) throws {
        let row = try #require(try Self.rows(PublishStage.metricName).first { $0["CityCode"] == city && $0["InvestmentYear"] == "2020" })
        #expect(["Outdegree", "Indegree", "NodeDegree", "Rank_out", "Rank_in", "Rank_node"].map { row[$0] ?? "" } == expected)
    }
}
