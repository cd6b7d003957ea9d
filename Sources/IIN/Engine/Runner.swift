import Crypto
import Foundation

/// Where the runner reports what it does, so the CLI prints it and tests
/// collect it.
public protocol RunLog: AnyObject {
    func stageFinished(_ result: StageResult)
    func warning(_ message: String)
}

public struct StageResult: Sendable {
    public enum Status: String, Sendable, Codable { case ran, cached }
    public var stage: String
    public var kind: String
    public var status: Status
    public var seconds: Double
    public var counts: [String: Int]
    /// Rows per table file of the artifact (StageOutcome.fileRows).
    public var fileRows: [String: Int]
    public var reasons: [RerunReason]
    public var fingerprint: String
    /// The content digest of its artifact, which the stages downstream
    /// are keyed on.
    public var outputDigest: String
    public var artifact: URL
}

/// A stage's state before running: its fingerprint and, when it is not up
/// to date, every reason why.
public struct StagePlan: Sendable {
    public var stage: StageSpec
    public var components: FingerprintComponents
    public var fingerprint: String
    public var reasons: [RerunReason]
    /// Stages this one needs that are not up to date themselves: until they
    /// have run, nobody knows whether their output changes, so this plan
    /// assumes it does not (early cutoff) and names them. Its fingerprint
    /// is then a forecast.
    public var waitingOn: [String] = []
    /// The artifact the lookup found, checked as the plan was asked to.
    var hit: (record: ArtifactRecord, folder: URL)?
    public var upToDate: Bool { reasons.isEmpty && waitingOn.isEmpty }
}

/// The step after the last stage, run inside the work-folder lock (the
/// release placement). The engine knows only this protocol; the
/// composition root supplies the step.
public protocol FinishingStep {
    associatedtype Result
    /// Its name in the run log and the test hooks; no stage may take it.
    var name: String { get }
    func finish(results: [StageResult], pipeline: Pipeline, store: ArtifactStore, workFolder: URL) throws(IINError) -> Result
}

/// Runs a pipeline over a work folder: only stale stages, in dependency
/// order, each into a fresh artifact; then the finishing step.
public final class Runner {
    public let pipeline: Pipeline
    public let catalog: StageCatalog
    public let workFolder: URL
    public let store: ArtifactStore
    public let gazetteer: Gazetteer
    private let log: RunLog
    private let progress: ProgressReporter

    public init(pipeline: Pipeline, catalog: StageCatalog, workFolder: URL, gazetteer: Gazetteer, log: RunLog, progress: ProgressReporter) {
        self.pipeline = pipeline
        self.catalog = catalog
        self.workFolder = workFolder
        self.store = ArtifactStore(workFolder: workFolder)
        self.gazetteer = gazetteer
        self.log = log
        self.progress = progress
    }

    /// The fingerprint and staleness of every stage, without running any.
    /// A stage downstream of a stale one is planned as if that stage's
    /// output stayed the same, and says it waits on it.
    public func plan(forcing forced: Set<String> = [], check: ArtifactStore.Check, hashCache: FileHashCache) throws(IINError) -> [StagePlan] {
        var outputs: [String: String] = [:]
        var plans: [StagePlan] = []
        for stage in pipeline.stages {
            guard catalog.stage(kind: stage.kind) != nil else { continue }
            // A stale need's output is unknown: assume what this stage was
            // last built from, which is what an unchanged rerun would give.
            var upstream = outputs
            let previous = store.lastBuilt(stage: stage.name)
            var pending: [String] = []
            for need in stage.needs where outputs[need] == nil {
                pending.append(need)
                upstream[need] = previous?.upstream[need] ?? "unknown"
            }
            var plan = try self.plan(stage, upstreamOutputs: upstream, forced: forced, check: check, hashCache: hashCache)
            plan.waitingOn = pending
            if plan.upToDate, let hit = plan.hit { outputs[stage.name] = hit.record.contentDigest }
            plans.append(plan)
        }
        return plans
    }

    /// One stage's plan, once the content digests of the artifacts it
    /// needs are known.
    private func plan(_ stage: StageSpec, upstreamOutputs: [String: String], forced: Set<String>, check: ArtifactStore.Check,
                      hashCache: FileHashCache) throws(IINError) -> StagePlan {
        let implementation = try self.implementation(of: stage)
        let components = try fingerprintComponents(stage, implementation: implementation, upstream: upstreamOutputs, hashCache: hashCache)
        let lookup = store.lookup(stage: stage.name, fingerprint: components.fingerprint, check: check)
        var reasons = rerunReasons(stage, components: components, lookup: lookup)
        if forced.contains(stage.name) { reasons.insert(.forced, at: 0) }
        var plan = StagePlan(stage: stage, components: components, fingerprint: components.fingerprint, reasons: reasons)
        if case let .hit(record, folder) = lookup { plan.hit = (record, folder) }
        return plan
    }

    /// The loader refuses unknown kinds; this is for a catalog handed a
    /// pipeline loaded with another.
    private func implementation(of stage: StageSpec) throws(IINError) -> any Stage {
        guard let implementation = catalog.stage(kind: stage.kind) else {
            throw IINError.pipeline(file: pipeline.file.path, jsonPath: stage.jsonPath + ".kind", problem: "no stage kind '\(stage.kind)' in this catalog",
                                    fix: "Use one of \(catalog.stages.map { type(of: $0).kind }.joined(separator: ", ")).")
        }
        return implementation
    }

    private func fingerprintComponents(_ stage: StageSpec, implementation: any Stage, upstream outputs: [String: String],
                                       hashCache: FileHashCache) throws(IINError) -> FingerprintComponents {
        let kindType = type(of: implementation)
        var inputs: [String: [InputFileDigest]] = [:]
        for input in stage.inputs {
            inputs[input] = try hashCache.digests(of: try pipeline.files(forInput: input))
        }
        var upstream: [String: String] = [:]
        for need in stage.needs { upstream[need] = outputs[need] }
        return FingerprintComponents(
            schema: FingerprintComponents.schemaVersion, kind: stage.kind, codeVersion: kindType.codeVersion,
            parameters: stage.parameters.canonical, upstream: upstream, inputs: inputs,
            gazetteer: kindType.usesGazetteer ? gazetteer.digest : nil)
    }

    private func rerunReasons(_ stage: StageSpec, components: FingerprintComponents, lookup: ArtifactStore.Lookup) -> [RerunReason] {
        switch lookup {
        case .hit:
            return []
        case let .damaged(detail, file):
            return [.artifactDamaged(detail: detail, file: file?.path)]
        case .missing:
            guard let previous = store.lastBuilt(stage: stage.name) else { return [.neverBuilt] }
            let differences = RerunReason.differences(previous: previous, current: components)
            return differences.isEmpty ? [.artifactMissing] : differences
        }
    }

    /// A full disk during a stage: the space needed is at least what the
    /// stage's last build wrote, when there was one.
    func neededSpace(_ error: IINError, stage: String) -> IINError {
        guard case let .diskFull(folder, file, needed, available) = error, let last = store.lastBuilt(stage: stage),
              case let .hit(record, _) = store.lookup(stage: stage, fingerprint: last.fingerprint, check: .sizes) else { return error }
        let previous = record.files.reduce(0) { $0 + $1.size }
        return .diskFull(folder: folder, file: file, needed: max(needed, previous), available: available)
    }

    /// Runs what is stale, then `finishing`. `force` names stages to rerun
    /// with all that depends on them; `verify` re-hashes every cached
    /// artifact instead of trusting those whose files `stat` the same.
    public func run<Step: FinishingStep>(force: [String] = [], verify: Bool = false, threads: Int,
                                         finishing: Step) throws(IINError) -> (results: [StageResult], finished: Step.Result) {
        for name in force where pipeline.stage(named: name) == nil {
            throw IINError.invalidArgument(name: "--force", value: name, expected: "a stage name: \(pipeline.stages.map(\.name).joined(separator: ", "))")
        }
        for warning in try DiskWrites.checkTestHooks(stages: pipeline.stages.map(\.name) + [finishing.name]) { log.warning(warning) }
        try store.prepare()
        let lock = try WorkLock(folder: workFolder)
        let lockToken = Interruption.onInterrupt { lock.release() }
        defer {
            Interruption.finished(lockToken)
            lock.release()
        }
        if let holder = lock.tookOverFromPID {
            log.warning("took over the work-folder lock left by process \(holder), which is no longer running")
        }
        store.clearTemporary()

        let hashCache = FileHashCache(storeURL: store.stateFolder.appendingPathComponent("file-hashes.json"), rehashAll: verify, threads: threads)
        defer { hashCache.save() }
        var forced = Set<String>()
        for name in force { forced.formUnion(pipeline.downstream(of: name)) }
        let check: ArtifactStore.Check = verify ? .content : .identity
        // Every stage is planned before any runs, so an unreadable input or
        // a bad parameter fails the run before an hour of work.
        _ = try plan(forcing: forced, check: .sizes, hashCache: hashCache)
        // Saved now too: an interrupted run must not lose an hour of hashing.
        hashCache.save()

        var results: [StageResult] = []
        var folders: [String: URL] = [:]
        var outputs: [String: String] = [:]
        let previousRun = store.lastRun()
        for stage in pipeline.stages where catalog.stage(kind: stage.kind) != nil {
            do throws(IINError) {
                // Planned only now: the stages it needs have run or hit, and
                // their content digests key it.
                let plan = try self.plan(stage, upstreamOutputs: outputs, forced: forced, check: check, hashCache: hashCache)
                let result: StageResult
                if let cached = cachedResult(plan) { result = cached } else { result = try execute(plan, folders: folders, threads: threads, check: check) }
                folders[stage.name] = result.artifact
                outputs[stage.name] = result.outputDigest
                results.append(result)
                log.stageFinished(result)
            } catch {
                if case let .corruptArtifact(path, _) = error {
                    for artifact in store.discardArtifacts(holding: path) {
                        log.warning("discarded the damaged artifact \(artifact); the next run rebuilds it")
                    }
                }
                store.recordLastRun(RunSummary(results: results, pipeline: pipeline, previous: previousRun, failedStage: stage.name))
                throw error
            }
        }
        store.recordLastRun(RunSummary(results: results, pipeline: pipeline, previous: previousRun))
        let finished = try finishing.finish(results: results, pipeline: pipeline, store: store, workFolder: workFolder)
        return (results, finished)
    }

    private func cachedResult(_ plan: StagePlan) -> StageResult? {
        let started = Date()
        guard plan.upToDate, let (record, folder) = plan.hit else { return nil }
        store.touch(stage: plan.stage.name, fingerprint: plan.fingerprint)
        return StageResult(stage: plan.stage.name, kind: plan.stage.kind, status: .cached, seconds: Date().timeIntervalSince(started),
                           counts: record.counts, fileRows: record.fileRows, reasons: [], fingerprint: plan.fingerprint,
                           outputDigest: record.contentDigest, artifact: folder)
    }

    private func execute(_ plan: StagePlan, folders: [String: URL], threads: Int, check: ArtifactStore.Check) throws(IINError) -> StageResult {
        let stage = plan.stage
        let started = Date()
        for reason in plan.reasons {
            if case let .artifactDamaged(detail, file) = reason {
                log.warning("stage \(stage.name): cached artifact damaged (\(detail)); discarding it and rebuilding")
                // The damaged file may be linked into other artifacts (a
                // part, a release file kept between builds): none of them
                // may be trusted by stat again, or linked into a new one.
                if let file {
                    for other in store.discardArtifacts(holding: file) {
                        log.warning("discarded the artifact \(other), which shares the damaged file")
                    }
                }
                store.discard(stage: stage.name, fingerprint: plan.fingerprint)
            }
        }
        let implementation = try self.implementation(of: stage)
        var inputFiles: [String: [URL]] = [:]
        for input in stage.inputs { inputFiles[input] = try pipeline.files(forInput: input) }
        // Only the stages named in needs are visible: what a stage reads is
        // what its fingerprint depends on.
        var upstream: [String: UpstreamArtifact] = [:]
        for need in stage.needs {
            if let spec = pipeline.stage(named: need), let folder = folders[need] { upstream[need] = UpstreamArtifact(kind: spec.kind, folder: folder) }
        }
        // Registered before the folders exist, so no moment of an
        // interrupt leaves them behind.
        let (plannedTemporary, plannedScratch) = (store.temporaryArtifact(stage: stage.name, fingerprint: plan.fingerprint), store.scratchFolder(stage: stage.name))
        let cleanupToken = Interruption.onInterrupt {
            Interruption.remove(plannedTemporary)
            Interruption.remove(plannedScratch)
        }
        defer {
            Interruption.finished(cleanupToken)
            try? FileManager.default.removeItem(at: plannedScratch)
        }
        let temporary = try store.beginArtifact(stage: stage.name, fingerprint: plan.fingerprint)
        let scratch = try store.beginScratch(stage: stage.name)
        DiskWrites.beginStage(stage.name)
        defer { DiskWrites.beginStage(nil) }
        let context = StageContext(stageName: stage.name, pipelineFile: pipeline.file.path, parametersPath: stage.jsonPath + ".params",
                                   parameters: stage.parameters, inputFiles: inputFiles, upstream: upstream, reads: type(of: implementation).reads,
                                   output: temporary, scratch: scratch, reportFolder: workFolder.appendingPathComponent("reports"),
                                   gazetteer: gazetteer, progress: progress, threads: threads, inputDigests: plan.components.inputs,
                                   earlierParts: plan.reasons.contains(.forced) ? .empty : PartLibrary(folders: store.earlierArtifacts(stage: stage.name, except: plan.fingerprint), check: check))
        let outcome: StageOutcome
        do {
            outcome = try implementation.run(context)
        } catch {
            progress.finish()
            try? FileManager.default.removeItem(at: temporary)
            throw neededSpace(error, stage: stage.name)
        }
        progress.finish()
        try? FileManager.default.removeItem(at: scratch)
        let seconds = Date().timeIntervalSince(started)
        let record: ArtifactRecord
        do {
            record = try Interruption.critical { () throws(IINError) in
                try store.commitArtifact(temporary: temporary, stage: stage.name, components: plan.components, outcome: outcome, seconds: seconds)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw neededSpace(error, stage: stage.name)
        }
        store.recordBuilt(stage: stage.name, components: plan.components)
        store.prune(stage: stage.name)
        return StageResult(stage: stage.name, kind: stage.kind, status: .ran, seconds: seconds, counts: outcome.counts, fileRows: outcome.fileRows,
                           reasons: plan.reasons, fingerprint: plan.fingerprint, outputDigest: record.contentDigest,
                           artifact: store.folder(stage: stage.name, fingerprint: record.fingerprint))
    }
}
