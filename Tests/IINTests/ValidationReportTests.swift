import Foundation
import Testing
@testable import IIN

/// The validation report as reviewers read it, and the floors that fail a
/// build.
@Suite("Validation report", .serialized)
struct ValidationReportTests {
    /// Charts the default data must produce: every comparison has its input.
    static let expectedCharts = ["mobility-directed-scatter", "mobility-directed-qq", "mobility-undirected-scatter", "mobility-undirected-qq",
                                 "gravity-2020-scatter", "gravity-2020-qq", "distance-decay", "map-degree", "map-communities",
                                 "choropleth-2000-node-degree", "choropleth-2020-out-degree", "choropleth-2020-in-degree"]

    struct Page {
        var sections: [String] = []
        var charts: [String: Int] = [:]
        var text = ""
    }

    /// Reads the page as XML (it is written well-formed): section ids in
    /// order, and per chart the number of marks (circles, lines) drawn.
    static func parse(_ url: URL) throws -> Page {
        var page = Page()
        var chart: String?
        var depth = 0
        let stream = XMLStream(path: url.path)
        stream.onStart = { name, attributes in
            if XMLStream.equal(name, "section"), let id = attributes.first(where: { $0.named("id") }) { page.sections.append(id.string) }
            if XMLStream.equal(name, "svg") {
                if let id = attributes.first(where: { $0.named("data-chart") }) { chart = id.string; depth = 0; page.charts[id.string] = 0 }
                depth += 1
            }
            if let current = chart, XMLStream.equal(name, "circle") || XMLStream.equal(name, "polyline") || XMLStream.equal(name, "use") { page.charts[current, default: 0] += 1 }
        }
        stream.onEnd = { name in
            if XMLStream.equal(name, "svg"), chart != nil {
                depth -= 1
                if depth == 0 { chart = nil }
            }
        }
        stream.onText = { page.text += String(decoding: $0, as: UTF8.self) }
        try stream.feed(try Data(contentsOf: url))
        try stream.finish()
        return page
    }

    @Test func defaultRunWritesAPageWithEverySectionAndChart() throws {
        let release = try TestSupport.defaultRelease()
        let page = try Self.parse(release.appendingPathComponent(ValidateStage.pageFile))
        #expect(page.sections == ValidationPage.sections.map(\.id))
        for chart in Self.expectedCharts {
            #expect((page.charts[chart] ?? 0) > 0, "chart \(chart) is missing or empty: \(page.charts)")
        }
        // Figures on the page are those of the JSON beside it.
        let report = try JSONValue.parse(Data(contentsOf: release.appendingPathComponent(ValidateStage.reportFile)))
        let modularity = try #require(report["figures"]?["communities.2020.modularity"]?.doubleValue)
        #expect(page.text.contains(String(format: "%.4g", modularity)))
        let gravity = try #require(report["sections"]?["gravity"]?["slices"]?.arrayValue?.last)
        #expect(page.text.contains(String(format: "%.4g", try #require(gravity["pearson_r"]?.doubleValue))))
        // Nothing is fetched when the page is opened.
        let html = try String(contentsOf: release.appendingPathComponent(ValidateStage.pageFile), encoding: .utf8)
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/") })
        #expect(!html.contains("https://") && !html.contains("<script"))
    }

    @Test func everyComparisonRanOnTheDefaultData() throws {
        let release = try TestSupport.defaultRelease()
        let report = try JSONValue.parse(Data(contentsOf: release.appendingPathComponent(ValidateStage.reportFile)))
        let sections = try #require(report["sections"])
        for name in ["mobility", "gravity", "top20", "communities", "backbone", "distance_decay", "localisation", "headquarters_branch", "accounting"] {
            #expect(sections[name] != nil && sections[name]?["skipped"] == nil, "\(name) did not run")
        }
        let fit = try #require(sections["gravity"]?["slices"]?.arrayValue?.last)
        let profile = try #require(fit["profile"]?["rmse"]?.doubleValue), swarm = try #require(fit["swarm"]?["rmse"]?.doubleValue)
        #expect(swarm >= profile - 1e-9 && swarm <= profile * 1.01, "swarm \(swarm) against profile \(profile)")
        #expect(try #require(sections["top20"]?["comparisons"]?.arrayValue).count == 2)

        // Each fitted slice says how well beta is identified, and the page
        // says it in words.
        let slices = try #require(sections["gravity"]?["slices"]?.arrayValue)
        try #require(slices.compactMap { $0["year"]?.intValue } == [2000, 2005, 2010, 2015, 2020])
        let page = try String(contentsOf: release.appendingPathComponent(ValidateStage.pageFile), encoding: .utf8)
        #expect(page.contains("Is beta identified?"))
        for slice in slices {
            let identification = try #require(slice["beta_identification"], "\(slice["year"]?.intValue ?? 0)")
            let low = try #require(identification["low"]?.doubleValue), high = try #require(identification["high"]?.doubleValue)
            let beta = try #require(slice["profile"]?["beta"]?.doubleValue)
            #expect(low <= beta && beta <= high)
            let sentence = try #require(identification["sentence"]?.stringValue)
            #expect(sentence.hasPrefix("beta is ") && (identification["identified"]?.boolValue == true) == sentence.hasPrefix("beta is identified"))
            #expect(page.contains(sentence), "\(sentence)")
        }
        // On the default data: 2000's and 2005's pairs all have frequency
        // 1; 2010 and 2015 fit best at beta = 0, the box's bound; 2020 is
        // identified. Each kind of sentence is met.
        let sentences = slices.map { $0["beta_identification"]?["sentence"]?.stringValue ?? "" }
        for year in [0, 1] {
            #expect(sentences[year].hasPrefix("beta is not identified: every pair has the same frequency"), "\(sentences[year])")
        }
        #expect(sentences[2].hasPrefix("beta is not estimated: the best fit lies on the bound beta = 0"), "\(sentences[2])")
        #expect(sentences[3].hasPrefix("beta is not estimated: the best fit lies on the bound beta = 0"), "\(sentences[3])")
        #expect(sentences[4].hasPrefix("beta is identified"), "\(sentences)")
    }

    /// Rewrites the validate stage's entry of a scratch project's pipeline.
    static func setValidate(_ project: URL, params: String, inputs: String? = "[\"mobility\", \"gdp\", \"top_lists\"]") throws {
        let file = project.appendingPathComponent("pipeline.json")
        var text = try String(contentsOf: file, encoding: .utf8)
        let line = text.components(separatedBy: "\n").first { $0.contains("\"kind\": \"validate\"") }!
        let replacement = "    {\"name\": \"validate\", \"kind\": \"validate\", \"needs\": [\"geocode\", \"dedupe\", \"aggregate\", \"publish\"]" + (inputs.map { ", \"inputs\": \($0)" } ?? "") + ", \"params\": \(params)}"
        text = text.replacingOccurrences(of: line, with: replacement)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    @Test func aFloorAboveTheFigureFailsTheRunNamingIt() throws {
        let project = try TestSupport.scratchProject()
        let figure = "communities.2020.modularity"
        try Self.setValidate(project, params: "{\"thresholds\": {\"\(figure)\": 0.1}}")
        let passing = try TestSupport.runIIN(["run", "--input", "raw=\(TestSupport.defaultRaw)"], in: project)
        #expect(passing.status == 0, "\(passing.errors)")
        let releaseReport = project.appendingPathComponent("release/\(ValidateStage.reportFile)")
        let first = try Data(contentsOf: releaseReport)
        let firstReport = try JSONValue.parse(first)
        let value = try #require(firstReport["figures"]?[figure]?.doubleValue)
        #expect(firstReport["thresholds"]?.arrayValue?.first?["passed"]?.boolValue == true)
        // The page's summary row: figure, value, floor, verdict, in that order.
        let page = try String(contentsOf: project.appendingPathComponent("release/\(ValidateStage.pageFile)"), encoding: .utf8)
        let row = "<tr><td class=\"t\">\(figure)</td><td>\(String(format: "%.4g", value))</td><td>0.1</td><td class=\"t\"><span class=\"pass\">pass</span></td></tr>"
        #expect(page.contains(row), "no row \(row)")

        let floor = value + 0.01
        try Self.setValidate(project, params: "{\"thresholds\": {\"\(figure)\": \(floor)}}")
        let failing = try TestSupport.runIIN(["run", "--input", "raw=\(TestSupport.defaultRaw)"], in: project)
        #expect(failing.status == 3)
        #expect(failing.errors.contains("\(figure) = \(value) is below the floor \(floor)"), "\(failing.errors)")
        let after = try Data(contentsOf: releaseReport)
        #expect(after == first, "a failed validation leaves the release as it was")

        try Self.setValidate(project, params: "{\"thresholds\": {\"communities.2020.modularty\": 0.1}}")
        let typo = try TestSupport.runIIN(["run", "--input", "raw=\(TestSupport.defaultRaw)"], in: project)
        #expect(typo.status == 1)
        // Refused when the pipeline loads, before any stage runs, with the
        // forms a figure name may take.
        #expect(typo.errors.contains("no figure is called 'communities.2020.modularty'") && typo.errors.contains("communities.YEAR.modularity"), "\(typo.errors)")
        #expect(!typo.output.contains(" ran "), "\(typo.output)")
    }

    @Test func absentInputsAreSkippedAndAFloorOnThemFails() throws {
        let project = try TestSupport.scratchProject()
        try Self.setValidate(project, params: "{\"thresholds\": {\"mobility.undirected.loglog_r2\": 0.01}}", inputs: nil)
        let result = try TestSupport.runIIN(["run", "--input", "raw=\(TestSupport.defaultRaw)"], in: project)
        #expect(result.status == 3)
        #expect(result.errors.contains("mobility.undirected.loglog_r2 was not computed"), "\(result.errors)")
        let kept = try JSONValue.parse(Data(contentsOf: project.appendingPathComponent(".iin/reports/validation-failed.json")))
        for name in ["mobility", "gravity"] {
            #expect(kept["sections"]?[name]?["skipped"]?.stringValue?.contains("input in pipeline.json") == true, "\(name)")
        }
        #expect(kept["sections"]?["top20"]?["comparisons"] == .null)
        #expect(kept["sections"]?["top20"]?["slices"]?.arrayValue?.isEmpty == false, "our own top 20 needs no input")
    }

    @Test func aBadReferenceCellIsNamedByFileRowAndColumn() throws {
        let folder = TestSupport.temporaryFolder()
        let gdp = folder.appendingPathComponent("gdp.csv")
        try TestSupport.write("city_code,year,gdp\n110000,2020,36102.6\n120000,2020,-5\n", to: gdp)
        #expect(throws: IINError.invalidTableCell(path: gdp.path, row: 3, column: "gdp", value: "-5", expected: "a positive number")) {
            try ReferenceInputs.gdp(gdp, gazetteer: TestSupport.gazetteer())
        }
        let lists = folder.appendingPathComponent("lists.csv")
        try TestSupport.write("source,year,rank,city\nA,2020,1,北京\nA,2020,2,Shanghai\nA,2020,3,Gotham\n", to: lists)
        #expect(throws: IINError.invalidTableCell(path: lists.path, row: 4, column: "city", value: "Gotham", expected: "a 2020 city code or a city's Chinese or English name")) {
            try ReferenceInputs.topLists(lists, gazetteer: TestSupport.gazetteer())
        }
        let mobility = folder.appendingPathComponent("mobility.csv")
        try TestSupport.write("origin_code,destination_code,flow\n110000,999999,5\n", to: mobility)
        #expect(throws: IINError.invalidTableCell(path: mobility.path, row: 2, column: "destination_code", value: "999999", expected: "one of the 367 city codes of 2020")) {
            try ReferenceInputs.mobility(mobility, gazetteer: TestSupport.gazetteer())
        }
    }
}

@Suite("Validation: gravity on economic distances")
struct EconomicDistanceTests {
    /// Economic distances twice the kilometres change nothing but k:
    /// k M M / (2D)^beta = (k / 2^beta) M M / D^beta, so the fitted beta, the
    /// RMSE and Pearson's r stay, and k grows by 2^beta.
    @Test func doubledDistancesScaleOnlyK() throws {
        let release = try TestSupport.defaultRelease()
        let networks = try ReleaseNetworks(reader: ReleaseReader(folder: release, preferWorkbooks: false))
        let gazetteer = try TestSupport.gazetteer()
        let gdp = try ReferenceInputs.gdp(TestSupport.fixtures.appendingPathComponent("default/reference/gdp.csv"), gazetteer: gazetteer)
        let doubled = networks.undirected.filter { $0.year == 2020 }.map { ReferenceInputs.PairValue(from: $0.b, to: $0.a, value: 2 * $0.distance!) }
        let checks = ComparisonChecks(networks: networks)
        let geographic = checks.gravity(gdp: gdp, economicDistances: nil, seed: 1, cities: gazetteer.cities, threads: 2)
        let economic = checks.gravity(gdp: gdp, economicDistances: doubled, seed: 1, cities: gazetteer.cities, threads: 2)
        #expect(economic["distance"]?.stringValue?.hasPrefix("economic") == true)
        let plain = try #require(geographic["slices"]?.arrayValue?.last), scaled = try #require(economic["slices"]?.arrayValue?.last)
        #expect(scaled["pairs_without_distance"]?.intValue == 0)
        let beta = try #require(plain["profile"]?["beta"]?.doubleValue)
        #expect(abs(try #require(scaled["profile"]?["beta"]?.doubleValue) - beta) < 1e-6)
        let k = try #require(plain["profile"]?["k"]?.doubleValue), kScaled = try #require(scaled["profile"]?["k"]?.doubleValue)
        #expect(abs(kScaled / (k * pow(2, beta)) - 1) < 1e-5)
        #expect(abs(try #require(scaled["pearson_r"]?.doubleValue) - (try #require(plain["pearson_r"]?.doubleValue))) < 1e-6)
        // Slices whose pairs have no economic distance are left out, counted.
        let earlier = try #require(economic["slices"]?.arrayValue?.first)
        #expect((earlier["pairs_without_distance"]?.intValue ?? 0) > 0)
    }
}
