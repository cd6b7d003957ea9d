import Foundation

/// The nightly rebuild's last line of defence: before a new release replaces
/// the one at `--out`, the two are compared, and a release that read far
/// fewer rows, lost a slice's edges, read nothing from some file or kept
/// nothing at all is refused (exit 4), leaving the old one in place.
/// `--accept-shrink` publishes it anyway, for the night the shrink is real.
public enum ReleaseGuard {
    /// The top-level key of pipeline.json holding the limits.
    public static let settingKey = "guard"

    /// `$.guard` of pipeline.json.
    public struct Limits: Sendable, Equatable {
        /// The largest share rows read, or one slice's edges, may fall by.
        public var maxDrop = 0.2

        public init() {}

        init(_ json: JSONValue, file: String) throws(IINError) {
            guard let members = json.objectValue else {
                throw IINError.pipeline(file: file, jsonPath: "$.guard", problem: "expected an object", fix: "Write \"guard\": {\"max_drop\": 0.2}.")
            }
            for key in members.keys.sorted() where key != "max_drop" {
                throw IINError.pipeline(file: file, jsonPath: "$.guard.\(key)", problem: "unknown key", fix: "The guard knows max_drop only.")
            }
            if let value = members["max_drop"] {
                guard let share = value.doubleValue, share >= 0, share <= 1 else {
                    throw IINError.pipeline(file: file, jsonPath: "$.guard.max_drop", problem: "expected a share between 0 and 1, found \(value.canonical)",
                                            fix: "Give the largest allowed drop as a share, 0.2 for 20 %.")
                }
                maxDrop = share
            }
        }
    }

    /// The figures compared, read from a release folder's own tables so a
    /// release written by any earlier version compares too.
    public struct Figures: Sendable, Equatable {
        public var rowsReadPerFile: [(file: String, rows: Int)] = []
        public var kept = 0
        public var edgesPerSlice: [Int: Int] = [:]
        public var rowsRead: Int { rowsReadPerFile.reduce(0) { $0 + $1.rows } }

        public static func == (left: Figures, right: Figures) -> Bool {
            left.rowsReadPerFile.elementsEqual(right.rowsReadPerFile) { $0 == $1 } && left.kept == right.kept && left.edgesPerSlice == right.edgesPerSlice
        }

        /// nil when the folder lacks the tables (not a release of this format).
        /// A slice's edges are Table 1's dyads of the directed network
        /// including intracity links, which are that table's rows of the
        /// slice (validate checks the two agree): 20 rows to read instead
        /// of a 35 MB table at 12M records, in every run, for each of the
        /// two releases.
        public static func read(release folder: URL) -> Figures? {
            let accountingFile = folder.appendingPathComponent(PublishStage.accountingName + ".csv")
            let statisticsFile = folder.appendingPathComponent(PublishStage.statisticsName + ".csv")
            guard let accounting = try? CSVTable.read(accountingFile), let statistics = try? CSVTable.read(statisticsFile),
                  let file = try? accounting.columnIndex("File"), let rows = try? accounting.columnIndex("RowsRead"),
                  let kept = try? accounting.columnIndex("Kept"), let type = try? statistics.columnIndex("Type"),
                  let year = try? statistics.columnIndex("Year"), let dyads = try? statistics.columnIndex("Dyads")
            else { return nil }
            var figures = Figures()
            // The accounting table's last row is the total, not a file.
            guard let total = accounting.rows.last, total.count > kept else { return nil }
            figures.kept = ReleaseReader.whole(total[kept]) ?? 0
            for row in accounting.rows.dropLast() where row.count > max(file, rows) {
                figures.rowsReadPerFile.append((row[file], ReleaseReader.whole(row[rows]) ?? 0))
            }
            for row in statistics.rows where row.count > max(type, year, dyads) && row[type] == PublishStage.NetworkType.directedIntracity.rawValue {
                if let slice = Int(row[year]) { figures.edgesPerSlice[slice, default: 0] += ReleaseReader.whole(row[dyads]) ?? 0 }
            }
            return figures
        }
    }

    /// Every reason the new release may not replace the old one; empty
    /// when it may. `previous` is nil when there is no release yet.
    public static func problems(new: Figures, previous: Figures?, limits: Limits) -> [String] {
        var problems: [String] = []
        for file in new.rowsReadPerFile where file.rows == 0 {
            let before = previous?.rowsReadPerFile.first { $0.file == file.file }.map { "; the release before read \($0.rows)" } ?? ""
            problems.append("input file \(file.file) read 0 rows\(before)")
        }
        if new.kept == 0 {
            problems.append("kept records: 0\(previous.map { "; the release before kept \($0.kept)" } ?? "")")
        } else if new.edgesPerSlice.values.reduce(0, +) == 0 {
            // Kept records but no slice to count them in ("years": [], say).
            problems.append("edges: 0 in every slice\(previous.map { "; the release before had \($0.edgesPerSlice.values.reduce(0, +))" } ?? "")")
        }
        guard let previous else { return problems }
        let percent = { (share: Double) in String(format: "%.1f %%", share * 100) }
        let limit = "more than guard.max_drop \(percent(limits.maxDrop))"
        if previous.rowsRead > 0 {
            let drop = Double(previous.rowsRead - new.rowsRead) / Double(previous.rowsRead)
            if drop > limits.maxDrop {
                problems.append("rows read fell from \(previous.rowsRead) to \(new.rowsRead) (-\(percent(drop)), \(limit))")
            }
        }
        for (slice, before) in previous.edgesPerSlice.sorted(by: { $0.key < $1.key }) where before > 0 {
            let now = new.edgesPerSlice[slice] ?? 0
            let drop = Double(before - now) / Double(before)
            if drop > limits.maxDrop {
                problems.append("slice \(slice) edges fell from \(before) to \(now) (-\(percent(drop)), \(limit))")
            }
        }
        return problems
    }
}
