import ArgumentParser
import Foundation
import IIN

struct Dag: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the stage graph.")

    enum Format: String, ExpressibleByArgument { case text, dot }

    @OptionGroup var options: PipelineOptions

    @Option(name: .long, help: "text or dot (Graphviz).")
    var format: Format = .text

    func run() throws {
        let workspace = try options.workspace()
        print(format == .dot ? StageGraph.dot(workspace.pipeline) : StageGraph.text(workspace.pipeline), terminator: "")
    }
}
