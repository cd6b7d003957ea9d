import Foundation

/// What the last run did, stage by stage, kept in the work folder so
/// `iin status` can say afterwards why a stage ran and why the ones after
/// it did not (early cutoff).
public struct RunSummary: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var stage: String
        public var status: StageResult.Status
        public var reasons: [String]
        public var needs: [String]
        public var outputDigest: String
        /// The stage's output digest in the run before, if it was in it.
        public var previousOutputDigest: String?
    }

    /// When the stages finished, ISO 8601 in UTC.
    public var finished: String
    public var stages: [Entry]
    /// The stage whose failure ended the run, if one did.
    public var failedStage: String?

    public init(results: [StageResult], pipeline: Pipeline, previous: RunSummary?, failedStage: String? = nil, finished: Date = Date()) {
        self.finished = ISO8601DateFormatter().string(from: finished)
        self.failedStage = failedStage
        var before: [String: String] = [:]
        for entry in previous?.stages ?? [] { before[entry.stage] = entry.outputDigest }
        stages = results.map { result in
            Entry(stage: result.stage, status: result.status, reasons: result.reasons.map(\.description),
                  needs: pipeline.stage(named: result.stage)?.needs ?? [], outputDigest: result.outputDigest,
                  previousOutputDigest: before[result.stage])
        }
    }

    /// One sentence for each stage that ran while the stages that need it
    /// stayed cached: "geocode reran; its output is unchanged, so dedupe,
    /// aggregate are cached". When the output differs from the run before
    /// but equals an older build's, the sentence says that instead.
    public var cutoffs: [String] {
        var status: [String: StageResult.Status] = [:]
        for entry in stages { status[entry.stage] = entry.status }
        var sentences: [String] = []
        for entry in stages where entry.status == .ran {
            let dependents = stages.filter { $0.needs.contains(entry.stage) }
            guard !dependents.isEmpty, dependents.allSatisfy({ status[$0.stage] == .cached }) else { continue }
            // Everything after it that stayed cached, through cached stages only.
            var reached: Set<String> = [entry.stage]
            var cached: [String] = []
            for later in stages where later.status == .cached && later.needs.contains(where: reached.contains) {
                reached.insert(later.stage)
                cached.append(later.stage)
            }
            let list = cached.joined(separator: ", ")
            if entry.previousOutputDigest == nil || entry.previousOutputDigest == entry.outputDigest {
                sentences.append("\(entry.stage) reran; its output is unchanged, so \(list) \(cached.count == 1 ? "is" : "are") cached")
            } else {
                sentences.append("\(entry.stage) reran; its output differs from the last run's but equals an earlier build's, so \(list) \(cached.count == 1 ? "comes" : "come") from that build's cache")
            }
        }
        return sentences
    }
}

extension ArtifactStore {
    var lastRunFile: URL { stateFolder.appendingPathComponent("last-run.json") }

    public func recordLastRun(_ summary: RunSummary) {
        if let data = try? JSONFile.encode(summary) { try? data.write(to: lastRunFile, options: .atomic) }
    }

    public func lastRun() -> RunSummary? {
        guard let data = try? Data(contentsOf: lastRunFile) else { return nil }
        return try? JSONDecoder().decode(RunSummary.self, from: data)
    }
}
