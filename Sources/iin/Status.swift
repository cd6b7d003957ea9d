import ArgumentParser
import Foundation
import IIN

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Say for each stage whether it is up to date and, if not, every reason why.")

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: "The release folder to compare (default: pipeline.json's 'release').")
    var out: String?

    func run() throws {
        let workspace = try options.workspace()
        let store = ArtifactStore(workFolder: workspace.workFolder)
        let plans = try reportingErrors {
            try workspace.runner(log: ConsoleLog(), progress: ProgressReporter(style: .silent))
                .plan(check: .sizes, hashCache: FileHashCache(storeURL: store.root.appendingPathComponent("state/file-hashes.json")))
        }
        for plan in plans {
            let name = plan.stage.name.padding(toLength: 10, withPad: " ", startingAt: 0)
            let state = plan.upToDate ? "up to date" : plan.reasons.isEmpty ? "waiting" : "stale"
            // A waiting stage's fingerprint is a forecast: not shown.
            print("\(name) \(state)\(plan.waitingOn.isEmpty ? "  \(plan.fingerprint.prefix(12))" : "")")
            for reason in plan.reasons { print("           because \(reason)") }
            if !plan.waitingOn.isEmpty && plan.reasons.isEmpty {
                let stages = plan.waitingOn.joined(separator: ", ")
                print("           reruns only if the output of \(stages) changes when \(plan.waitingOn.count == 1 ? "it reruns" : "they rerun")")
            }
        }
        if let last = store.lastRun() {
            let ran = last.stages.filter { $0.status == .ran }.map(\.stage)
            let failure = last.failedStage.map { "; failed in stage \($0)" } ?? ""
            print("last run   \(last.finished): \(ran.isEmpty ? "no stage ran" : "ran \(ran.joined(separator: ", "))")\(failure)")
            for sentence in last.cutoffs { print("           \(sentence)") }
        }
        let release = workspace.releaseFolder(override: out)
        let current = Dictionary(uniqueKeysWithValues: plans.map { ($0.stage.name, $0.fingerprint) })
        let integrity = ReleaseIntegrity.check(release)
        switch ReleaseFolder.stageFingerprints(in: release) {
        case nil: print("release    missing  \(release.path)")
        case _ where integrity?.passed == false:
            print("release    altered  \(release.path) (its bytes differ from its manifest; 'iin audit' lists them, 'iin run --verify' rewrites it)")
            for failure in (integrity?.failures ?? []).prefix(10) { print("           \(failure)") }
        case let recorded? where recorded == current: print("release    up to date  \(release.path)")
        case .some: print("release    stale  \(release.path) (made from other stage outputs; 'iin run' rewrites it)")
        }
    }
}
