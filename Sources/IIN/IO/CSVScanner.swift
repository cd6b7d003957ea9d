/// One field of a scanned CSV row: a byte range into the scanned buffer.
///
/// Quoted fields exclude their enclosing quotes; `hasEscapedQuotes` says
/// whether `""` pairs inside still need collapsing, so the common case needs
/// no copy at all.
public struct CSVField: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public var hasEscapedQuotes: Bool
}

/// Why a row could not be read as a CSV record.
public enum CSVRowDefect: String, Sendable, Equatable, Error {
    /// A `"` inside an unquoted field.
    case bareQuote = "bare quote inside an unquoted field"
    /// Text between a closing quote and the next separator.
    case textAfterClosingQuote = "text after a closing quote"
    /// A quote still open at the end of the file.
    case unclosedQuote = "quote still open at the end of the file"
}

/// What the scanner found at the current position.
public enum CSVScanResult: Sendable, Equatable {
    /// A row whose fields are in the caller's field buffer.
    case row(firstLine: Int, byteRange: Range<Int>)
    /// A row that breaks the grammar; `byteRange` is its raw text.
    case defective(firstLine: Int, byteRange: Range<Int>, defect: CSVRowDefect)
}

/// A byte-level RFC 4180 scanner (comma, `"` quoting, `""` escape, LF or
/// CRLF, newlines inside quoted fields).
///
/// It works on bytes rather than `String`s because building a `String` per
/// field costs about six times the parse itself (see docs/performance.md).
/// Entirely blank lines are skipped. A defective row never swallows the rest
/// of the file: a bare quote or text after a closing quote ends the row at its
/// line end, and a quote open at end of file makes the row defective and
/// scanning resumes on the line after the one where that quote opened.
public struct CSVScanner: ~Copyable {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position: Int
    private var line: Int

    /// - Parameters:
    ///   - bytes: the whole text, valid for the scanner's lifetime.
    ///   - startOffset: where to begin (after a byte-order mark, say).
    public init(bytes: UnsafeBufferPointer<UInt8>, startOffset: Int = 0, firstLine: Int = 1) {
        self.bytes = bytes
        self.position = startOffset
        self.line = firstLine
    }

    /// The 1-based line number the next row starts on (or would start on).
    public var currentLine: Int { line }
    /// The byte offset the next row starts at (or would start at).
    public var currentOffset: Int { position }
    public var atEnd: Bool { position >= bytes.count }

    /// Scans the next row into `fields`; nil at the end of the text.
    public mutating func next(into fields: inout [CSVField]) -> CSVScanResult? {
        skipBlankLines()
        guard position < bytes.count else { return nil }
        fields.removeAll(keepingCapacity: true)
        let rowStart = position
        let rowLine = line
        let count = bytes.count
        while true {
            let fieldStart = position
            if position < count && bytes[position] == UInt8(ascii: "\"") {
                let openQuote = position
                let openLine = line
                position += 1
                var escaped = false
                var closed = false
                while position < count {
                    position = skipToAny(from: position, quoteOrNewlineOnly: true)
                    guard position < count else { break }
                    let byte = bytes[position]
                    if byte == UInt8(ascii: "\"") {
                        if position + 1 < count && bytes[position + 1] == UInt8(ascii: "\"") {
                            escaped = true
                            position += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    position += 1
                }
                if !closed {
                    // Resume on the line after the quote opened, so one
                    // broken quote costs one row, not the rest of the file.
                    position = lineEnd(from: openQuote)
                    let rowEnd = trimmedLineEnd(position)
                    line = openLine
                    consumeLineTerminator()
                    return .defective(firstLine: rowLine, byteRange: rowStart..<rowEnd, defect: .unclosedQuote)
                }
                fields.append(CSVField(start: openQuote + 1, end: position, hasEscapedQuotes: escaped))
                position += 1
                if position >= count { return .row(firstLine: rowLine, byteRange: rowStart..<position) }
                let after = bytes[position]
                if after == UInt8(ascii: ",") { position += 1; continue }
                if let rowEnd = consumeRowEnd() { return .row(firstLine: rowLine, byteRange: rowStart..<rowEnd) }
                return defectiveRest(rowStart: rowStart, rowLine: rowLine, defect: .textAfterClosingQuote)
            }
            while position < count {
                position = skipToAny(from: position, quoteOrNewlineOnly: false)
                guard position < count else { break }
                let byte = bytes[position]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\n") { break }
                if byte == UInt8(ascii: "\r") && position + 1 < count && bytes[position + 1] == UInt8(ascii: "\n") { break }
                if byte == UInt8(ascii: "\"") {
                    return defectiveRest(rowStart: rowStart, rowLine: rowLine, defect: .bareQuote)
                }
                position += 1
            }
            fields.append(CSVField(start: fieldStart, end: position, hasEscapedQuotes: false))
            if position >= count { return .row(firstLine: rowLine, byteRange: rowStart..<position) }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            let rowEnd = position
            consumeLineTerminator()
            return .row(firstLine: rowLine, byteRange: rowStart..<rowEnd)
        }
    }

    /// The bytes of a field with quote escapes collapsed.
    public func bytes(of field: CSVField) -> [UInt8] {
        guard field.hasEscapedQuotes else { return Array(bytes[field.start..<field.end]) }
        var out: [UInt8] = []
        out.reserveCapacity(field.end - field.start)
        var index = field.start
        while index < field.end {
            let byte = bytes[index]
            out.append(byte)
            index += (byte == UInt8(ascii: "\"")) ? 2 : 1
        }
        return out
    }

    public func string(of field: CSVField) -> String {
        if !field.hasEscapedQuotes {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[field.start..<field.end]), as: UTF8.self)
        }
        return String(decoding: bytes(of: field), as: UTF8.self)
    }

    // MARK: - Finding delimiters

    /// The first position at or after `from` holding `"` or LF (inside
    /// quotes), or one of `,` `"` LF CR (outside), or the end. Eight bytes
    /// at a time: a byte equals b exactly when, after XOR with b, adding
    /// 0x7F to its low seven bits leaves the high bit clear and it had none.
    @inline(__always)
    private func skipToAny(from: Int, quoteOrNewlineOnly: Bool) -> Int {
        var index = from
        let count = bytes.count
        guard let base = bytes.baseAddress else { return count }
        let raw = UnsafeRawPointer(base)
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        @inline(__always) func equalBytes(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
            let x = word ^ pattern
            return ~(((x & low) &+ low) | x | low)
        }
        while index + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self).littleEndian
            var hits = equalBytes(word, 0x2222_2222_2222_2222) | equalBytes(word, 0x0A0A_0A0A_0A0A_0A0A)
            if !quoteOrNewlineOnly {
                hits |= equalBytes(word, 0x2C2C_2C2C_2C2C_2C2C) | equalBytes(word, 0x0D0D_0D0D_0D0D_0D0D)
            }
            if hits != 0 { return index + hits.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < count {
            let byte = base[index]
            if byte == 0x22 || byte == 0x0A || (!quoteOrNewlineOnly && (byte == 0x2C || byte == 0x0D)) { return index }
            index += 1
        }
        return count
    }

    // MARK: - Line handling

    mutating func skipBlankLines() {
        let count = bytes.count
        while position < count {
            var probe = position
            while probe < count && (bytes[probe] == UInt8(ascii: " ") || bytes[probe] == UInt8(ascii: "\t") || bytes[probe] == UInt8(ascii: "\r")) {
                probe += 1
            }
            if probe < count && bytes[probe] == UInt8(ascii: "\n") {
                position = probe + 1
                line += 1
            } else if probe >= count {
                position = count
            } else {
                return
            }
        }
    }

    /// Position of the `\n` ending the line that contains `offset`, or the end.
    private func lineEnd(from offset: Int) -> Int {
        var probe = offset
        while probe < bytes.count && bytes[probe] != UInt8(ascii: "\n") { probe += 1 }
        return probe
    }

    /// `end` moved back over a `\r` that belongs to a CRLF terminator.
    private func trimmedLineEnd(_ end: Int) -> Int {
        if end > 0 && end <= bytes.count && bytes[end - 1] == UInt8(ascii: "\r") { return end - 1 }
        return end
    }

    /// At a `\n` (or CRLF, or the end): step past it.
    private mutating func consumeLineTerminator() {
        guard position < bytes.count else { return }
        if bytes[position] == UInt8(ascii: "\r") { position += 1 }
        if position < bytes.count && bytes[position] == UInt8(ascii: "\n") {
            position += 1
            line += 1
        }
    }

    /// After a closing quote: a line terminator ends the row (returns its end).
    private mutating func consumeRowEnd() -> Int? {
        let here = position
        if bytes[here] == UInt8(ascii: "\n") {
            consumeLineTerminator()
            return here
        }
        if bytes[here] == UInt8(ascii: "\r") && here + 1 < bytes.count && bytes[here + 1] == UInt8(ascii: "\n") {
            consumeLineTerminator()
            return here
        }
        return nil
    }

    private mutating func defectiveRest(rowStart: Int, rowLine: Int, defect: CSVRowDefect) -> CSVScanResult {
        position = lineEnd(from: position)
        let rowEnd = trimmedLineEnd(position)
        consumeLineTerminator()
        return .defective(firstLine: rowLine, byteRange: rowStart..<rowEnd, defect: defect)
    }
}
