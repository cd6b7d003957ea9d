import Foundation
import Testing
@testable import IIN

/// County-level resolution, case by case, with answers looked up by hand
/// in the 2020 division table and the areacodes crosswalk.
@Suite("County-level resolution")
struct CountyResolutionTests {
    /// A unified credit code of a division code, with a right check character.
    static func creditCode(_ division: Int) -> String {
        let organisation = "MA6CXQ1T"
        let first17 = "91" + String(division) + organisation + String(CreditCode.organisationCheck(organisation) ?? "0")
        return first17 + String(CreditCode.checkCharacter(first17) ?? "0")
    }

    static func side(region: String = "", creditCode: String = "", address: String = "", name: String = "星辰科技有限公司") -> PartyText {
        PartyText(name: name, creditCode: creditCode, region: region, address: address)
    }

    @Test func aSideThatNamesOnlyItsCityHasNoCounty() throws {
        let geocoder = try TestSupport.defaultGeocoder()
        for text in ["贵州省贵阳市", "贵阳市", "贵阳"] {
            let outcome = geocoder.resolve(Self.side(region: text))
            #expect(outcome.answer == .city(520100), "\(text)")
            #expect(outcome.county == 0, "\(text): names no county of Guiyang")
        }
        // 朝阳 alone is Chaoyang city (Liaoning) and its county 朝阳县: the
        // name names the city there, so no county.
        let chaoyang = geocoder.resolve(Self.side(region: "辽宁省朝阳市"))
        #expect(chaoyang.answer == .city(211300) && chaoyang.county == 0)
    }

    @Test func aNamedCountyResolvesInsideItsCity() throws {
        let geocoder = try TestSupport.defaultGeocoder()
        #expect(geocoder.resolve(Self.side(region: "贵州省贵阳市云岩区")).county == 520103)
        #expect(geocoder.resolve(Self.side(region: "贵州省-贵阳市-南明区")).county == 520102)
        // 朝阳区 is Beijing's 110105 and Changchun's 220104: the city decides.
        #expect(geocoder.resolve(Self.side(region: "北京市朝阳区")).county == 110105)
        #expect(geocoder.resolve(Self.side(region: "吉林省长春市朝阳区")).county == 220104)
        // The region names the city only; the address names the county.
        #expect(geocoder.resolve(Self.side(region: "北京市", address: "朝阳区建国路88号")).county == 110105)
        // An address of another city names none of this city's units,
        // though both have a 白云区 (or a 朝阳区).
        #expect(geocoder.resolve(Self.side(region: "贵阳市", address: "广东省广州市白云区机场路")).county == 0)
        #expect(geocoder.resolve(Self.side(region: "长春市", address: "北京市朝阳区建国路88号")).county == 0)
        #expect(geocoder.resolve(Self.side(region: "贵阳市", address: "贵阳市白云区")).county == 520113)
        // Two addresses in two counties of one city: no one county.
        let two = geocoder.resolve(Self.side(region: "北京市", address: "北京市朝阳区建国路88号；北京市海淀区中关村大街1号"))
        #expect(two.answer == .city(110000) && two.county == 0)
    }

    @Test func aCreditCodeCarriesItsCounty() throws {
        let geocoder = try TestSupport.defaultGeocoder()
        // The region names Guiyang only; the unified code is of 云岩区.
        let outcome = geocoder.resolve(Self.side(region: "贵阳市", creditCode: Self.creditCode(520103)))
        #expect(outcome.answer == .city(520100))
        #expect(outcome.county == 520103)
        // A code of the city itself names no county.
        #expect(geocoder.resolve(Self.side(region: "贵阳市", creditCode: Self.creditCode(520100))).county == 0)
        // A county code outside the side's city is not taken.
        #expect(geocoder.resolve(Self.side(region: "贵阳市", creditCode: Self.creditCode(520302))).county == 0)
    }

    @Test func countiesMovedBetweenCitiesLandInTheir2020City() throws {
        let geocoder = try TestSupport.defaultGeocoder()
        // 钢城区 was Laiwu's (371203) until 2018; since then Jinan's 370117.
        let byName = geocoder.resolve(Self.side(region: "山东省莱芜市钢城区"))
        #expect(byName.answer == .city(370100) && byName.county == 370117)
        // A 15-digit registration number issued under Laiwu's 371203.
        let byCode = geocoder.resolve(Self.side(creditCode: "371203000012345"))
        #expect(byCode.answer == .city(370100) && byCode.county == 370117)
        // 莱城区 (371202) ceded towns to 钢城 in 2006 before it became
        // 莱芜区 (370116): its area went to two units, so it names Jinan but
        // no county.
        let split = geocoder.resolve(Self.side(region: "山东省莱芜市莱城区"))
        #expect(split.answer == .city(370100) && split.county == 0)
        // 襄樊市 is Xiangyang's former name (a city); 樊城区 below it is Xiangyang's 420606.
        #expect(geocoder.resolve(Self.side(region: "湖北省襄樊市樊城区")).county == 420606)
    }

    @Test func aCityWithoutCountiesIsItsOwnUnit() throws {
        let geocoder = try TestSupport.defaultGeocoder()
        let dongguan = geocoder.resolve(Self.side(region: "广东省东莞市"))
        #expect(dongguan.answer == .city(441900) && dongguan.county == 441900)
        #expect(try TestSupport.gazetteer().countyLevelUnits.count == 2844 + 4)
    }

    /// End to end: each case as a record, run at county level in Guizhou,
    /// lands where the accounting says.
    @Test func theAccountingCountsCountyUnresolvedAndOutsideRegion() throws {
        let header = "记录编号,投资方名称,投资方统一社会信用代码,投资方所属地区,投资方地址,被投资方名称,被投资方统一社会信用代码,被投资方所属地区,被投资方地址,实缴出资额,出资日期,关系类型,备注\n"
        let rows = [
            // Both sides in a county of Guizhou: counted.
            "R1,甲公司,\(Self.creditCode(520103)),贵州省贵阳市,,乙公司,,贵州省遵义市汇川区,,,2020-01-01,,",
            // The investee names only Zunyi: county_unresolved.
            "R2,丙公司,,贵州省贵阳市南明区,,丁公司,,遵义市,,,2020-02-01,,",
            // The investee is in Beijing: outside_region.
            "R3,戊公司,,贵州省贵阳市南明区,,己公司,,北京市朝阳区,,,2020-03-01,,",
        ]
        let project = try TestSupport.scratchProject("county-accounting")
        let raw = project.appendingPathComponent("raw/records.csv")
        try TestSupport.write(header + rows.joined(separator: "\n") + "\n", to: raw)
        let pipelineFile = project.appendingPathComponent("pipeline.json")
        var pipeline = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: pipelineFile)) as? [String: Any])
        var stages = try #require(pipeline["stages"] as? [[String: Any]]).filter { ($0["kind"] as? String) != "validate" }
        let aggregate = try #require(stages.firstIndex { ($0["kind"] as? String) == "aggregate" })
        stages[aggregate]["params"] = ["resolution": "county", "region": ["name": "guizhou", "codes": [520000]], "slices": ["years": [2020]]]
        pipeline["stages"] = stages
        try JSONSerialization.data(withJSONObject: pipeline).write(to: pipelineFile)
        let workspace = try TestSupport.workspace(project, raw: raw.path)
        let release = workspace.releaseFolder(override: nil)
        #expect(release.path.hasSuffix("release/county-guizhou"))
        let (log, _) = try workspace.runCollecting(release: release)
        let total = try #require(Workspace.accounting(of: log.results, in: workspace.pipeline)).total
        #expect(total.rowsRead == 3 && total.kept == 1 && total.exclusions(.countyUnresolved) == 1 && total.exclusions(.outsideRegion) == 1)
        #expect(total.unaccounted == 0)
        let directed = try String(contentsOf: release.appendingPathComponent("Directed intercounty investment network dataset.csv"), encoding: .utf8)
        #expect(directed.split(separator: "\n").dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: ",") } == ["520103-520303,1"])
        let units = try CSVTable.read(release.appendingPathComponent("Units.csv"))
        #expect(units.rows.count == 88)
    }
}

/// What the fresh-clone review broke, each case kept.
@Suite("Scoped releases under hostile use")
struct ScopedReleaseHostileTests {
    /// A scratch project whose aggregate is scoped to Guizhou at county
    /// level, without validate.
    static func guizhouProject(_ name: String, regionName: String = "guizhou") throws -> URL {
        let project = try TestSupport.scratchProject(name)
        let pipelineFile = project.appendingPathComponent("pipeline.json")
        var pipeline = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: pipelineFile)) as? [String: Any])
        var stages = try #require(pipeline["stages"] as? [[String: Any]]).filter { ($0["kind"] as? String) != "validate" }
        let aggregate = try #require(stages.firstIndex { ($0["kind"] as? String) == "aggregate" })
        stages[aggregate]["params"] = ["resolution": "county", "region": ["name": regionName, "codes": [520000]]]
        pipeline["stages"] = stages
        try JSONSerialization.data(withJSONObject: pipeline).write(to: pipelineFile)
        return project
    }

    /// A 260-character name passed loading and failed only when the
    /// release was placed, after every stage had run; "-" made `county--`.
    @Test(arguments: [String(repeating: "g", count: 65), "-", "--x"])
    func aRegionNameThatCannotNameAFolderIsRefusedWhenThePipelineLoads(name: String) throws {
        let project = try Self.guizhouProject("region-name-\(name.count)-\(name.first!)", regionName: name)
        #expect(throws: IINError.self) { try TestSupport.workspace(project) }
    }

    /// A national and a scoped run at the same time lost or deleted the
    /// scoped release: the scoped placement now also takes the lock the
    /// national one holds, and says it is busy while it is held.
    @Test func aScopedPlacementWaitsForNoNationalOneItRefusesWhileOneRuns() throws {
        let project = try Self.guizhouProject("scoped-busy")
        let workspace = try TestSupport.workspace(project)
        let release = workspace.releaseFolder(override: nil)
        // The national placement's lock: the folder holding release/.
        let descriptor = open(project.path, O_RDONLY | O_DIRECTORY)
        #expect(descriptor >= 0 && flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        defer { close(descriptor) }
        #expect {
            _ = try workspace.runCollecting(release: release)
        } throws: { error in
            guard case .releaseFolderBusy? = error as? IINError else { return false }
            return true
        }
        #expect(!FileManager.default.fileExists(atPath: release.path))
    }

    /// What a killed scoped placement leaves inside the national release
    /// (`.county-guizhou.partial-PID`) made the next national run refuse
    /// the release as not its own, and was carried into it when it held a
    /// manifest.
    @Test func aKilledScopedPlacementsLeftoverNeitherBlocksNorJoinsTheNationalRelease() throws {
        let project = try TestSupport.scratchProject("scoped-leftover")
        let workspace = try TestSupport.workspace(project)
        let release = project.appendingPathComponent("release")
        _ = try workspace.runCollecting(release: release)
        let leftover = release.appendingPathComponent(".county-guizhou.partial-999999")
        try TestSupport.write("half a table\n", to: leftover.appendingPathComponent("Units.csv"))
        try FileManager.default.copyItem(at: release.appendingPathComponent("manifest.json"), to: leftover.appendingPathComponent("manifest.json"))
        _ = try workspace.runCollecting(force: ["publish"], release: release)
        let manifest = try String(contentsOf: release.appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(!manifest.contains("partial"))
        let audit = try ReleaseAudit(release: release, gazetteer: TestSupport.gazetteer(), preferWorkbooks: false).run()
        let failing = audit.filter { !$0.passed }.map(\.failures)
        #expect(failing.isEmpty, "\(failing)")
    }

    /// The boundaries swap Sansha's codes (their README: Amap's 460301 is
    /// 西沙区, MCA's 460302; Amap's 460302 is 南沙区, MCA's 460303). Looked
    /// up by hand: 西沙区 holds 永兴岛 (Woody Island, 112.34 E 16.83 N),
    /// and the Paracels, Macclesfield Bank and Scarborough Shoal it
    /// administers all lie north of 13 N; 南沙区's islands and reefs, from
    /// 曾母暗沙 (3.97 N) to the northern Spratlys, all lie south of 12 N.
    @Test func sanshasTwoDistrictsHaveTheirOwnOutlines() throws {
        let outlines = try TestSupport.gazetteer().countyOutlines()
        func points(_ code: Int) -> [OutlineFile.Point] { (outlines[code] ?? []).flatMap { $0.flatMap { $0 } } }
        let xisha = (outlines[460302] ?? []).map { polygon in polygon.map { ring in ring.map { [$0.longitude, $0.latitude] } } }
        #expect(ReleaseGeographyTests.contains(xisha, (112.34, 16.83)))
        #expect(!points(460302).isEmpty && points(460302).allSatisfy { $0.latitude > 13 })
        #expect(!points(460303).isEmpty && points(460303).allSatisfy { $0.latitude < 12 })
    }
}
