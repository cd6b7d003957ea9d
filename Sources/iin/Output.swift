import ArgumentParser
import Foundation
import IIN

/// `--json`, `--quiet` and `--verbose`, shared by the commands that report.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Also write the result as JSON to this file (its schema: docs/cli.md); '-' writes it to standard output, which then holds the JSON only, the text going to standard error.")
    var json: String?

    @Flag(name: .shortAndLong, help: "Print only errors and warnings (and the JSON, if asked).")
    var quiet = false

    @Flag(name: .long, help: "Also print what the short report leaves out.")
    var verbose = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot both be given") }
        // Found before any work, not after it: a run that published and
        // then could not say so would read as failed to a script.
        if let json, json != "-" {
            guard !json.isEmpty, !json.hasSuffix("/") else { throw ValidationError("--json '\(json)': name a file, or '-' for standard output") }
            let url = URL(fileURLWithPath: json)
            var folder: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &folder) {
                if folder.boolValue || !FileManager.default.isWritableFile(atPath: url.path) {
                    throw ValidationError("--json '\(json)': \(folder.boolValue ? "is a folder" : "cannot be written")")
                }
            } else {
                let parent = url.deletingLastPathComponent().path
                var parentIsFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: parent, isDirectory: &parentIsFolder), parentIsFolder.boolValue,
                      FileManager.default.isWritableFile(atPath: parent) else {
                    throw ValidationError("--json '\(json)': \(parent) is no folder this user can write in")
                }
            }
        }
    }

    /// A line of the human report: to standard output, or to standard
    /// error when the JSON goes to standard output; nothing when quiet.
    func say(_ line: String) {
        guard !quiet else { return }
        if json == "-" {
            StandardError.write(line + "\n")
        } else {
            print(line)
        }
    }

    /// Writes the JSON where `--json` says; nothing without it.
    func emit(_ value: @autoclosure () -> JSONValue) throws {
        guard let json else { return }
        let text = value().prettyPrinted() + "\n"
        if json == "-" {
            print(text, terminator: "")
            return
        }
        try reportingErrors {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: json)) } catch {
                throw IINError.unwritableFile(path: json, reason: error.localizedDescription)
            }
        }
    }
}

/// ANSI colour for words people scan for (ok, FAIL, stale), only on a
/// terminal and only when NO_COLOR is unset (no-color.org).
enum Colour {
    /// The report may go to either stream (`--json -` sends it to
    /// standard error), so both must be terminals.
    static let enabled: Bool = isatty(STDOUT_FILENO) != 0 && isatty(STDERR_FILENO) != 0 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty

    static func green(_ text: String) -> String { paint(text, "32") }
    static func red(_ text: String) -> String { paint(text, "31") }
    static func yellow(_ text: String) -> String { paint(text, "33") }

    private static func paint(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// A release folder named on the command line: one that exists and is a
/// folder, or a usage error that says which.
func requireReleaseFolder(_ path: String, argument: String) throws {
    var folder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &folder) else {
        throw ValidationError("\(argument) '\(path)': no such folder")
    }
    guard folder.boolValue else { throw ValidationError("\(argument) '\(path)': a file, not a release folder") }
}
