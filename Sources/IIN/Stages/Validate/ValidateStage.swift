import Foundation

/// Stage 7: checks the published tables and writes the validation report;
/// a broken invariant fails the run (see stages/validate.json).
public struct ValidateStage: Stage {
    public static let kind = "validate"
    public static let codeVersion = 2
    public static let usesGazetteer = true
    public static let reportFile = "validation.json"

    public init() {}

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        let publish = try context.upstreamFolder(kind: PublishStage.kind)
        let checks = try InvariantChecks(release: publish, gazetteer: context.gazetteer).run()
        let failures = checks.filter { !$0.passed }
        let structure = StructureChecks(reader: ReleaseReader(folder: publish, preferWorkbooks: false))
        let report = JSONValue.object([
            "valid": .bool(failures.isEmpty),
            "sections": .object([
                "invariants": .array(checks.map(\.json)),
                "distance_decay": try structure.distanceDecay(),
                "backbone": try structure.backbone(),
                "localisation": try structure.localisation(),
            ]),
        ])
        let text = report.prettyPrinted() + "\n"
        let url = context.output.appendingPathComponent(Self.reportFile)
        do { try Data(text.utf8).write(to: url) } catch {
            throw IINError.unwritableFile(path: url.path, reason: error.localizedDescription)
        }
        if !failures.isEmpty {
            try? FileManager.default.createDirectory(at: context.reportFolder, withIntermediateDirectories: true)
            let kept = context.reportFolder.appendingPathComponent("validation-failed.json")
            try? Data(text.utf8).write(to: kept)
            throw IINError.invariantsBroken(report: kept.path, failures: failures.flatMap { check in check.failures.map { "\(check.id): \($0)" } })
        }
        return StageOutcome(counts: ["checks": checks.count, "failed": 0])
    }
}
