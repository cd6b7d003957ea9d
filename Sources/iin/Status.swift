import ArgumentParser
import Foundation
import IIN

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say for each stage whether it is up to date and, if not, every reason why.",
        discussion: "With --check, exits 1 when any stage or the release is not up to date, 0 when all are (for a nightly script).")

    @OptionGroup var options: PipelineOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "The release folder to compare (default: pipeline.json's 'release').")
    var out: String?

    @Flag(name: .long, help: "Exit 1 when anything is stale (a stage or the release), 0 when everything is up to date.")
    var check = false

    func run() throws {
        let workspace = try options.workspace()
        let store = ArtifactStore(workFolder: workspace.workFolder)
        let plans = try reportingErrors {
            try workspace.runner(log: ConsoleLog(output: output), progress: ProgressReporter(style: .silent))
                .plan(check: .sizes, hashCache: FileHashCache(storeURL: store.root.appendingPathComponent("state/file-hashes.json")))
        }
        for plan in plans {
            let name = plan.stage.name.padding(toLength: 10, withPad: " ", startingAt: 0)
            let state = plan.upToDate ? Colour.green("up to date") : plan.reasons.isEmpty ? "waiting" : Colour.yellow("stale")
            // A waiting stage's fingerprint is a forecast: not shown.
            output.say("\(name) \(state)\(plan.waitingOn.isEmpty ? "  \(plan.fingerprint.prefix(12))" : "")")
            for reason in plan.reasons { output.say("           because \(reason)") }
            if !plan.waitingOn.isEmpty && plan.reasons.isEmpty {
                let stages = plan.waitingOn.joined(separator: ", ")
                output.say("           reruns only if the output of \(stages) changes when \(plan.waitingOn.count == 1 ? "it reruns" : "they rerun")")
            }
        }
        let last = store.lastRun()
        if let last {
            let ran = last.stages.filter { $0.status == .ran }.map(\.stage)
            let failure = last.failedStage.map { "; failed in stage \($0)" } ?? ""
            output.say("last run   \(last.finished): \(ran.isEmpty ? "no stage ran" : "ran \(ran.joined(separator: ", "))")\(failure)")
            for sentence in last.cutoffs { output.say("           \(sentence)") }
        }
        let release = workspace.releaseFolder(override: out)
        let current = Dictionary(uniqueKeysWithValues: plans.map { ($0.stage.name, $0.fingerprint) })
        let integrity = ReleaseIntegrity.check(release)
        let releaseState: String
        var failures: [String] = []
        switch ReleaseFolder.stageFingerprints(in: release) {
        case nil:
            releaseState = "missing"
            output.say("release    \(Colour.yellow("missing"))  \(release.path)")
        case _ where integrity?.passed == false:
            releaseState = "altered"
            failures = integrity?.failures ?? []
            // A file the manifest does not list makes 'iin run' refuse the
            // folder, so rewriting is not the advice then.
            let foreign = failures.contains { $0.hasSuffix(": not in the manifest") }
            output.say("release    \(Colour.red("altered"))  \(release.path) " + (foreign
                ? "(it holds files its manifest does not list, and 'iin run' replaces no folder holding files it did not write: move them away)"
                : "(its bytes differ from its manifest; 'iin audit' lists them, 'iin run --verify' rewrites it)"))
            for failure in failures.prefix(10) { output.say("           \(failure)") }
        case let recorded? where recorded == current:
            releaseState = "up_to_date"
            output.say("release    \(Colour.green("up to date"))  \(release.path)")
        case .some:
            releaseState = "stale"
            output.say("release    \(Colour.yellow("stale"))  \(release.path) (made from other stage outputs; 'iin run' rewrites it)")
        }
        try output.emit(CommandReports.status(plans: plans, lastRun: last, release: release, releaseState: releaseState, releaseFailures: failures))
        if check && (plans.contains { !$0.upToDate } || releaseState != "up_to_date") { throw ExitCode(1) }
    }
}
