import ArgumentParser
import Foundation
import IIN

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the stale stages of the pipeline and write the release folder.",
        discussion: "Stages whose fingerprint matches a cached artifact are not rerun; each stage that runs says why. --dry-run prints what would run and why, and runs nothing. Exit codes: 0 done, 1 error, 3 validation failed (release not updated), 4 the release guard refused the new release (old one kept; --accept-shrink publishes it), 75 work folder busy, 64 usage, 130 SIGINT, 143 SIGTERM. See docs/failure-modes.md.")

    @OptionGroup var options: PipelineOptions
    @OptionGroup var output: OutputOptions

    @Flag(name: .customLong("dry-run"), help: "Print what would run and why, and run nothing.")
    var dryRun = false

    @Option(name: .long, help: "The release folder (default: pipeline.json's 'release', beside the pipeline file).")
    var out: String?

    @Option(name: .long, help: "Rerun this stage and every stage that depends on it (repeatable).")
    var force: [String] = []

    @Flag(name: .long, help: "Re-hash every cached artifact instead of trusting the files whose size, modification time and inode are unchanged.")
    var verify = false

    @Option(name: .long, help: "Worker threads (default: all cores). Outputs do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("compare-with"), help: "A previous release folder to compare the new one with (default: the release folder's previous contents).")
    var compareWith: String?

    @Flag(name: .customLong("accept-shrink"), help: "Publish even when the release guard finds the new release much smaller than the one it replaces.")
    var acceptShrink = false

    @Option(name: .long, help: "The folder for files that hold enterprise names and so stay out of the release (default: 'audit' in the work folder).")
    var audit: String?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads \(threads): give 1 or more") }
    }

    func run() throws {
        Interruption.install()
        let started = Date()
        let loaded = try options.loadWorkspace()
        guard case let .success(workspace) = loaded else {
            // A pipeline that does not load is a failed run to a script too.
            try failed(message: loaded.failureMessage ?? "", status: loaded.failureStatus, thisRun: nil, started: started)
            return
        }
        if dryRun { return try plan(workspace) }
        let previousRun = ArtifactStore(workFolder: workspace.workFolder).lastRun()
        let log = ConsoleLog(output: output)
        let runner = workspace.runner(log: log, progress: output.quiet ? ProgressReporter(style: .silent) : ProgressReporter.forStandardError())
        let releaseFolder = workspace.releaseFolder(override: out)
        let options = ReleaseFolder.Options(compareWith: compareWith.map { URL(fileURLWithPath: $0) }, acceptShrink: acceptShrink,
                                            auditFolder: audit.map { URL(fileURLWithPath: $0) })
        let attempt = Result { () throws(IINError) -> Runner.Outcome in
            try runner.run(force: force, verify: verify, threads: threads, releaseFolder: releaseFolder, options: options)
        }
        guard case let .success(outcome) = attempt else {
            // The run log tells how far this run went, if it got to write
            // one; an earlier run's log is not this run's.
            let last = ArtifactStore(workFolder: workspace.workFolder).lastRun()
            try failed(message: attempt.failureMessage ?? "", status: attempt.failureStatus, thisRun: last == previousRun ? nil : last, started: started)
            return
        }
        let seconds = Date().timeIntervalSince(started)
        if let accounting = Workspace.accounting(of: outcome.results, in: workspace.pipeline) {
            output.say("accounting: \(accounting.identityLine)")
        }
        if let geocode = outcome.results.first(where: { $0.kind == GeocodeStage.kind }),
           let report = try? GeocodingReport.read(from: geocode.artifact) {
            for line in report.summaryLines { output.say(line) }
            output.say("geocoding: details in \(geocode.artifact.appendingPathComponent(GeocodingReport.fileName).path)")
        }
        for sentence in ArtifactStore(workFolder: workspace.workFolder).lastRun()?.cutoffs ?? [] { output.say("early cutoff: \(sentence)") }
        let ran = outcome.results.filter { $0.status == .ran }.count
        output.say("done: \(ran) stage(s) ran, \(outcome.results.count - ran) cached, \(String(format: "%.2f", seconds)) s")
        if let release = outcome.releaseFolder {
            output.say("release: \(release.path)")
            if let validate = outcome.results.first(where: { $0.kind == ValidateStage.kind }) {
                let floors = validate.counts["thresholds"].map { $0 == 0 ? "no floors set" : "\($0) floor(s) met" } ?? ""
                output.say("validation: \(release.appendingPathComponent(ValidateStage.pageFile).path) (invariants hold; \(floors))")
            }
        }
        if let comparison = outcome.comparison {
            for line in ReleaseComparison.summary(comparison) { output.say(line) }
            output.say("  details in \(workspace.workFolder.appendingPathComponent("reports/\(ReleaseComparison.reportFile)").path)")
        }
        if let problem = outcome.comparisonProblem { log.warning(problem) }
        let cutoffs = ArtifactStore(workFolder: workspace.workFolder).lastRun()?.cutoffs ?? []
        try output.emit(CommandReports.run(results: outcome.results, accounting: Workspace.accounting(of: outcome.results, in: workspace.pipeline),
                                           release: outcome.releaseFolder, seconds: seconds, comparison: outcome.comparison,
                                           comparisonProblem: outcome.comparisonProblem, cutoffs: cutoffs))
    }

    /// A failed run says so in its JSON too, so a script never reads an
    /// earlier night's file as tonight's result.
    private func failed(message: String, status: Int32, thisRun: RunSummary?, started: Date) throws {
        StandardError.write("error: \(message)\n")
        try output.emit(CommandReports.failedRun(error: message, exitCode: Int(status), lastRun: thisRun, seconds: Date().timeIntervalSince(started)))
        throw ExitCode(status)
    }

    /// `--dry-run`: each stage's plan, with `--force` applied to it and
    /// every stage downstream; nothing runs and nothing is written.
    private func plan(_ workspace: Workspace) throws {
        let stages = workspace.pipeline.stages
        for name in force where !stages.contains(where: { $0.name == name }) {
            _ = try reportingErrors { () throws(IINError) -> Int in
                throw IINError.invalidArgument(name: "--force", value: name, expected: "a stage name: \(stages.map(\.name).joined(separator: ", "))")
            }
        }
        var forced = Set(force)
        for stage in stages where stage.needs.contains(where: forced.contains) { forced.insert(stage.name) }
        let store = ArtifactStore(workFolder: workspace.workFolder)
        let plans = try reportingErrors {
            try workspace.runner(log: ConsoleLog(output: output), progress: ProgressReporter(style: .silent))
                .plan(check: verify ? .content : .sizes, hashCache: FileHashCache(storeURL: store.root.appendingPathComponent("state/file-hashes.json")))
        }
        for plan in plans {
            let name = plan.stage.name.padding(toLength: 10, withPad: " ", startingAt: 0)
            let runs = forced.contains(plan.stage.name) || !plan.reasons.isEmpty
            output.say("\(name) \(runs ? "would run" : plan.waitingOn.isEmpty ? "cached" : "would run if \(plan.waitingOn.joined(separator: ", ")) output changes")")
            if forced.contains(plan.stage.name) { output.say("           because it is forced (--force)") }
            for reason in plan.reasons { output.say("           because \(reason)") }
        }
        output.say("dry run: nothing ran and nothing was written")
        try output.emit(CommandReports.dryRun(plans: plans, forced: forced))
    }
}

/// Prints one line per stage: ran or cached, wall time, row counts, and
/// for a stage that ran, every reason why.
final class ConsoleLog: RunLog {
    let output: OutputOptions

    init(output: OutputOptions) {
        self.output = output
    }

    func stageFinished(_ result: StageResult) {
        let counts = result.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let name = result.stage.padding(toLength: 10, withPad: " ", startingAt: 0)
        let padded = result.status.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
        let status = result.status == .ran ? Colour.green(padded) : padded
        output.say("\(name) \(status) \(String(format: "%7.2f", result.seconds)) s  \(counts)")
        for reason in result.reasons { output.say("           because \(reason)") }
        if output.verbose { output.say("           artifact \(result.artifact.path) (fingerprint \(result.fingerprint.prefix(12)))") }
    }

    func warning(_ message: String) {
        StandardError.write("warning: \(message)\n")
    }
}
