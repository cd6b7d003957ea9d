import Foundation

/// The finishing step of a run: puts the release in place and writes the
/// comparison with the release it replaced (validation.md section 9) to
/// the work folder's reports.
public struct ReleasePlacement: FinishingStep {
    /// Its name in the run log and the test hooks.
    public static let stepName = "release"
    public var name: String { Self.stepName }

    public var destination: URL
    public var options: ReleaseFolder.Options

    public init(destination: URL, options: ReleaseFolder.Options) {
        self.destination = destination
        self.options = options
    }

    public func finish(results: [StageResult], pipeline: Pipeline, store: ArtifactStore, workFolder: URL) throws(IINError) -> ReleaseFolder.Placed {
        var options = options
        if let limits = pipeline.settings[ReleaseGuard.settingKey] {
            options.limits = try ReleaseGuard.Limits(limits, file: pipeline.file.path)
        }
        if options.auditFolder == nil { options.auditFolder = Runner.auditFolder(workFolder: workFolder) }
        let placed = try ReleaseFolder.materialize(results: results, pipeline: pipeline, store: store, destination: destination, options: options)
        if let comparison = placed.comparison {
            let reports = workFolder.appendingPathComponent("reports")
            try? FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
            try DiskWrites.write(Data((comparison.prettyPrinted() + "\n").utf8), to: reports.appendingPathComponent(ReleaseComparison.reportFile))
        }
        return placed
    }
}

extension Runner {
    /// What a run that places a release produced.
    public struct Outcome: Sendable {
        public var results: [StageResult]
        public var releaseFolder: URL?
        /// What changed against the previous release, also written to
        /// reports/release-comparison.json.
        public var comparison: JSONValue?
        public var comparisonProblem: String?
    }

    /// Where files holding enterprise names go unless `--audit` says
    /// otherwise: beside the artifacts, never in the release.
    public static func auditFolder(workFolder: URL) -> URL { workFolder.appendingPathComponent("audit") }

    /// Runs what is stale and places the release.
    public func run(force: [String] = [], verify: Bool = false, threads: Int, releaseFolder: URL,
                    options: ReleaseFolder.Options = .init()) throws(IINError) -> Outcome {
        var options = options
        options.verify = options.verify || verify
        let (results, placed) = try run(force: force, verify: verify, threads: threads,
                                        finishing: ReleasePlacement(destination: releaseFolder, options: options))
        return Outcome(results: results, releaseFolder: placed.folder, comparison: placed.comparison, comparisonProblem: placed.comparisonProblem)
    }
}
