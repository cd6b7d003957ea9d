import Foundation
import Testing
@testable import IIN

/// Every parameter of every stage is checked when the pipeline loads: a
/// misspelling in the last stage fails `iin status` and `iin run` before
/// the first stage spends a second, and the error names the file the user
/// gave, the JSON path and the valid choices.
@Suite("Parameters are checked when the pipeline loads")
struct ParameterCheckTests {
    /// A scratch project whose pipeline file is called `nightly.json`, with
    /// `edit` applied to its text.
    func project(_ name: String, _ edit: (String) -> String) throws -> URL {
        let folder = try TestSupport.scratchProject(name)
        let original = try String(contentsOf: folder.appendingPathComponent("pipeline.json"), encoding: .utf8)
        let edited = edit(original)
        #expect(edited != original, "the edit changed nothing")
        try TestSupport.write(edited, to: folder.appendingPathComponent("nightly.json"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("pipeline.json"))
        return folder
    }

    /// Runs status and run; both must fail with an error holding every
    /// fragment, and no stage may have run.
    func expectRefused(_ folder: URL, _ fragments: [String]) throws {
        for command in ["status", "run"] {
            let result = try TestSupport.runIIN([command, "--pipeline", "nightly.json", "--input", "raw=\(TestSupport.defaultRaw)"], in: folder)
            #expect(result.status == 1, "\(command): \(result.status) \(result.errors)")
            for fragment in ["nightly.json"] + fragments {
                #expect(result.errors.contains(fragment), "\(command): '\(fragment)' missing from: \(result.errors)")
            }
            #expect(!result.errors.contains("pipeline.json"), "\(command) names a file it was not given: \(result.errors)")
            #expect(!result.output.contains(" ran "), "\(command) ran a stage: \(result.output)")
            let artifacts = folder.appendingPathComponent(".iin/artifacts").path
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: artifacts)) ?? []).isEmpty, "\(command) left artifacts")
        }
    }

    @Test func aMisspeltGeocodingMethod() throws {
        let folder = try project(#function) { $0.replacingOccurrences(of: "\"credit_code\", \"address\"", with: "\"credit-code\", \"address\"") }
        try expectRefused(folder, ["$.stages[1].params.methods[2]", "'credit-code' is not allowed",
                                   "overrides, region, credit_code, address, name, external"])
    }

    /// No method at all would reject every record, minutes later.
    @Test func anEmptyMethodList() throws {
        let folder = try project(#function) { $0.replacingOccurrences(of: "[\"overrides\", \"region\", \"credit_code\", \"address\", \"name\"]", with: "[]") }
        try expectRefused(folder, ["$.stages[1].params.methods", "0 item(s), fewer than 1"])
    }

    @Test func aGeocodingMethodListedTwice() throws {
        let folder = try project(#function) { $0.replacingOccurrences(of: "\"address\", \"name\"]", with: "\"address\", \"region\"]") }
        try expectRefused(folder, ["$.stages[1].params.methods[4]", "'region' is listed twice", "credit_code"])
    }

    @Test func aMisspeltThresholdName() throws {
        let folder = try project(#function) {
            $0.replacingOccurrences(of: "\"inputs\": [\"mobility\", \"gdp\", \"top_lists\", \"anonymisation_key\"]}",
                                    with: "\"inputs\": [\"mobility\", \"gdp\", \"top_lists\", \"anonymisation_key\"], \"params\": {\"thresholds\": {\"gravity.2020.pearson\": 0.5}}}")
        }
        try expectRefused(folder, ["$.stages[6].params.thresholds.gravity.2020.pearson", "no figure is called 'gravity.2020.pearson'",
                                   "gravity.YEAR.pearson_r", "communities.YEAR.modularity", "top20.YEAR.SOURCE.overlap_percent"])
    }

    /// A figure of a year that is no slice would never be computed: the
    /// year is checked against the aggregate stage's slices.
    @Test func aThresholdOrMobilityYearThatIsNoSlice() throws {
        let threshold = try project("thresholdYear") {
            $0.replacingOccurrences(of: "\"inputs\": [\"mobility\", \"gdp\", \"top_lists\", \"anonymisation_key\"]}",
                                    with: "\"inputs\": [\"mobility\", \"gdp\", \"top_lists\", \"anonymisation_key\"], \"params\": {\"thresholds\": {\"gravity.2019.pearson_r\": 0.5}}}")
        }
        try expectRefused(threshold, ["$.stages[6].params.thresholds.gravity.2019.pearson_r", "2019 is no slice year of stage 'aggregate' (2000, 2005, 2010, 2015, 2020)",
                                      "add 2019 to $.stages[3].params.slices.years"])
        let mobility = try project("mobilityYear") {
            $0.replacingOccurrences(of: "\"inputs\": [\"mobility\", \"gdp\", \"top_lists\", \"anonymisation_key\"]}",
                                    with: "\"inputs\": [\"mobility\", \"gdp\", \"top_lists\", \"anonymisation_key\"], \"params\": {\"mobility_year\": 2019}}")
        }
        try expectRefused(mobility, ["$.stages[6].params.mobility_year", "2019 is no slice year"])
    }

    @Test func aMisspeltParameterName() throws {
        let folder = try project(#function) { $0.replacingOccurrences(of: "\"max_year\": 2025", with: "\"max_years\": 2025") }
        try expectRefused(folder, ["$.stages[0].params.max_years", "unknown parameter 'max_years'", "columns, encoding, max_year"])
    }

    /// A pipeline written before the sample moved to the aggregate stage
    /// is told where it went.
    @Test func aParameterThatMovedToAnotherStage() throws {
        let old = "\"inputs\": [\"mobility\", \"gdp\", \"top_lists\", \"anonymisation_key\"]}"
        let folder = try project(#function) { $0.replacingOccurrences(of: old, with: old.dropLast() + ", \"params\": {\"sample\": {\"per_slice\": 50}}}") }
        try expectRefused(folder, ["$.stages[6].params.sample", "no longer this stage's", "aggregate stage", "params.sample"])
    }

    /// A null says null once; a whole number too large for an integer says
    /// so, instead of calling it a number.
    @Test func aNullAndAnIntegerTooLarge() throws {
        let null = try project(#function + "-null") { $0.replacingOccurrences(of: "\"max_year\": 2025", with: "\"max_year\": null") }
        try expectRefused(null, ["$.stages[0].params.max_year", "expected integer, found null."])
        let large = try project(#function + "-large") { $0.replacingOccurrences(of: "\"max_year\": 2025", with: "\"max_year\": 18446744073709551616") }
        try expectRefused(large, ["$.stages[0].params.max_year", "a whole number too large to hold", "9223372036854775807"])
    }

    @Test func aMisspeltNestedParameterName() throws {
        let folder = try project(#function) { $0.replacingOccurrences(of: "\"mode\": \"point\"", with: "\"mode\": \"point\", \"widht\": 5") }
        try expectRefused(folder, ["$.stages[3].params.slices.widht", "unknown parameter 'widht'", "mode, width, years"])
    }

    @Test func aValueOutsideItsEnum() throws {
        let folder = try project(#function) { $0.replacingOccurrences(of: "\"encoding\": \"auto\"", with: "\"encoding\": \"utf8\"") }
        try expectRefused(folder, ["$.stages[0].params.encoding", "'utf8' is not allowed", "auto, utf-8, gb18030"])
    }

    @Test func aValueBelowItsBound() throws {
        let folder = try project(#function) {
            $0.replacingOccurrences(of: "\"name\"]}}", with: "\"name\", \"external\"], \"external\": {\"requests_per_second\": 0}}}")
        }
        try expectRefused(folder, ["$.stages[1].params.external.requests_per_second", "0 is not above 0"])
    }

    @Test func anEndpointThatWouldLeakTheKey() throws {
        let folder = try project(#function) {
            $0.replacingOccurrences(of: "\"name\"]}}", with: "\"name\", \"external\"], \"external\": {\"endpoint\": \"http://example.com/geo\"}}}")
        }
        try expectRefused(folder, ["$.stages[1].params.external.endpoint", "plain http would send the key unencrypted"])
    }

    /// A stage that reads another's artifact must name it in needs.
    @Test func aStageThatReadsAnUndeclaredArtifact() throws {
        let folder = try project(#function) { $0.replacingOccurrences(of: "\"needs\": [\"geocode\", \"dedupe\"]", with: "\"needs\": [\"dedupe\"]") }
        try expectRefused(folder, ["$.stages[3].needs", "reads the artifact of a geocode stage and names none in its needs", "Name exactly one of geocode"])
    }

    /// Two stages of a kind read, both named in needs: which one is read?
    @Test func twoStagesOfAKindReadAreRefused() throws {
        let folder = try project(#function) {
            $0.replacingOccurrences(of: "{\"name\": \"dedupe\", \"kind\": \"dedupe\", \"needs\": [\"geocode\"]},",
                                    with: "{\"name\": \"dedupe\", \"kind\": \"dedupe\", \"needs\": [\"geocode\"]},\n    {\"name\": \"dedupe2\", \"kind\": \"dedupe\", \"needs\": [\"geocode\"]},")
                .replacingOccurrences(of: "\"needs\": [\"geocode\", \"dedupe\"]", with: "\"needs\": [\"geocode\", \"dedupe\", \"dedupe2\"]")
        }
        try expectRefused(folder, ["$.stages[4].needs", "names 2 dedupe stages (dedupe, dedupe2) and reads one", "Name exactly one of dedupe, dedupe2"])
    }

    /// The release is one publish and one validate stage's artifacts: a
    /// second publish stage would put two of every table in it.
    @Test func aSecondPublishStageIsRefused() throws {
        let folder = try project(#function) {
            $0.replacingOccurrences(of: "{\"name\": \"publish\", \"kind\": \"publish\", \"needs\": [\"aggregate\", \"degrees\"]},",
                                    with: "{\"name\": \"publish\", \"kind\": \"publish\", \"needs\": [\"aggregate\", \"degrees\"]},\n    {\"name\": \"publish2\", \"kind\": \"publish\", \"needs\": [\"aggregate\", \"degrees\"]},")
        }
        try expectRefused(folder, ["$.stages[6].kind", "a second stage of kind 'publish' (publish, publish2)", "one publish and one validate stage"])
    }

    /// Every figure name the report can hold parses as a figure path, and
    /// prints back as itself.
    @Test func everyFigureOfTheDefaultReportHasAPath() throws {
        let release = try TestSupport.goldenReleaseCopy()
        let report = try JSONValue.parse(Data(contentsOf: release.appendingPathComponent(ValidateStage.reportFile)))
        let names = try #require(report["figures"]?.objectValue?.keys).sorted()
        #expect(names.count > 20)
        for name in names { #expect(FigurePath(name)?.description == name, "\(name)") }
        for wrong in ["gravity.2020", "gravity.02020.pearson_r", "mobility.directed.pearson_r", "top20.2020..overlap_percent", "communities.x.modularity"] {
            #expect(FigurePath(wrong) == nil, "\(wrong)")
        }
    }
}
