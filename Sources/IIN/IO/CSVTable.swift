import Foundation

/// A small CSV table read whole: reference data, curated lists, tables a
/// test reads back. Raw crawl files go through the ingest stage instead.
public struct CSVTable: Sendable {
    public var path: String
    public var header: [String]
    public var rows: [[String]]
    /// The 1-based line each row starts on, for error messages.
    public var lines: [Int]

    public static func read(_ url: URL) throws(IINError) -> CSVTable {
        let data = try FileBytes.read(url)
        return try parse(data, path: url.path)
    }

    public static func parse(_ data: Data, path: String) throws(IINError) -> CSVTable {
        let result: Result<CSVTable, IINError> = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            let start = bytes.count >= 3 && Array(bytes[0..<3]) == bom ? 3 : 0
            var scanner = CSVScanner(bytes: bytes, startOffset: start)
            var fields: [CSVField] = []
            var table = CSVTable(path: path, header: [], rows: [], lines: [])
            var sawHeader = false
            while let result = scanner.next(into: &fields) {
                switch result {
                case let .defective(line, _, defect):
                    return .failure(.unsupportedFile(path: path, reason: "line \(line): \(defect.rawValue)"))
                case let .row(line, _):
                    let values = fields.map { scanner.string(of: $0) }
                    if !sawHeader {
                        table.header = values.map { $0.trimmingCharacters(in: .whitespaces) }
                        sawHeader = true
                    } else {
                        guard values.count == table.header.count else {
                            return .failure(.unsupportedFile(path: path, reason: "line \(line): \(values.count) fields where the header has \(table.header.count)"))
                        }
                        table.rows.append(values)
                        table.lines.append(line)
                    }
                }
            }
            if !sawHeader { return .failure(.emptyFile(path: path)) }
            return .success(table)
        }
        return try result.get()
    }

    public func columnIndex(_ name: String) throws(IINError) -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw IINError.missingColumns(path: path, missing: [name], found: header)
        }
        return index
    }
}
