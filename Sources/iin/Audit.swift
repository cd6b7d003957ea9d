import ArgumentParser
import Foundation
import IIN

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a release folder against itself and print every discrepancy with the numbers.",
        discussion: """
            Reads the tables of RELEASE_DIR (ours, or a published release downloaded as workbooks) with the project's own XLSX \
            reader, or from the CSVs when there are no workbooks; checks the invariants of validation.md section 1; recomputes \
            degrees, ranks and the Table 1 statistics from the edge tables. When the folder has a manifest.json (iin wrote it), \
            --verify is the default: every file is checked against the manifest's SHA-256, and the tables are recomputed from the \
            CSVs and from the workbooks both. Exit code 0 when everything agrees, 3 when not.
            """)

    @Argument(help: "The release folder.")
    var release: String

    @Flag(name: .long, help: "Read the CSV tables even where workbooks are there.")
    var csv = false

    @OptionGroup var output: OutputOptions

    @Flag(name: .long, inversion: .prefixedNo,
          help: "Check every file against the manifest's SHA-256 and recompute from both the CSVs and the workbooks (default: when a manifest is present).")
    var verify: Bool?

    func validate() throws {
        try requireReleaseFolder(release, argument: "RELEASE")
    }

    func run() throws {
        let folder = URL(fileURLWithPath: release)
        let integrity = verify == false ? nil : ReleaseIntegrity.check(folder)
        if verify == true && integrity == nil {
            throw ValidationError("--verify: \(folder.path) has no \(ReleaseFolder.manifestName) to verify against")
        }
        let checks = try reportingErrors { () throws(IINError) -> [CheckResult] in
            let gazetteer = try Gazetteer.embedded()
            guard let integrity else {
                // Said, not silent: without a manifest (a release downloaded
                // as tables), the bytes themselves cannot be verified.
                return [ReleaseIntegrity.unverified(folder)] + (try ReleaseAudit(release: folder, gazetteer: gazetteer, preferWorkbooks: !csv).run())
            }
            // Verifying reads both copies of every table: an edit to one
            // of them is found even where the other is left alone.
            var checks = [integrity]
            for (label, workbooks) in csv ? [("CSV", false)] : [("workbooks", true), ("CSV", false)] {
                checks += try ReleaseAudit(release: folder, gazetteer: gazetteer, preferWorkbooks: workbooks).run().map { check in
                    var check = check
                    check.title += " (from the \(label))"
                    return check
                }
            }
            return checks
        }
        for check in checks {
            let status = check.skipped ? Colour.yellow("SKIP") : check.passed ? Colour.green("ok  ") : Colour.red("FAIL")
            output.say("\(status) \(check.title)")
            if output.verbose || check.skipped { for detail in check.details { output.say("       \(detail)") } }
            for failure in check.failures { output.say("     - \(failure)") }
        }
        let failed = checks.filter { !$0.passed }.count
        output.say(failed == 0 ? "audit: \(checks.count) checks, all agree" : "audit: \(failed) of \(checks.count) checks found discrepancies")
        try output.emit(CommandReports.audit(release: folder, checks: checks))
        if failed > 0 { throw ExitCode(3) }
    }
}
