import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
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
        let arguments = Array(CommandLine.arguments.dropFirst())
        // `run` is the default command and takes no word of its own, so a
        // mistyped command would otherwise read as "unexpected argument".
        if let first = arguments.first, !first.hasPrefix("-"), !commandNames.contains(first) {
            let suggestion = commandNames.min { distance(first, $0) < distance(first, $1) }.map { distance(first, $0) <= 3 ? " Did you mean '\($0)'?" : "" } ?? ""
            StandardError.write("error: '\(first)' is not an iin command.\(suggestion) Commands: \(commandNames.joined(separator: ", ")); 'iin --help' says more.\n")
            Glibc.exit(64)
        }
        main(nil)
    }

    static var commandNames: [String] {
        (configuration.subcommands.map { $0.configuration.commandName ?? String(describing: $0).lowercased() }) + ["help"]
    }

    /// Edit distance between two words (Levenshtein).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() { current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))) }
            previous = current
        }
        return previous[b.count]
    }
}

/// Options every command that reads the pipeline shares.
struct PipelineOptions: ParsableArguments {
    @Option(name: .customLong("pipeline"), help: "The pipeline file (default: pipeline.json).")
    var pipelineOption: String?

    var pipeline: String { pipelineOption ?? "pipeline.json" }

    @Option(name: .long, help: "The stage definition folder (default: 'stages' beside the pipeline file, or in the nearest folder above it).")
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
        let loaded = try loadWorkspace()
        guard case let .success(workspace) = loaded else {
            StandardError.write("error: \(loaded.failureMessage ?? "")\n")
            throw ExitCode(loaded.failureStatus)
        }
        return workspace
    }

    /// The workspace, or the error that stops it (not yet printed), for a
    /// command that reports it in its JSON too. Throws only a usage error
    /// of the arguments themselves.
    func loadWorkspace() throws -> Result<Workspace, IINError> {
        let overrides = try overrides()
        var status = stat()
        let problem: String? = stat(pipeline, &status) != 0
            ? (pipelineOption == nil ? "a pipeline.json in this folder: run from the project folder, or name the file with --pipeline FILE"
                : "an existing pipeline file: there is no such file")
            : (status.st_mode & S_IFMT) == S_IFDIR ? "a pipeline file, not a folder"
            : (status.st_mode & S_IFMT) != S_IFREG ? "a pipeline file: this is not a regular file" : nil
        if let problem { return .failure(IINError.invalidArgument(name: "--pipeline", value: pipeline, expected: problem)) }
        let (pipelineFile, stagesFolder, workFolder) = (URL(fileURLWithPath: pipeline), stages.map { URL(fileURLWithPath: $0) }, work.map { URL(fileURLWithPath: $0) })
        return Result { () throws(IINError) -> Workspace in
            try Workspace(pipelineFile: pipelineFile, stagesFolder: stagesFolder, workFolder: workFolder, inputOverrides: overrides)
        }
    }
}

/// Prints an `IINError` as the one sentence it is and exits with its code.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as IINError {
        StandardError.write("error: \(error.description)\n")
        throw ExitCode(exitStatus(for: error))
    }
}

/// The exit code of an error (README, docs/cli.md).
func exitStatus(for error: IINError) -> Int32 {
    switch error {
    case .invariantsBroken, .thresholdsNotMet: return 3
    case .workFolderLocked, .releaseFolderBusy: return 75
    case .releaseShrank: return 4
    case let .interrupted(signal): return 128 + signal
    // A command-line option the user got wrong (--force, --input,
    // --pipeline, --stages): a usage mistake, as sysexits.h has it.
    case let .invalidArgument(name, _, _) where name.hasPrefix("--"): return 64
    default: return 1
    }
}

/// A failed command's message and exit code, for commands that also
/// report the failure in their JSON.
extension Result where Failure == IINError {
    var failureMessage: String? {
        if case let .failure(error) = self { return error.description }
        return nil
    }

    var failureStatus: Int32 {
        if case let .failure(error) = self { return exitStatus(for: error) }
        return 0
    }
}
