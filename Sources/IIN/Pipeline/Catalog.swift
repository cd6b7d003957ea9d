import Foundation

/// The composition root: the stage kinds this program knows and the step
/// that places the release after them. The engine is handed this catalog
/// and names no stage itself (ArchitectureTests holds it to that).
extension StageCatalog {
    public static let standard = StageCatalog(
        stages: [IngestStage(), GeocodeStage(), DedupeStage(), AggregateStage(), DegreesStage(), PublishStage(), ValidateStage()],
        finishingStepName: ReleasePlacement.stepName,
        settings: [ReleaseGuard.settingKey: { value, file throws(IINError) in _ = try ReleaseGuard.Limits(value, file: file) }],
        singletonKinds: ReleaseFolder.releasedKinds,
        pipelineChecks: [{ try ValidateStage.checkYears($0) }])
}
