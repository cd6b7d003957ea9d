import ArgumentParser
import Foundation
import IIN

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say what changed between two release folders (validation.md section 9).",
        discussion: """
            Undirected intercity edges added, removed and changed per slice with the largest changes, moves in the \
            node-degree ranking, Table 1's dyads and sums, and every headline figure of the two validation reports. \
            `iin run` does the same against the release folder's previous contents (or --compare-with DIR).
            """)

    @Argument(help: "The previous release folder.")
    var previous: String

    @Argument(help: "The current release folder.")
    var current: String

    @OptionGroup var output: OutputOptions

    func validate() throws {
        try requireReleaseFolder(previous, argument: "PREVIOUS")
        try requireReleaseFolder(current, argument: "CURRENT")
    }

    func run() throws {
        let comparison = try reportingErrors { () throws(IINError) -> JSONValue in
            try ReleaseComparison.compare(previous: URL(fileURLWithPath: previous), current: URL(fileURLWithPath: current))
        }
        for line in ReleaseComparison.summary(comparison) { output.say(line) }
        try output.emit(comparison)
        if let json = output.json, json != "-" { output.say("comparison: \(json)") }
    }
}
