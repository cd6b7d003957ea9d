import Foundation

/// Stage 7: checks the published tables and writes the validation report;
/// a broken invariant fails the run (see stages/validate.json).
public struct ValidateStage: Stage {
    public static let kind = "validate"
    public static let codeVersion = 3
    public static let usesGazetteer = true
    public static let reportFile = "validation.json"

    public init() {}

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        let publish = try context.upstreamFolder(kind: PublishStage.kind)
        let checks = try InvariantChecks(release: publish, gazetteer: context.gazetteer).run()
        let failures = checks.filter { !$0.passed }
        let structure = StructureChecks(reader: ReleaseReader(folder: publish, preferWorkbooks: false))
        let perSlice = context.parameter("sample", "per_slice")?.intValue ?? 100
        let seed = UInt64(context.parameter("sample", "seed")?.intValue ?? 2025)
        let aggregate = try context.upstreamFolder(kind: AggregateStage.kind)
        let sample = try ConsistencySample.draw(kept: KeptRecords(context: context), scheme: SliceScheme.read(from: aggregate),
                                                fileNames: RecordAccounting.read(from: aggregate).files.map(\.file), perSlice: perSlice, seed: seed,
                                                gazetteer: context.gazetteer)
        _ = try sample.writeXLSX(to: context.output)
        var sampleSizes: [String: JSONValue] = [:]
        for row in sample.rows { sampleSizes[row[0]] = .integer((sampleSizes[row[0]]?.intValue ?? 0) + 1) }
        let report = JSONValue.object([
            "valid": .bool(failures.isEmpty),
            "sections": .object([
                "invariants": .array(checks.map(\.json)),
                "distance_decay": try structure.distanceDecay(),
                "backbone": try structure.backbone(),
                "localisation": try structure.localisation(),
                "consistency_sample": .object(["file": .string(ConsistencySample.name + ".xlsx"), "per_slice": .integer(perSlice),
                                               "seed": .integer(Int(seed)), "drawn": .object(sampleSizes)]),
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
        return StageOutcome(counts: ["checks": checks.count, "failed": 0, "rows:" + ConsistencySample.name + ".xlsx": sample.rows.count])
    }
}
