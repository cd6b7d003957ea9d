import Foundation
import Testing
@testable import IIN

/// Distance decay, backbone, localisation, communities and the degree
/// table on a hand-made release.
@Suite("Validation: structure")
struct StructureChecksTests {
    func release() throws -> URL {
        let folder = TestSupport.temporaryFolder("structure")
        let header = "InvestorCityCode,InvesteeCityCode,InvestmentFrequency,InvestmentYear,Distance_km\n"
        try TestSupport.write(header + "110000,120000,6,2020,10\n110000,130100,3,2020,60\n120000,130100,1,2020,160\n",
                              to: folder.appendingPathComponent(PublishStage.directedName + ".csv"))
        try TestSupport.write(header + "110000,110000,9,2020,0\n110000,120000,6,2020,10\n110000,130100,3,2020,60\n120000,130100,1,2020,160\n",
                              to: folder.appendingPathComponent(PublishStage.directedIntracityName + ".csv"))
        let undirected = "CityACode,CityBCode,InvestmentFrequency,InvestmentYear,Distance_km\n"
        try TestSupport.write(undirected + "110000,120000,5,2020,1\n110000,130100,4,2020,1\n120000,130100,3,2020,1\n130100,140100,1,2020,1\n",
                              to: folder.appendingPathComponent(PublishStage.undirectedName + ".csv"))
        try TestSupport.write("CityCode,Outdegree,Indegree,NodeDegree,InvestmentYear\n110000,9,0,9,2020\n120000,1,6,7,2020\n130100,0,4,4,2020\n",
                              to: folder.appendingPathComponent(PublishStage.metricName + ".csv"))
        return folder
    }

    @Test func distanceDecayBinsSharesAndFitsTheLogLogLine() throws {
        let decay = try StructureChecks(reader: ReleaseReader(folder: release(), preferWorkbooks: false)).distanceDecay()
        let slice = try #require(decay["slices"]?.arrayValue?.first)
        let bins = try #require(slice["bins"]?.arrayValue)
        #expect(bins.map { $0["from_km"]?.doubleValue } == [0, 50, 150])
        #expect(bins.map { $0["share"]?.doubleValue } == [0.6, 0.3, 0.1])
        // By hand: points (ln 25, ln 0.6), (ln 75, ln 0.3), (ln 175, ln 0.1).
        let x = [log(25.0), log(75.0), log(175.0)], y = [log(0.6), log(0.3), log(0.1)]
        let meanX = x.reduce(0, +) / 3, meanY = y.reduce(0, +) / 3
        let slope = zip(x, y).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) } / x.reduce(0) { $0 + ($1 - meanX) * ($1 - meanX) }
        #expect(abs((slice["slope"]?.doubleValue ?? 0) - slope) < 1e-12)
        #expect(slope < 0)
    }

    @Test func theBackboneIsTheMaximumSpanningTree() throws {
        let backbone = try StructureChecks(reader: ReleaseReader(folder: release(), preferWorkbooks: false)).backbone()
        let slice = try #require(backbone["slices"]?.arrayValue?.first)
        #expect(slice["edges"]?.intValue == 3)
        #expect(slice["total_weight"]?.intValue == 10) // 5 + 4 + 1: the 3 between 120000 and 130100 closes a cycle
        #expect(slice["hubs"]?.arrayValue?.first?["city"]?.stringValue == "110000")
        #expect(slice["hubs"]?.arrayValue?.first?["tree_degree"]?.intValue == 2)
    }

    @Test func localisationComparesIntracityWithOutward() throws {
        let local = try StructureChecks(reader: ReleaseReader(folder: release(), preferWorkbooks: false)).localisation()
        let slice = try #require(local["slices"]?.arrayValue?.first)
        #expect(slice["intracity_share"]?.doubleValue == 9.0 / 19.0)
        let beijing = slice["cities"]?.arrayValue?.first { $0["city"]?.stringValue == "110000" }
        #expect(beijing?["intracity"]?.intValue == 9 && beijing?["outward"]?.intValue == 9)
    }

    @Test func theDegreeTableRanksByNodeDegreeWithCentrality() throws {
        let table = try StructureChecks(reader: ReleaseReader(folder: release(), preferWorkbooks: false)).degreeTable()
        let slice = try #require(table["slices"]?.arrayValue?.first)
        let top = try #require(slice["top"]?.arrayValue)
        #expect(top.map { $0["city"]?.stringValue } == ["110000", "120000", "130100"])
        #expect(top.map { $0["outbound"]?.intValue } == [9, 1, 0] && top.map { $0["inbound"]?.intValue } == [0, 6, 4])
        // Each of the three cities is linked with both others.
        #expect(top.allSatisfy { $0["degree_centrality"]?.doubleValue == 1 })
    }

    @Test func communitiesCoverEveryCityOfTheSlice() throws {
        let communities = try StructureChecks(reader: ReleaseReader(folder: release(), preferWorkbooks: false)).communities(seed: 1)
        let slice = try #require(communities["slices"]?.arrayValue?.first)
        #expect(slice["membership"]?.objectValue?.keys.sorted() == ["110000", "120000", "130100", "140100"])
        #expect((slice["sizes"]?.arrayValue ?? []).compactMap(\.intValue).reduce(0, +) == 4)
    }
}
