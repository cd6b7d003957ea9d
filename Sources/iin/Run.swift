import ArgumentParser
import Foundation
import IIN

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the stale stages of the pipeline and write the release folder.",
        discussion: "Stages whose fingerprint matches a cached artifact are not rerun; each stage that runs says why. Exit codes: 0 done, 1 error, 3 validation failed (release not updated), 4 the release guard refused the new release (old one kept; --accept-shrink publishes it), 75 work folder busy, 64 usage, 130 SIGINT, 143 SIGTERM. See docs/failure-modes.md.")

    @OptionGroup var options: PipelineOptions

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

    func run() throws {
        Interruption.install()
        let workspace = try options.workspace()
        let started = Date()
        let log = ConsoleLog()
        let outcome = try reportingErrors {
            try workspace.runner(log: log, progress: ProgressReporter.forStandardError())
                .run(force: force, verify: verify, threads: max(1, threads), releaseFolder: workspace.releaseFolder(override: out),
                     options: ReleaseFolder.Options(compareWith: compareWith.map { URL(fileURLWithPath: $0) }, acceptShrink: acceptShrink,
                                                    auditFolder: audit.map { URL(fileURLWithPath: $0) }))
        }
        let seconds = Date().timeIntervalSince(started)
        if let accounting = Workspace.accounting(of: outcome.results, in: workspace.pipeline) {
            print("accounting: \(accounting.identityLine)")
        }
        if let geocode = outcome.results.first(where: { $0.kind == GeocodeStage.kind }),
           let report = try? GeocodingReport.read(from: geocode.artifact) {
            for line in report.summaryLines { print(line) }
            print("geocoding: details in \(geocode.artifact.appendingPathComponent(GeocodingReport.fileName).path)")
        }
        for sentence in ArtifactStore(workFolder: workspace.workFolder).lastRun()?.cutoffs ?? [] { print("early cutoff: \(sentence)") }
        let ran = outcome.results.filter { $0.status == .ran }.count
        print("done: \(ran) stage(s) ran, \(outcome.results.count - ran) cached, \(String(format: "%.2f", seconds)) s")
        if let release = outcome.releaseFolder {
            print("release: \(release.path)")
            if let validate = outcome.results.first(where: { $0.kind == ValidateStage.kind }) {
                let floors = validate.counts["thresholds"].map { $0 == 0 ? "no floors set" : "\($0) floor(s) met" } ?? ""
                print("validation: \(release.appendingPathComponent(ValidateStage.pageFile).path) (invariants hold; \(floors))")
            }
        }
        if let comparison = outcome.comparison {
            for line in ReleaseComparison.summary(comparison) { print(line) }
            print("  details in \(workspace.workFolder.appendingPathComponent("reports/\(ReleaseComparison.reportFile)").path)")
        }
        if let problem = outcome.comparisonProblem { log.warning(problem) }
    }
}

/// Prints one line per stage: ran or cached, wall time, row counts, and
/// for a stage that ran, every reason why.
final class ConsoleLog: RunLog {
    func stageFinished(_ result: StageResult) {
        let counts = result.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let name = result.stage.padding(toLength: 10, withPad: " ", startingAt: 0)
        let status = result.status.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
        print("\(name) \(status) \(String(format: "%7.2f", result.seconds)) s  \(counts)")
        for reason in result.reasons { print("           because \(reason)") }
    }

    func warning(_ message: String) {
        StandardError.write("warning: \(message)\n")
    }
}
