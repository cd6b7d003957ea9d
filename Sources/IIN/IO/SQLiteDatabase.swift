import CSQLite
import Foundation

/// The few SQLite operations the pipeline needs, over the C API: bulk
/// inserts through one prepared statement in one transaction run at about a
/// million rows a second here, against a third of that through a binding
/// library's argument path (../shared/PLATFORM.md).
final class SQLiteDatabase {
    private var handle: OpaquePointer?
    let path: String
    /// The size of the file when this run began writing it (0 for a file
    /// it creates): the bytes beyond it count for the kill test hook.
    private var writtenFrom: Int?

    /// Creates a new database file (replacing any file at `url`), set up for
    /// one writer and bulk loading: no journal, no fsync.
    init(creating url: URL) throws(IINError) {
        path = url.path
        try? FileManager.default.removeItem(at: url)
        // SQLite writes through its own file layer; the full-disk test hook
        // refuses the database as a whole.
        if DiskWrites.injectedFailure(count: 1 << 16) { throw DiskWrites.failure(path: path, code: ENOSPC, needed: 1 << 16) }
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK else {
            throw IINError.unwritableFile(path: path, reason: "SQLite cannot create it")
        }
        writtenFrom = 0
        try execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
    }

    /// Opens an existing database this run made (a copy of one) to add to
    /// it, set up as `init(creating:)` sets up a new one.
    init(extending url: URL) throws(IINError) {
        path = url.path
        guard let size = FileIdentity.of(path: path)?.size else {
            throw IINError.unreadableFile(path: path, reason: "the database to add to is missing")
        }
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else {
            throw IINError.unwritableFile(path: path, reason: "SQLite cannot open it")
        }
        writtenFrom = size
        try execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
    }

    /// Opens a database that lives across runs (a cache), creating it if
    /// needed, with a journal so an interrupted run cannot damage it.
    init(persistent url: URL) throws(IINError) {
        path = url.path
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK else {
            throw IINError.unwritableFile(path: path, reason: "SQLite cannot open or create it")
        }
        try execute("PRAGMA journal_mode = WAL;")
    }

    /// Opens an existing database to read.
    init(reading url: URL) throws(IINError) {
        path = url.path
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            throw IINError.unreadableFile(path: path, reason: "SQLite cannot open it")
        }
    }

    deinit {
        sqlite3_close_v2(handle)
        // SQLite writes through its own file layer: the kill hook counts the
        // database when it is complete.
        var status = stat()
        if let writtenFrom, stat(path, &status) == 0 { DiskWrites.wrote(count: max(0, Int(status.st_size) - writtenFrom)) }
    }

    func execute(_ sql: String) throws(IINError) {
        var message: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &message) != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            if sqlite3_errcode(handle) == SQLITE_FULL { throw DiskWrites.failure(path: path, code: ENOSPC, needed: 1 << 20) }
            throw IINError.unwritableFile(path: path, reason: "SQLite: \(text)")
        }
    }

    /// The last error as the user should read it: a full disk is a full
    /// disk, whatever SQLite calls it.
    fileprivate func failure() -> IINError {
        if sqlite3_errcode(handle) == SQLITE_FULL { return DiskWrites.failure(path: path, code: ENOSPC, needed: 1 << 20) }
        return IINError.unwritableFile(path: path, reason: "SQLite: \(String(cString: sqlite3_errmsg(handle)))")
    }

    /// A prepared statement, reused for every row of a bulk insert.
    final class Statement {
        fileprivate var handle: OpaquePointer?
        private let database: SQLiteDatabase

        fileprivate init(_ database: SQLiteDatabase, sql: String) throws(IINError) {
            self.database = database
            guard sqlite3_prepare_v2(database.handle, sql, -1, &handle, nil) == SQLITE_OK else {
                throw database.failure()
            }
        }

        deinit {
            sqlite3_finalize(handle)
        }

        func bind(_ values: [Value]) {
            for (offset, value) in values.enumerated() {
                let index = Int32(offset + 1)
                switch value {
                case let .integer(number): sqlite3_bind_int64(handle, index, sqlite3_int64(number))
                case let .real(number): sqlite3_bind_double(handle, index, number)
                case let .text(text):
                    var copy = text
                    copy.withUTF8 { bytes in
                        if bytes.isEmpty {
                            _ = iin_sqlite_bind_text(handle, index, "", 0)
                            return
                        }
                        _ = bytes.withMemoryRebound(to: CChar.self) { iin_sqlite_bind_text(handle, index, $0.baseAddress!, Int32($0.count)) }
                    }
                case let .blob(bytes):
                    _ = bytes.withUnsafeBytes { iin_sqlite_bind_blob(handle, index, $0.baseAddress, Int32($0.count)) }
                case .null: sqlite3_bind_null(handle, index)
                }
            }
        }

        /// Binds and inserts one row cell by cell, without building a value
        /// array: the bulk path for release tables (2 million rows at 12M).
        /// `kinds`: 0 text, 1 integer, 2 real; an empty cell is NULL, and a
        /// cell that does not read as its kind is stored as text.
        func insert(cells: [String], kinds: [UInt8]) throws(IINError) {
            sqlite3_reset(handle)
            for (offset, cell) in cells.enumerated() {
                let index = Int32(offset + 1)
                if cell.isEmpty {
                    sqlite3_bind_null(handle, index)
                    continue
                }
                if kinds[offset] == 1, let value = Int(cell) {
                    sqlite3_bind_int64(handle, index, sqlite3_int64(value))
                } else if kinds[offset] == 2, let value = Double(cell) {
                    sqlite3_bind_double(handle, index, value)
                } else {
                    var copy = cell
                    copy.withUTF8 { bytes in
                        _ = bytes.withMemoryRebound(to: CChar.self) { iin_sqlite_bind_text(handle, index, $0.baseAddress!, Int32($0.count)) }
                    }
                }
            }
            guard sqlite3_step(handle) == SQLITE_DONE else {
                throw database.failure()
            }
        }

        /// Runs an insert with `values`.
        func run(_ values: [Value]) throws(IINError) {
            sqlite3_reset(handle)
            bind(values)
            guard sqlite3_step(handle) == SQLITE_DONE else {
                throw database.failure()
            }
        }

        /// Runs a query, returning every row's columns as text (nil for NULL).
        func rows(_ values: [Value] = []) -> [[String?]] {
            sqlite3_reset(handle)
            bind(values)
            var rows: [[String?]] = []
            while sqlite3_step(handle) == SQLITE_ROW {
                let count = sqlite3_column_count(handle)
                rows.append((0..<count).map { column in
                    sqlite3_column_text(handle, column).map { String(cString: $0) }
                })
            }
            return rows
        }
    }

    enum Value {
        case integer(Int)
        case real(Double)
        case text(String)
        case blob([UInt8])
        case null
    }

    func prepare(_ sql: String) throws(IINError) -> Statement {
        try Statement(self, sql: sql)
    }

    func query(_ sql: String) throws(IINError) -> [[String?]] {
        try prepare(sql).rows()
    }
}
