import ArgumentParser
import Foundation
import IIN

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a release folder against itself and print every discrepancy with the numbers.",
        discussion: """
            Reads the tables of RELEASE_DIR (ours, or a published release downloaded as workbooks) with the project's own XLSX \
            reader, or from the CSVs when there are no workbooks; checks the invariants of validation.md section 1; recomputes \
            degrees, ranks and the Table 1 statistics from the edge tables. Exit code 0 when everything agrees, 3 when not.
            """)

    @Argument(help: "The release folder.")
    var release: String

    @Flag(name: .long, help: "Read the CSV tables even where workbooks are there.")
    var csv = false

    @Flag(name: .long, help: "Also print what every passed check compared.")
    var verbose = false

    func run() throws {
        let checks = try reportingErrors { () throws(IINError) -> [CheckResult] in
            try ReleaseAudit(release: URL(fileURLWithPath: release), gazetteer: try Gazetteer.embedded(), preferWorkbooks: !csv).run()
        }
        for check in checks {
            let status = check.skipped ? "SKIP" : check.passed ? "ok  " : "FAIL"
            print("\(status) \(check.title)")
            if verbose || check.skipped { for detail in check.details { print("       \(detail)") } }
            for failure in check.failures { print("     - \(failure)") }
        }
        let failed = checks.filter { !$0.passed }.count
        print(failed == 0 ? "audit: \(checks.count) checks, all agree" : "audit: \(failed) of \(checks.count) checks found discrepancies")
        if failed > 0 { throw ExitCode(3) }
    }
}
