import ArgumentParser
import Foundation
import IIN

struct Dag: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the stage graph.")

    enum Format: String, ExpressibleByArgument { case text, dot }

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: "text or dot (Graphviz).")
    var format: Format = .text

    @Option(name: .long, help: "Write the graph as JSON (stages with needs, inputs and parameters; docs/cli.md) to this file; '-' for standard output instead of the text.")
    var json: String?

    func run() throws {
        let workspace = try options.workspace()
        let output = try OutputOptions.parse(json.map { ["--json", $0] } ?? [])
        if json != "-" { print(format == .dot ? StageGraph.dot(workspace.pipeline) : StageGraph.text(workspace.pipeline), terminator: "") }
        try output.emit(CommandReports.dag(workspace.pipeline))
    }
}
