import ArgumentParser
import Foundation
import IIN

@main
struct IINCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iin",
        abstract: "Build, validate and publish the intercity investment network (IIN) of China.",
        version: IINVersion.current,
        subcommands: [Run.self, Status.self, Dag.self, Audit.self, Compare.self, GeocodeCommand.self, Gravity.self, Sample.self, Synth.self, GazetteerCommand.self],
        defaultSubcommand: Run.self
    )

    /// Signals are caught from the first instant, not only once a command
    /// starts: a SIGTERM while the arguments are parsed still exits 143
    /// with one line.
    static func main() {
        Interruption.install()
        main(nil)
    }
}

/// Options every command that reads the pipeline shares.
struct PipelineOptions: ParsableArguments {
    @Option(name: .long, help: "The pipeline file.")
    var pipeline = "pipeline.json"

    @Option(name: .long, help: "The stage definition folder (default: 'stages' beside the pipeline file).")
    var stages: String?

    @Option(name: .long, help: "The work folder holding cached artifacts (default: '.iin' beside the pipeline file).")
    var work: String?

    @Option(name: .long, help: "Point a pipeline input elsewhere: NAME=GLOB (repeatable), e.g. raw='/data/crawl-2026-11-23/*.csv'.")
    var input: [String] = []

    func overrides() throws -> [String: String] {
        var result: [String: String] = [:]
        for item in input {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("--input '\(item)': expected NAME=GLOB")
            }
            result[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return result
    }

    func workspace() throws -> Workspace {
        let overrides = try overrides()
        return try reportingErrors {
            try Workspace(pipelineFile: URL(fileURLWithPath: pipeline), stagesFolder: stages.map { URL(fileURLWithPath: $0) },
                          workFolder: work.map { URL(fileURLWithPath: $0) }, inputOverrides: overrides)
        }
    }
}

/// Prints an `IINError` as the one sentence it is and exits with its code.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as IINError {
        StandardError.write("error: \(error.description)\n")
        switch error {
        case .invariantsBroken, .thresholdsNotMet: throw ExitCode(3)
        case .workFolderLocked, .releaseFolderBusy: throw ExitCode(75)
        case .releaseShrank: throw ExitCode(4)
        case let .interrupted(signal): throw ExitCode(128 + signal)
        default: throw ExitCode(1)
        }
    }
}
