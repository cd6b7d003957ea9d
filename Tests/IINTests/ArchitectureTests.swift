import Foundation
import Testing
@testable import IIN

/// The layers of docs/architecture.md, held by reading the sources: the
/// engine names no stage and nothing of the release; a stage's `reads`
/// lists every kind whose artifact its code opens.
@Suite("Architecture")
struct ArchitectureTests {
    static let sources = TestSupport.repository.appendingPathComponent("Sources/IIN")

    static func swiftFiles(_ folder: String) throws -> [URL] {
        let root = sources.appendingPathComponent(folder)
        let names = try #require(FileManager.default.subpaths(atPath: root.path)).filter { $0.hasSuffix(".swift") }.sorted()
        return names.map { root.appendingPathComponent($0) }
    }

    /// The top-level types a folder declares (nested ones are reached
    /// through them).
    static func declaredTypes(_ folder: String) throws -> Set<String> {
        let declaration = try Regex(#"(?m)^(?:public |package |private |fileprivate |internal |final )*(?:struct|enum|class|actor|protocol) ([A-Z][A-Za-z0-9]*)"#)
        var names = Set<String>()
        for file in try swiftFiles(folder) {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: declaration) { if let name = match.output[1].substring { names.insert(String(name)) } }
        }
        return names
    }

    /// Words of the code: comments and the text of string literals left
    /// out, but what a literal interpolates, `\(PublishStage.kind)`, kept.
    static func codeWords(_ file: URL) throws -> Set<String> {
        var words = Set<String>()
        let literal = try Regex(#""(?:[^"\\]|\\.)*""#)
        let interpolation = try Regex(#"\\\(([^()]*(?:\([^()]*\)[^()]*)*)\)"#)
        for line in try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n") {
            let code = line.components(separatedBy: "//")[0]
            let unquoted = code.replacing(literal) { match in
                String(match.output[0].substring ?? "").matches(of: interpolation).map { String($0.output[1].substring ?? "") }.joined(separator: " ")
            }
            for word in unquoted.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }) { words.insert(String(word)) }
        }
        return words
    }

    /// The scan sees a type named inside an interpolation, and not one
    /// named in a comment or in a literal's text.
    @Test func theScanSeesInterpolationsButNotText() throws {
        let file = TestSupport.temporaryFolder().appendingPathComponent("Sample.swift")
        try TestSupport.write("log(\"the \\(PublishStage.kind) stage, not ReleaseFolder\") // ValidateStage\n", to: file)
        let words = try Self.codeWords(file)
        #expect(words.contains("PublishStage") && words.contains("log"))
        #expect(!words.contains("ReleaseFolder") && !words.contains("ValidateStage"))
    }

    @Test func theEngineNamesNoStageAndNothingOfTheRelease() throws {
        let stageTypes = try Self.declaredTypes("Stages").union(Self.declaredTypes("Release")).union(Self.declaredTypes("Pipeline"))
        #expect(stageTypes.contains("IngestStage") && stageTypes.contains("ReleaseFolder"), "the scan found no types")
        for stage in StageCatalog.standard.stages { #expect(stageTypes.contains(String(describing: type(of: stage)))) }
        for file in try Self.swiftFiles("Engine") {
            let named = try Self.codeWords(file).intersection(stageTypes)
            #expect(named.isEmpty, "\(file.lastPathComponent) names \(named.sorted().joined(separator: ", "))")
        }
    }

    /// A stage that opens an artifact of a kind it does not list in
    /// `reads` would be caught only when that stage runs without it.
    @Test func everyStageListsTheKindsItReads() throws {
        let opened = try Regex(#"upstreamFolder\(kind: ([A-Za-z]+)\.kind\)"#)
        for stage in StageCatalog.standard.stages {
            let kind = type(of: stage).kind
            let folder = Self.sources.appendingPathComponent("Stages").path
            let subfolder = try #require(FileManager.default.contentsOfDirectory(atPath: folder).first { $0.lowercased() == kind })
            var kinds = Set<String>()
            for file in try Self.swiftFiles("Stages/\(subfolder)") {
                for match in try String(contentsOf: file, encoding: .utf8).matches(of: opened) {
                    let typeName = String(match.output[1].substring!)
                    let reader = try #require(StageCatalog.standard.stages.first { String(describing: type(of: $0)) == typeName }, "\(typeName)")
                    kinds.insert(type(of: reader).kind)
                }
            }
            #expect(kinds == Set(type(of: stage).reads), "\(kind) opens \(kinds.sorted()) but lists \(type(of: stage).reads)")
        }
    }
}
