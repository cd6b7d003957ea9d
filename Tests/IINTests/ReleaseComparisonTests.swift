import Foundation
import Testing
@testable import IIN

/// Section 9: a rebuild says what changed against the release before it.
@Suite("Release comparison", .serialized)
struct ReleaseComparisonTests {
    static func edgeCounts(_ release: URL) throws -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for edge in try ReleaseReader(folder: release, preferWorkbooks: false).edges(PublishStage.undirectedName) { counts[edge.year, default: 0] += 1 }
        return counts
    }

    @Test func aRebuildComparesWithTheReleaseItReplaces() throws {
        let project = try TestSupport.scratchProject()
        let release = project.appendingPathComponent("release")
        let oneFile = TestSupport.fixtures.appendingPathComponent("default/raw/records-001.csv").path
        _ = try TestSupport.workspace(project, raw: oneFile).runCollecting(release: release)
        let before = try Self.edgeCounts(release)
        let (_, outcome) = try TestSupport.workspace(project).runCollecting(release: release)
        let after = try Self.edgeCounts(release)
        let comparison = try #require(outcome.comparison, "\(outcome.comparisonProblem ?? "no comparison")")
        // Every edge of either release is counted once: the old ones as
        // unchanged, changed or removed, the new ones as unchanged, changed
        // or added.
        let slices = try #require(comparison["edges"]?["slices"]?.arrayValue, "the comparison has no edges.slices")
        #expect(slices.compactMap { $0["year"]?.intValue } == Set(before.keys).union(after.keys).sorted())
        for slice in slices {
            let year = try #require(slice["year"]?.intValue)
            let count = { (key: String) in slice[key]?.intValue ?? -1 }
            #expect(count("unchanged") + count("changed") + count("removed") == before[year, default: 0], "\(year)")
            #expect(count("unchanged") + count("changed") + count("added") == after[year, default: 0], "\(year)")
            #expect(count("added") > 0, "twice the records add edges in \(year)")
        }
        let largest = try #require(comparison["edges"]?["largest_changes"]?.arrayValue?.first)
        let undirected = try ReleaseReader(folder: release, preferWorkbooks: false).edges(PublishStage.undirectedName)
        let edge = try #require(undirected.first { String($0.a) == largest["city_a"]?.stringValue && String($0.b) == largest["city_b"]?.stringValue && $0.year == largest["year"]?.intValue })
        #expect(edge.weight == largest["after"]?.intValue)
        let saved = project.appendingPathComponent(".iin/reports/\(ReleaseComparison.reportFile)")
        let savedText = try String(contentsOf: saved, encoding: .utf8)
        #expect(savedText == comparison.prettyPrinted() + "\n")
        let figures = try #require(comparison["figures"]?.arrayValue, "the comparison has no figures")
        #expect(figures.contains { $0["figure"]?.stringValue == "communities.2020.modularity" })
    }

    /// Like `dvc params diff`: a parameter set to another value and an
    /// input file added show beside the figures, read from the manifests.
    @Test func aComparisonListsChangedParametersAndInputs() throws {
        let project = try TestSupport.scratchProject()
        let oneFile = TestSupport.fixtures.appendingPathComponent("default/raw/records-001.csv").path
        let first = project.appendingPathComponent("first"), second = project.appendingPathComponent("second")
        _ = try TestSupport.workspace(project, raw: oneFile).runCollecting(release: first)
        let pipeline = project.appendingPathComponent("pipeline.json")
        let text = try String(contentsOf: pipeline, encoding: .utf8)
        let edited = text.replacingOccurrences(of: #""name": "validate", "kind": "validate","#, with: #""name": "validate", "kind": "validate", "params": {"seed": 7},"#)
        try #require(edited != text)
        try edited.write(to: pipeline, atomically: true, encoding: .utf8)
        _ = try TestSupport.workspace(project).runCollecting(release: second)
        let manifest = try JSONValue.parse(Data(contentsOf: second.appendingPathComponent(ReleaseFolder.manifestName)))
        #expect(manifest["parameters"]?["validate"]?["seed"]?.intValue == 7)
        #expect(manifest["parameters"]?["ingest"]?["max_year"]?.intValue != nil, "defaults are recorded too")

        let result = try TestSupport.runIIN(["compare", first.path, second.path, "--json", "diff.json"], in: project)
        #expect(result.status == 0, "\(result.errors)")
        let seed = try #require(JSONValue.parse(Data(contentsOf: project.appendingPathComponent("diff.json")))["parameters"]?.arrayValue)
        #expect(seed.count == 1 && seed.first?["parameter"]?.stringValue == "validate.seed" && seed.first?["after"]?.intValue == 7, "\(seed)")
        #expect(result.output.contains("parameters changed: 1"), "\(result.output)")
        #expect(result.output.contains("validate.seed: "), "\(result.output)")
        #expect(result.output.contains("-> 7"), "\(result.output)")
        #expect(result.output.contains("raw: records-002.csv added"), "\(result.output)")
    }

    @Test func aReleaseComparedWithItselfHasNoChange() throws {
        let release = try TestSupport.defaultRelease()
        let folder = TestSupport.temporaryFolder()
        let result = try TestSupport.runIIN(["compare", release.path, release.path, "--json", "same.json"], in: folder)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("headline figures changed: 0 of"))
        let comparison = try JSONValue.parse(Data(contentsOf: folder.appendingPathComponent("same.json")))
        let slices = try #require(comparison["edges"]?["slices"]?.arrayValue, "the comparison has no edges.slices")
        #expect(slices.compactMap { $0["year"]?.intValue } == [2000, 2005, 2010, 2015, 2020])
        for slice in slices {
            #expect(slice["added"]?.intValue == 0 && slice["removed"]?.intValue == 0 && slice["changed"]?.intValue == 0)
        }
        #expect(comparison["edges"]?["largest_changes"]?.arrayValue?.isEmpty == true)
        #expect(comparison["parameters"]?.arrayValue?.isEmpty == true && comparison["inputs"]?.arrayValue?.isEmpty == true)
        #expect(!result.output.contains("parameters changed"))
        let missing = try TestSupport.runIIN(["compare", folder.path, release.path], in: folder)
        #expect(missing.status == 1 && missing.errors.contains(PublishStage.undirectedName), "\(missing.errors)")
    }
}
