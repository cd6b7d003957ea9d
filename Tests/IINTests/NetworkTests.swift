import Foundation
import Testing
@testable import IIN

@Suite("Degrees, ranks, statistics and invariants")
struct NetworkTests {
    @Test func ranksShareTheLowestOnTies() {
        #expect(DegreeComputation.ranks([10, 7, 7, 3]) == [1, 2, 2, 4])
        #expect(DegreeComputation.ranks([1, 5, 5, 5, 9]) == [5, 2, 2, 2, 1])
        #expect(DegreeComputation.ranks([]) == [])
    }

    /// Outdegree is what a city invests elsewhere, indegree what it
    /// receives; intracity links count for neither.
    @Test func degreesFollowTheTextDefinitions() {
        let links = LinkTable(links: [
            .init(linkType: .investment, year: 2020, from: 110000, to: 110000, count: 50),
            .init(linkType: .investment, year: 2020, from: 110000, to: 310000, count: 5),
            .init(linkType: .investment, year: 2020, from: 310000, to: 110000, count: 2),
            .init(linkType: .investment, year: 2020, from: 440300, to: 110000, count: 3),
        ])
        let degrees = DegreeComputation.degrees(links)
        #expect(degrees.map(\.city) == [110000, 310000, 440300])
        #expect(degrees.map(\.outdegree) == [5, 2, 3])
        #expect(degrees.map(\.indegree) == [5, 5, 0])
        #expect(degrees.map(\.nodeDegree) == [10, 7, 3])
        #expect(degrees.map(\.rankOut) == [1, 3, 2])
        #expect(degrees.map(\.rankIn) == [1, 1, 3])
    }

    /// links.csv reads back as written; a damaged line is named, not
    /// skipped or read as zero.
    @Test func linkTableReadsBackWhatItWroteAndNamesADamagedLine() throws {
        let folder = TestSupport.temporaryFolder("links")
        let links = LinkTable(links: [
            .init(linkType: .investment, year: 2000, from: 110000, to: 110000, count: 27649),
            .init(linkType: .investment, year: 2020, from: 110000, to: 310000, count: 5),
            .init(linkType: .branch, year: 2020, from: 440300, to: 110000, count: 1_234_567),
        ])
        try links.write(to: folder)
        #expect(try LinkTable.read(from: folder) == links)
        let file = folder.appendingPathComponent(LinkTable.fileName)
        let text = try String(contentsOf: file, encoding: .utf8)
        for damaged in [text.replacingOccurrences(of: ",310000,", with: ",31OOOO,"), text.replacingOccurrences(of: "investment,2020", with: "invest,2020"),
                        String(text.dropLast()), text.replacingOccurrences(of: ",5\n", with: ",5,6\n")] {
            try Data(damaged.utf8).write(to: file)
            #expect(throws: IINError.self) { try LinkTable.read(from: folder) }
            do { _ = try LinkTable.read(from: folder) } catch {
                #expect(error.description.contains(damaged == String(text.dropLast()) ? "line 4" : "line 3"), "\(error.description)")
            }
        }
    }

    /// A slice year past 4095 (a review found such years silently out of
    /// every slice once links were counted in packed words): its links are
    /// counted like any other's. The weights are counted by hand.
    @Test func aSliceYearPast4095IsCounted() throws {
        let project = try TestSupport.scratchProject(#function)
        let pipeline = project.appendingPathComponent("pipeline.json")
        var text = try String(contentsOf: pipeline, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"max_year\": 2025", with: "\"max_year\": 9999")
        text = text.replacingOccurrences(of: "[2000, 2005, 2010, 2015, 2020]", with: "[2020, 5000]")
        try TestSupport.write(text, to: pipeline)
        let header = "记录编号,投资方名称,投资方统一社会信用代码,投资方所属地区,投资方地址,被投资方名称,被投资方统一社会信用代码,被投资方所属地区,被投资方地址,实缴出资额,出资日期,关系类型,备注"
        let rows = [
            "A1,北京甲科技有限公司,,北京市,,上海乙贸易有限公司,,上海市,,100万元,2020-05-01,,",
            "A2,北京丙科技有限公司,,北京市,,上海丁贸易有限公司,,上海市,,100万元,5000-01-01,,",
            "A3,北京戊科技有限公司,,北京市,,上海己贸易有限公司,,上海市,,100万元,5000-06-01,,",
            "A4,深圳庚科技有限公司,,广东省深圳市,,北京辛贸易有限公司,,北京市,,100万元,5000-12-31,,",
        ]
        let raw = project.appendingPathComponent("raw/far.csv")
        try TestSupport.write(([header] + rows).joined(separator: "\n") + "\n", to: try raw.creatingParent())
        let (log, _) = try TestSupport.workspace(project, raw: raw.path).runCollecting(release: project.appendingPathComponent("release"))
        let aggregate = try #require(log.results.first { $0.stage == "aggregate" }).artifact
        let far = try LinkTable.read(from: aggregate).links.filter { $0.year == 5000 }.map { "\($0.from)->\($0.to):\($0.count)" }
        #expect(far == ["110000->310000:2", "440300->110000:1"])
    }

    @Test func descriptiveStatistics() throws {
        let odd = try #require(DescriptiveStatistics(weights: [4, 1, 3], nodes: 3))
        #expect(odd.median == 3 && odd.sum == 8 && odd.minimum == 1 && odd.maximum == 4)
        #expect(abs(odd.standardDeviation! - 1.5275252316519468) < 1e-12)
        let even = try #require(DescriptiveStatistics(weights: [1, 2, 3, 10], nodes: 4))
        #expect(even.median == 2.5)
        #expect(even.mean == 4)
        #expect(DescriptiveStatistics(weights: [7], nodes: 2)?.standardDeviation == nil)
        #expect(DescriptiveStatistics(weights: [], nodes: 0) == nil)
    }

    @Test func windowSlicesHoldFiveYears() {
        let window = SliceScheme(mode: .window, years: [2000, 2005], width: 5)
        #expect(window.slices(of: 2004) == [2000])
        #expect(window.slices(of: 2005) == [2005])
        #expect(window.slices(of: 2010) == [])
        let point = SliceScheme(mode: .point, years: [2000, 2005], width: 5)
        #expect(point.slices(of: 2004) == [])
        #expect(point.slices(of: 2005) == [2005])
    }

    /// A release whose tables disagree fails the invariant checks with the
    /// numbers named, and a run that produced it does not replace the release.
    @Test func tamperedTablesBreakTheInvariants() throws {
        let project = try TestSupport.scratchProject()
        let release = project.appendingPathComponent("release")
        _ = try TestSupport.workspace(project).runCollecting(release: release)
        let gazetteer = try TestSupport.gazetteer()
        #expect(try InvariantChecks(release: release, gazetteer: gazetteer).run().allSatisfy(\.passed))

        let undirected = release.appendingPathComponent(PublishStage.undirectedName + ".csv")
        var lines = try String(contentsOf: undirected, encoding: .utf8).components(separatedBy: "\n")
        var cells = lines[1].components(separatedBy: ",")
        cells[1] = String(Int(cells[1])! + 1)
        lines[1] = cells.joined(separator: ",")
        try lines.joined(separator: "\n").write(to: undirected, atomically: true, encoding: .utf8)
        let checks = try InvariantChecks(release: release, gazetteer: gazetteer).run()
        let broken = try #require(checks.first { $0.id == "directed_equals_undirected" })
        #expect(!broken.passed)
        #expect(broken.failures.count == 1)
        #expect(broken.failures[0].contains("investment intercity \(cells[13])"))
        #expect(checks.filter { !$0.passed }.count == 1)
    }
}

@Suite("Dedupe digest set")
struct DigestSetTests {
    /// Property: the set agrees with Swift's Set through growth, repeats
    /// and the same pair in several years.
    @Test func agreesWithSet() throws {
        var random = SeededRandom(seed: 77)
        let digests = try DigestSet(expected: 10)
        var reference = Set<String>()
        for _ in 0..<50_000 {
            let pair = random.below(5_000)
            let digest = KeyDigest(investorKey: Array("甲\(pair)".utf8), investeeKey: Array("乙".utf8))
            let year = 2000 + random.below(3) * 5
            let type = random.chance(0.1) ? LinkType.branch : .investment
            let inserted = try digests.insert(digest, year: year, linkType: type)
            #expect(inserted == reference.insert("\(pair)-\(year)-\(type)").inserted)
        }
        #expect(digests.count == reference.count)
    }

    /// The one key whose folded form is the empty slot's (0, 0) is still
    /// a key: kept once, then a repeat; the same digest in another year
    /// is not.
    @Test func theKeyThatFoldsToZeroIsKept() throws {
        let digests = try DigestSet(expected: 10)
        let extra = UInt64(2020 << 1)
        let zero = KeyDigest(high: extra &* 0x9E37_79B9_7F4A_7C15, low: 0)
        #expect(try digests.insert(zero, extra: extra))
        #expect(try !digests.insert(zero, extra: extra))
        #expect(try digests.insert(zero, extra: UInt64(2015 << 1)))
        #expect(digests.count == 2)
    }

    /// Known answers of MurmurHash3 x64/128 (seed 0), as published with the
    /// reference implementation's test vectors.
    @Test func murmurKnownAnswers() {
        #expect(Array("".utf8).withUnsafeBytes { KeyDigest.murmur3($0) } == KeyDigest(high: 0, low: 0))
        let hello = Array("hello".utf8).withUnsafeBytes { KeyDigest.murmur3($0) }
        #expect(hello == KeyDigest(high: 0xCBD8_A7B3_41BD_9B02, low: 0x5B1E_906A_48AE_1D19))
    }
}
