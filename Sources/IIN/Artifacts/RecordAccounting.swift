import Foundation

/// How the rows of one input file ended: every row read is counted exactly
/// once, as kept, duplicate or one rejection reason.
public struct FileAccount: Codable, Sendable, Equatable {
    public var file: String
    public var rowsRead = 0
    public var kept = 0
    public var duplicate = 0
    public var rejected: [String: Int] = [:]
    /// Kept records inside a slice, and outside every slice.
    public var inSlice = 0
    public var outOfSlice = 0
    /// Kept records a scoped network leaves out, by `ScopeExclusion`; nil
    /// (and absent from the JSON) for the national city network.
    public var excluded: [String: Int]?

    public init(file: String) { self.file = file }

    public func exclusions(_ reason: ScopeExclusion) -> Int { excluded?[reason.rawValue] ?? 0 }
    public var totalExcluded: Int { excluded?.values.reduce(0, +) ?? 0 }

    public func rejections(_ reason: RejectionReason) -> Int { rejected[reason.rawValue, default: 0] }
    public var totalRejected: Int { rejected.values.reduce(0, +) }
    /// rows read - (kept + duplicates + rejected + excluded): zero when
    /// nothing was lost.
    public var unaccounted: Int { rowsRead - kept - duplicate - totalRejected - totalExcluded }
}

/// The accounting of a whole run, carried from stage to stage: ingest
/// counts rows and its rejections, geocoding adds its own, dedupe adds kept
/// and duplicates, aggregation the slice counts.
public struct RecordAccounting: Codable, Sendable, Equatable {
    public var files: [FileAccount]
    /// Sides resolved per geocoding method.
    public var geocodeMethods: [String: Int] = [:]

    public init(files: [FileAccount]) { self.files = files }

    public var total: FileAccount {
        var sum = FileAccount(file: "TOTAL")
        for file in files {
            sum.rowsRead += file.rowsRead
            sum.kept += file.kept
            sum.duplicate += file.duplicate
            sum.inSlice += file.inSlice
            sum.outOfSlice += file.outOfSlice
            for (reason, count) in file.rejected { sum.rejected[reason, default: 0] += count }
            if let excluded = file.excluded {
                var merged = sum.excluded ?? [:]
                for (reason, count) in excluded { merged[reason, default: 0] += count }
                sum.excluded = merged
            }
        }
        return sum
    }

    public mutating func reject(_ reason: RejectionReason, file: Int) {
        files[file].rejected[reason.rawValue, default: 0] += 1
    }

    public static let fileName = "accounting.json"

    public static func read(from folder: URL) throws(IINError) -> RecordAccounting {
        try JSONFile.read(RecordAccounting.self, from: folder.appendingPathComponent(fileName))
    }

    public func write(to folder: URL) throws(IINError) {
        try JSONFile.write(self, to: folder.appendingPathComponent(Self.fileName))
    }

    /// The identity every run prints: rows read = kept + duplicates + rejected.
    public var identityLine: String {
        let sum = total
        let reasons = RejectionReason.allCases.map { "\($0.rawValue) \(sum.rejections($0))" }.joined(separator: ", ")
        let holds = sum.unaccounted == 0 && files.allSatisfy { $0.unaccounted == 0 }
        let excluded = sum.excluded == nil ? "" : " + excluded from this network \(sum.totalExcluded) ("
            + ScopeExclusion.allCases.map { "\($0.rawValue) \(sum.exclusions($0))" }.joined(separator: ", ") + ")"
        return "rows read \(sum.rowsRead) = kept \(sum.kept) + duplicates \(sum.duplicate) + rejected \(sum.totalRejected) (\(reasons))\(excluded) \(holds ? "[holds]" : "[BROKEN: \(sum.unaccounted) unaccounted]")"
    }
}

/// The rejected rows of a stage, with file, line, reason, detail and the
/// raw text, as a SQLite database (`rejects.sqlite`, table `rejects`) that
/// the sqlite3 shell or any SQLite client can query:
///
///     sqlite3 rejects.sqlite "SELECT reason, count(*) FROM rejects GROUP BY reason"
public final class RejectsWriter {
    public static let fileName = "rejects.sqlite"
    private let database: SQLiteDatabase
    private let insert: SQLiteDatabase.Statement
    public private(set) var count = 0

    static let schema = "CREATE TABLE rejects (file TEXT NOT NULL, line INTEGER NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL, text TEXT NOT NULL);"

    public init(url: URL) throws(IINError) {
        database = try SQLiteDatabase(creating: url)
        try database.execute(Self.schema + " BEGIN;")
        insert = try database.prepare("INSERT INTO rejects (file, line, reason, detail, text) VALUES (?, ?, ?, ?, ?)")
    }

    /// The stage's `rejects.sqlite`: the rows of its per-file parts'
    /// databases, in input order, so a user queries one table whether or
    /// not a part was reused from an earlier run.
    public static func combine(_ parts: [URL], into folder: URL) throws(IINError) {
        let database = try SQLiteDatabase(creating: folder.appendingPathComponent(fileName))
        try database.execute(schema)
        for part in parts {
            let quoted = part.path.replacingOccurrences(of: "'", with: "''")
            try database.execute("""
                ATTACH DATABASE '\(quoted)' AS part;
                INSERT INTO rejects (file, line, reason, detail, text) SELECT file, line, reason, detail, text FROM part.rejects ORDER BY rowid;
                DETACH DATABASE part;
                """)
        }
        try database.execute("CREATE INDEX rejects_by_reason ON rejects (reason); CREATE INDEX rejects_by_file ON rejects (file, line);")
    }

    public func add(file: String, line: Int, reason: RejectionReason, detail: String, text: String) throws(IINError) {
        try insert.run([.text(file), .integer(line), .text(reason.rawValue), .text(detail), .text(text)])
        count += 1
    }

    /// Deletes the rows added after the first `kept`.
    public func rollBack(to kept: Int) throws(IINError) {
        try database.execute("DELETE FROM rejects WHERE rowid > \(kept);")
        count = kept
    }

    /// Commits. A part's database is only copied from, so the indexes a
    /// user's queries want are built once, by `combine`.
    public func close() throws(IINError) {
        try database.execute("COMMIT;")
    }

    /// Every row of a rejects database, in insertion order: file, line,
    /// reason, detail, text.
    public static func read(_ url: URL) throws(IINError) -> [[String]] {
        try SQLiteDatabase(reading: url).query("SELECT file, line, reason, detail, text FROM rejects ORDER BY rowid").map { $0.map { $0 ?? "" } }
    }
}
