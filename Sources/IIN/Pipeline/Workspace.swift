import Foundation

/// A pipeline file, its stage definitions and a work folder, opened
/// together with the standard catalog: what every command that touches the
/// pipeline starts from.
public struct Workspace {
    public let pipeline: Pipeline
    public let catalog = StageCatalog.standard
    public let workFolder: URL
    public let gazetteer: Gazetteer

    /// - Parameters:
    ///   - stagesFolder: where the stage definitions are; by default the
    ///     `stages` folder beside the pipeline file.
    public init(pipelineFile: URL, stagesFolder: URL? = nil, workFolder: URL? = nil,
                inputOverrides: [String: String] = [:]) throws(IINError) {
        let base = pipelineFile.deletingLastPathComponent()
        let stages = stagesFolder ?? Self.stagesFolder(near: base)
        guard FileManager.default.fileExists(atPath: stages.path) else {
            throw IINError.stageDefinition(file: stages.path, problem: "no stage definition folder here or in a folder above; pass --stages DIR")
        }
        pipeline = try Pipeline.load(file: pipelineFile, stageFolder: stages, catalog: catalog, inputOverrides: inputOverrides)
        self.workFolder = workFolder ?? base.appendingPathComponent(".iin")
        gazetteer = try Gazetteer.embedded()
    }

    /// The `stages` folder beside a pipeline file, or else the nearest one
    /// in a folder above it: a study's pipeline under fixtures/ uses its
    /// project's stage definitions. The one beside it when there is none.
    public static func stagesFolder(near base: URL) -> URL {
        var folder = base.standardizedFileURL
        while true {
            let candidate = folder.appendingPathComponent("stages")
            if FileType.of(candidate.path, followingLinks: true) == .folder { return candidate }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return base.appendingPathComponent("stages") }
            folder = parent
        }
    }

    public func runner(log: RunLog, progress: ProgressReporter) -> Runner {
        Runner(pipeline: pipeline, catalog: catalog, workFolder: workFolder, gazetteer: gazetteer, log: log, progress: progress)
    }

    /// The release folder: `--out` if given, else pipeline.json's `release`
    /// relative to the pipeline file; a network other than the national
    /// city one goes in its scope's folder inside it (`release/county-guizhou`),
    /// so the two never replace each other.
    public func releaseFolder(override: String?) -> URL {
        let folder: URL
        if let override {
            folder = URL(fileURLWithPath: override, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        } else {
            let release = pipeline.releaseFolder
            folder = release.hasPrefix("/") ? URL(fileURLWithPath: release) : pipeline.file.deletingLastPathComponent().appendingPathComponent(release)
        }
        let scope = pipeline.scope
        return scope.isNational ? folder : folder.appendingPathComponent(scope.folderName)
    }

    /// The final record accounting of a run: the aggregate stage the
    /// publish stage needs, whose accounting the release holds; with no
    /// pipeline given, or no publish stage, the last aggregate stage.
    public static func accounting(of results: [StageResult], in pipeline: Pipeline? = nil) -> RecordAccounting? {
        let published = pipeline?.stages.first { $0.kind == PublishStage.kind }?.needs
            .first { pipeline?.stage(named: $0)?.kind == AggregateStage.kind }
        guard let aggregate = results.last(where: { $0.kind == AggregateStage.kind && (published == nil || $0.stage == published) }) else { return nil }
        return try? RecordAccounting.read(from: aggregate.artifact)
    }
}
