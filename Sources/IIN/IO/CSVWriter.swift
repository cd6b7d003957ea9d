import Foundation

/// Writes RFC 4180 CSV: UTF-8, LF line ends, fields quoted only when they
/// hold a comma, quote, CR or LF, so the common row is copied as it is.
public struct CSVWriter {
    private let output: BufferedFileWriter
    public private(set) var rowsWritten = 0

    public init(output: BufferedFileWriter) {
        self.output = output
    }

    public mutating func writeRow(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { output.write(byte: UInt8(ascii: ",")) }
            output.write(CSVWriter.escape(field))
        }
        output.write(byte: UInt8(ascii: "\n"))
        rowsWritten += 1
    }

    public static func escape(_ field: String) -> String {
        var needsQuotes = false
        for byte in field.utf8 where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            needsQuotes = true
            break
        }
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One row as text, for small tables built in memory.
    public static func line(_ fields: [String]) -> String {
        fields.map(escape).joined(separator: ",") + "\n"
    }
}
