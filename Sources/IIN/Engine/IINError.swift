import Foundation

/// Every failure the user can act on, with where it happened and what to do.
///
/// Each case prints as one sentence naming the file (and row, column, JSON
/// path or value where there is one) and the fix, because the person reading
/// it at 3 a.m. after a failed nightly rebuild has nothing else to go on.
public enum IINError: Error, Sendable, Equatable, CustomStringConvertible {
    case pipeline(file: String, jsonPath: String, problem: String, fix: String)
    case stageDefinition(file: String, problem: String)
    case noInputFiles(input: String, glob: String)
    case unreadableFile(path: String, reason: String)
    case unwritableFile(path: String, reason: String)
    case unsupportedFile(path: String, reason: String)
    case unknownEncoding(path: String)
    case missingColumns(path: String, missing: [String], found: [String])
    case duplicateColumn(path: String, canonical: String, headers: [String], found: [String])
    case emptyFile(path: String)
    case corruptArtifact(path: String, reason: String)
    case gazetteer(file: String, row: Int, problem: String)
    case workFolderLocked(folder: String, holderPID: Int32)
    case invalidArgument(name: String, value: String, expected: String)
    case invariantsBroken(report: String, failures: [String])
    /// Figures below the floors pipeline.json sets.
    case thresholdsNotMet(report: String, failures: [String])
    case releaseFolderNotOurs(path: String, reason: String)
    /// The file system of `folder` is full: `needed` more bytes at least.
    case diskFull(folder: String, file: String, needed: Int, available: Int?)
    /// The release guard: the new release is worse than the one it would
    /// replace by one of pipeline.json's `guard` figures.
    case releaseShrank(release: String, hadPrevious: Bool, failures: [String])
    /// Another run, on another work folder, is placing a release there.
    case releaseFolderBusy(path: String)
    /// The run was stopped by a signal (SIGINT, SIGTERM).
    case interrupted(signal: Int32)
    /// A limit that keeps hostile input from exhausting memory or time.
    case limitExceeded(path: String, part: String, limit: String)
    /// A release's files differ from what its manifest records.
    case releaseTampered(path: String, failures: [String])
    /// A table the user keeps (manual overrides): the cell to fix.
    case invalidTableCell(path: String, row: Int, column: String, value: String, expected: String)
    /// A remote service refused or failed; `problem` never holds a secret.
    case externalService(service: String, problem: String, fix: String)
    /// Slice years in which no kept record falls; `found`, the years the
    /// kept records span.
    case emptySlices(years: [Int], found: ClosedRange<Int>?)

    /// Names from a file, shortened for a message: a header of any size
    /// never floods the terminal.
    static func list(_ names: [String]) -> String {
        let shown = names.prefix(40).map { $0.count > 60 ? String($0.prefix(60)) + "…" : $0 }
        return shown.joined(separator: ", ") + (names.count > 40 ? " and \(names.count - 40) more" : "")
    }

    public var description: String {
        switch self {
        case let .pipeline(file, jsonPath, problem, fix):
            return "\(file): at \(jsonPath): \(problem). \(fix)"
        case let .stageDefinition(file, problem):
            return "\(file): \(problem). Restore the stage definition from the repository."
        case let .noInputFiles(input, glob):
            return "input '\(input)': no file matches '\(glob)'. Point it at existing files with --input \(input)=GLOB or edit pipeline.json."
        case let .unreadableFile(path, reason):
            return "\(path): cannot be read (\(reason)). Check that it exists and is readable."
        case let .unwritableFile(path, reason):
            return "\(path): cannot be written (\(reason)). Check the folder's permissions and free space."
        case let .unsupportedFile(path, reason):
            let file = (path.components(separatedBy: "#").first ?? path).lowercased()
            if [".csv", ".csv.gz", ".xlsx"].contains(where: file.hasSuffix) {
                return "\(path): \(reason). Re-export the file, or leave it out of the input glob."
            }
            return "\(path): \(reason). Accepted are .csv, .csv.gz and .xlsx; convert the file or leave it out of the input glob."
        case let .unknownEncoding(path):
            return "\(path): the text is neither UTF-8 nor GB18030, so it is refused rather than guessed. Re-export it as UTF-8."
        case let .missingColumns(path, missing, found):
            return "\(path): required column(s) \(missing.joined(separator: ", ")) missing; headers found: \(Self.list(found)). Rename the headers or add a 'columns' mapping in pipeline.json."
        case let .duplicateColumn(path, canonical, headers, found):
            return "\(path): headers \(headers.joined(separator: " and ")) both map to '\(canonical)'; headers found: \(Self.list(found)). Drop one of them or remap it in pipeline.json."
        case let .emptyFile(path):
            return "\(path): no header row. The file is empty; remove it from the input or re-export it."
        case let .corruptArtifact(path, reason):
            return "\(path): damaged artifact (\(reason)). Run again: damaged artifacts are rebuilt."
        case let .gazetteer(file, row, problem):
            return "\(file), row \(row): \(problem). The gazetteer data is part of the program; rebuild it with 'iin gazetteer' from the repository root."
        case let .workFolderLocked(folder, pid):
            return "another iin run (process \(pid)) is using the work folder \(folder). Wait for it to finish, or stop it; a lock left by a dead process is taken over automatically."
        case let .invalidArgument(name, value, expected):
            return "\(name) '\(value)': expected \(expected)."
        case let .invariantsBroken(report, failures):
            return "validation failed, the release was not updated (\(failures.count) broken invariant(s)); report: \(report)\n  - " + failures.joined(separator: "\n  - ")
        case let .thresholdsNotMet(report, failures):
            return "validation failed, the release was not updated (\(failures.count) figure(s) below their floor in pipeline.json); report: \(report)\n  - " + failures.joined(separator: "\n  - ")
        case let .invalidTableCell(path, row, column, value, expected):
            return "\(path), row \(row), column \(column): '\(value)' is not \(expected). Correct the cell."
        case let .externalService(service, problem, fix):
            return "\(service): \(problem). \(fix)"
        case let .emptySlices(years, found):
            let list = years.map(String.init).joined(separator: ", ")
            let span = found.map { "the kept records' investment years run from \($0.lowerBound) to \($0.upperBound)" } ?? "no record was kept at all"
            return "slice year\(years.count == 1 ? "" : "s") \(list) hold\(years.count == 1 ? "s" : "") no record: \(span). Set the aggregate stage's slices.years within that range, or check the input files' dates; nothing was published."
        case let .releaseFolderNotOurs(path, reason):
            return "\(path) is not an iin release folder (\(reason)); refusing to replace it. Choose another --out folder, or move those files away."
        case let .diskFull(folder, file, needed, available):
            let free = available.map { ", \(ByteCount.text($0)) free" } ?? ""
            return "no space left in \(folder) while writing \((file as NSString).lastPathComponent): at least \(ByteCount.text(needed)) more needed\(free). Free space there (or choose another --work or --out folder), then run again; the previous release is untouched."
        case let .releaseShrank(release, hadPrevious, failures):
            let kept = hadPrevious ? "the one at \(release), which was kept" : "what a release needs, so nothing was written to \(release)"
            return "the new release is smaller than \(kept) (\(failures.count) guard figure(s)):\n  - " + failures.joined(separator: "\n  - ") + "\n  If the shrink is expected, run again with --accept-shrink."
        case let .releaseFolderBusy(path):
            return "another iin run is placing a release at \(path) right now (from another work folder). Wait for it to finish; two runs must not write one release folder."
        case let .interrupted(signal):
            return "interrupted by \(signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"); the previous release is intact and the next run resumes from the cached stages."
        case let .limitExceeded(path, part, limit):
            let file = (path.components(separatedBy: "#").first ?? path).lowercased()
            let fix = file.hasSuffix(".xlsx") ? "so the file is refused rather than read. Re-save the workbook from Excel or LibreOffice, or export it as CSV."
                : file.hasSuffix(".gz") ? "so the file is refused rather than read. Check it ('gzip -l' shows its sizes), or give it uncompressed."
                : file.hasSuffix(".csv") ? "so the file is refused rather than read. Re-export it with one record per line."
                : "so the run stops. Run it on a machine with more memory, or on fewer records at a time."
            return "\(path): \(part) exceeds \(limit), \(fix)"
        case let .releaseTampered(path, failures):
            return "\(path): the release's bytes differ from its manifest (\(failures.count) file(s)):\n  - " + failures.joined(separator: "\n  - ")
        }
    }
}
