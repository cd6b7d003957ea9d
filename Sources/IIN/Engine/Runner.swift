import Crypto
import Foundation

/// Where the runner reports what it does, so the CLI prints it and tests
/// collect it.
public protocol RunLog: AnyObject {
    func stageFinished(_ result: StageResult)
    func warning(_ message: String)
}

public struct StageResult: Sendable {
    public enum Status: String, Sendable { case ran, cached }
    public var stage: String
    public var kind: String
    public var status: Status
    public var seconds: Double
    public var counts: [String: Int]
    public var reasons: [RerunReason]
    public var fingerprint: String
    public var artifact: URL
}

/// A stage's state before running: its fingerprint and, when it is not up
/// to date, every reason why.
public struct StagePlan: Sendable {
    public var stage: StageSpec
    public var components: FingerprintComponents
    public var fingerprint: String
    public var reasons: [RerunReason]
    public var upToDate: Bool { reasons.isEmpty }
}

/// Runs a pipeline over a work folder: only stale stages, in dependency
/// order, each into a fresh artifact; then puts the release in place.
public final class Runner {
    public let pipeline: Pipeline
    public let workFolder: URL
    public let store: ArtifactStore
    public let gazetteer: Gazetteer
    private let log: RunLog
    private let progress: ProgressReporter

    public init(pipeline: Pipeline, workFolder: URL, gazetteer: Gazetteer, log: RunLog, progress: ProgressReporter) {
        self.pipeline = pipeline
        self.workFolder = workFolder
        self.store = ArtifactStore(workFolder: workFolder)
        self.gazetteer = gazetteer
        self.log = log
        self.progress = progress
    }

    /// The fingerprint and staleness of every stage, without running any.
    /// `verifyContent` re-hashes cached artifacts (a run does; status only
    /// checks presence and sizes).
    public func plan(forcing forced: Set<String> = [], verifyContent: Bool, hashCache: FileHashCache) throws(IINError) -> [StagePlan] {
        var fingerprints: [String: String] = [:]
        var plans: [StagePlan] = []
        for stage in pipeline.stages {
            guard let implementation = StageCatalog.stage(kind: stage.kind) else { continue }
            let kindType = type(of: implementation)
            var inputs: [String: [InputFileDigest]] = [:]
            for input in stage.inputs {
                var digests: [InputFileDigest] = []
                for file in try pipeline.files(forInput: input) { digests.append(try hashCache.digest(of: file)) }
                inputs[input] = digests
            }
            var upstream: [String: String] = [:]
            for need in stage.needs { upstream[need] = fingerprints[need] }
            let components = FingerprintComponents(
                schema: FingerprintComponents.schemaVersion, kind: stage.kind, codeVersion: kindType.codeVersion,
                parameters: stage.parameters.canonical, upstream: upstream, inputs: inputs,
                gazetteer: kindType.usesGazetteer ? gazetteer.digest : nil)
            let fingerprint = components.fingerprint
            fingerprints[stage.name] = fingerprint

            var reasons: [RerunReason] = []
            switch store.lookup(stage: stage.name, fingerprint: fingerprint, verifyContent: verifyContent) {
            case .hit:
                break
            case let .damaged(detail):
                reasons.append(.artifactDamaged(detail: detail))
            case .missing:
                if let previous = store.lastBuilt(stage: stage.name) {
                    let differences = RerunReason.differences(previous: previous, current: components)
                    reasons += differences.isEmpty ? [.artifactMissing] : differences
                } else {
                    reasons.append(.neverBuilt)
                }
            }
            if forced.contains(stage.name) { reasons.insert(.forced, at: 0) }
            plans.append(StagePlan(stage: stage, components: components, fingerprint: fingerprint, reasons: reasons))
        }
        return plans
    }

    /// Where files holding enterprise names go unless `--audit` says
    /// otherwise: beside the artifacts, never in the release.
    public var auditFolder: URL { workFolder.appendingPathComponent("audit") }

    /// A full disk during a stage: the space needed is at least what the
    /// stage's last build wrote, when there was one.
    func neededSpace(_ error: IINError, stage: String) -> IINError {
        guard case let .diskFull(folder, file, needed, available) = error, let last = store.lastBuilt(stage: stage),
              case let .hit(record, _) = store.lookup(stage: stage, fingerprint: last.fingerprint, verifyContent: false) else { return error }
        let previous = record.files.reduce(0) { $0 + $1.size }
        return .diskFull(folder: folder, file: file, needed: max(needed, previous), available: available)
    }

    public struct Outcome: Sendable {
        public var results: [StageResult]
        public var releaseFolder: URL?
        /// What changed against the previous release (validation.md
        /// section 9), also written to reports/release-comparison.json.
        public var comparison: JSONValue?
        public var comparisonProblem: String?
    }

    /// Runs what is stale. `force` names stages to rerun with all that
    /// depends on them.
    /// - Parameter compareWith: a previous release to compare the new one
    ///   with; by default the one the release folder held.
    public func run(force: [String] = [], threads: Int, releaseFolder: URL, options: ReleaseFolder.Options = .init()) throws(IINError) -> Outcome {
        for name in force where pipeline.stage(named: name) == nil {
            throw IINError.invalidArgument(name: "--force", value: name, expected: "a stage name: \(pipeline.stages.map(\.name).joined(separator: ", "))")
        }
        for warning in try DiskWrites.checkTestHooks(stages: pipeline.stages.map(\.name) + [ReleaseFolder.stagingStageName]) { log.warning(warning) }
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

        let hashCache = FileHashCache(storeURL: store.stateFolder.appendingPathComponent("file-hashes.json"))
        var forced = Set<String>()
        for name in force { forced.formUnion(pipeline.downstream(of: name)) }
        let plans = try plan(forcing: forced, verifyContent: true, hashCache: hashCache)
        hashCache.save()

        var results: [StageResult] = []
        var folders: [String: URL] = [:]
        for plan in plans {
            let stage = plan.stage
            let started = Date()
            if plan.upToDate, case let .hit(record, folder) = store.lookup(stage: stage.name, fingerprint: plan.fingerprint, verifyContent: false) {
                store.touch(stage: stage.name, fingerprint: plan.fingerprint)
                folders[stage.name] = folder
                let result = StageResult(stage: stage.name, kind: stage.kind, status: .cached, seconds: Date().timeIntervalSince(started),
                                         counts: record.counts, reasons: [], fingerprint: plan.fingerprint, artifact: folder)
                results.append(result)
                log.stageFinished(result)
                continue
            }
            for reason in plan.reasons {
                if case let .artifactDamaged(detail) = reason {
                    log.warning("stage \(stage.name): cached artifact damaged (\(detail)); discarding it and rebuilding")
                    store.discard(stage: stage.name, fingerprint: plan.fingerprint)
                }
            }
            let implementation = StageCatalog.stage(kind: stage.kind)!
            var inputFiles: [String: [URL]] = [:]
            for input in stage.inputs { inputFiles[input] = try pipeline.files(forInput: input) }
            // Every ancestor's artifact is visible, nearest first: a stage may
            // read what an earlier stage wrote (dedupe's bitmap applies to
            // geocode's records). The fingerprint still lists only the direct
            // needs, whose fingerprints already chain through the ancestors.
            var upstream: [String: URL] = [:]
            for ancestor in pipeline.ancestors(of: stage.name) {
                if let spec = pipeline.stage(named: ancestor), upstream[spec.kind] == nil, let folder = folders[ancestor] {
                    upstream[spec.kind] = folder
                }
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
            let context = StageContext(stageName: stage.name, parameters: stage.parameters, inputFiles: inputFiles, upstream: upstream,
                                       output: temporary, scratch: scratch, reportFolder: workFolder.appendingPathComponent("reports"),
                                       gazetteer: gazetteer, progress: progress, threads: threads)
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
                    try store.commitArtifact(temporary: temporary, stage: stage.name, components: plan.components, counts: outcome.counts, seconds: seconds)
                }
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw neededSpace(error, stage: stage.name)
            }
            store.recordBuilt(stage: stage.name, components: plan.components)
            store.prune(stage: stage.name)
            let folder = store.folder(stage: stage.name, fingerprint: record.fingerprint)
            folders[stage.name] = folder
            let result = StageResult(stage: stage.name, kind: stage.kind, status: .ran, seconds: seconds, counts: outcome.counts,
                                     reasons: plan.reasons, fingerprint: plan.fingerprint, artifact: folder)
            results.append(result)
            log.stageFinished(result)
        }
        var options = options
        options.limits = pipeline.releaseGuard
        if options.auditFolder == nil { options.auditFolder = auditFolder }
        let placed = try ReleaseFolder.materialize(results: results, pipeline: pipeline, store: store, destination: releaseFolder, options: options)
        if let comparison = placed.comparison {
            let reports = workFolder.appendingPathComponent("reports")
            try? FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
            let file = reports.appendingPathComponent(ReleaseComparison.reportFile)
            try DiskWrites.write(Data((comparison.prettyPrinted() + "\n").utf8), to: file)
        }
        return Outcome(results: results, releaseFolder: placed.folder, comparison: placed.comparison, comparisonProblem: placed.comparisonProblem)
    }
}
