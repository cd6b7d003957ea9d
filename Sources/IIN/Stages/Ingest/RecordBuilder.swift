import Foundation

/// The fields of one row, as byte ranges into a buffer: a CSV row in the
/// mapped file, or an XLSX row copied into a small buffer.
struct RowView {
    let bytes: UnsafeBufferPointer<UInt8>
    let fields: [CSVField]
}

/// A rejected row, with what a person needs to find and fix it.
struct RejectedRow: Sendable {
    var line: Int
    var reason: RejectionReason
    var detail: String
    var text: [UInt8]

    /// The longest raw text kept for a rejected row. A row of a gigabyte (a
    /// file with no line ends, a gzip bomb of zeros) keeps its start and its
    /// size, not a gigabyte in memory and in rejects.sqlite.
    static let textLimit = 4096

    static func excerpt<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        guard bytes.count > textLimit else { return Array(bytes) }
        var cut = Array(bytes.prefix(textLimit))
        // Back to a character boundary, so the excerpt stays valid UTF-8.
        while let last = cut.last, last & 0xC0 == 0x80 { cut.removeLast() }
        if let last = cut.last, last >= 0xC0 { cut.removeLast() }
        return cut + Array("… (\(bytes.count) bytes in all)".utf8)
    }
}

/// Buffers a worker reuses from row to row, so building a record
/// allocates nothing in the common case.
struct RecordScratch {
    var investorKey: [UInt8] = []
    var investeeKey: [UInt8] = []
    var joined: [UInt8] = []
}

/// Turns rows into records: the contract's checks in order (missing_name,
/// bad_date, bad_link_type, self_investment; `malformed` is decided by the
/// reader), then the record's binary encoding, all on slices of the row's
/// buffer.
struct RecordBuilder: Sendable {
    let columns: ColumnMap
    let maxYear: Int
    /// Whether text fields are copied into the record. Otherwise (rows read
    /// from a CSV text that the artifact keeps as `text-NNN.csv`) a field is
    /// its offset and length in that text, and the record is a tenth of the
    /// size: on 12 million records, 4.5 GB less to write.
    var inlineText = false

    enum Outcome {
        case record
        case rejected(RejectionReason, String)
    }

    private static let investmentWords: [[UInt8]] = ["investment", "投资"].map { Array($0.utf8) }
    private static let branchWords: [[UInt8]] = ["branch", "分支", "分支机构"].map { Array($0.utf8) }

    /// Checks a row and, when it passes, appends its encoded record.
    static let fieldLimit = 1 << 16

    func build(_ row: RowView, line: Int, scratch: inout RecordScratch, into output: inout [UInt8]) -> Outcome {
        guard row.fields.count == columns.fieldCount else {
            return .rejected(.malformed, "\(row.fields.count) fields where the header has \(columns.fieldCount)")
        }
        // No name, code, address or date runs to 64 KB: a longer field is a
        // broken row (an unclosed quote's worth of file, a bomb of zeros),
        // rejected before any of it is normalised or geocoded.
        if let long = row.fields.firstIndex(where: { $0.end - $0.start > Self.fieldLimit }) {
            return .rejected(.malformed, "field \(long + 1) is \(row.fields[long].end - row.fields[long].start) bytes, over the \(Self.fieldLimit)-byte field limit")
        }
        if row.fields.contains(where: \.hasEscapedQuotes) {
            // Rare: build from an unescaped copy of the row.
            var buffer: [UInt8] = []
            var fields: [CSVField] = []
            for field in row.fields {
                let start = buffer.count
                var position = field.start
                while position < field.end {
                    let byte = row.bytes[position]
                    buffer.append(byte)
                    position += field.hasEscapedQuotes && byte == UInt8(ascii: "\"") ? 2 : 1
                }
                fields.append(CSVField(start: start, end: buffer.count, hasEscapedQuotes: false))
            }
            var copying = self
            copying.inlineText = true
            return buffer.withUnsafeBufferPointer { copying.build(RowView(bytes: $0, fields: fields), line: line, scratch: &scratch, into: &output) }
        }
        let investorName = Self.trimmed(slice(row, .investorName))
        let investeeName = Self.trimmed(slice(row, .investeeName))
        scratch.investorKey.removeAll(keepingCapacity: true)
        scratch.investeeKey.removeAll(keepingCapacity: true)
        EnterpriseKey.append(bytes: investorName, to: &scratch.investorKey)
        EnterpriseKey.append(bytes: investeeName, to: &scratch.investeeKey)
        if scratch.investorKey.isEmpty || scratch.investeeKey.isEmpty {
            return .rejected(.missingName, scratch.investorKey.isEmpty ? "investor_name is empty" : "investee_name is empty")
        }
        let date = slice(row, .investmentDate)
        guard let year = DateParser.year(bytes: date) else {
            return .rejected(.badDate, "investment_date '\(String(decoding: date, as: UTF8.self))' is not a valid date")
        }
        guard year >= 1949 && year <= maxYear else {
            return .rejected(.badDate, "investment_date year \(year) is outside 1949-\(maxYear)")
        }
        let link = slice(row, .linkType)
        guard let linkType = Self.linkType(link) else {
            return .rejected(.badLinkType, "link_type '\(String(decoding: link, as: UTF8.self))' is neither investment nor branch")
        }
        if scratch.investorKey == scratch.investeeKey {
            return .rejected(.selfInvestment, "investor and investee are the same enterprise")
        }
        let capitalText = slice(row, .paidInCapital)
        let capital = PaidInCapital.parse(bytes: capitalText)
        scratch.joined.removeAll(keepingCapacity: true)
        scratch.joined.append(contentsOf: scratch.investorKey)
        scratch.joined.append(0)
        scratch.joined.append(contentsOf: scratch.investeeKey)
        let digest = scratch.joined.withUnsafeBytes { KeyDigest.murmur3($0) }

        // One reservation and raw writes, in the layout of
        // IngestedRecordsArtifact.swift.
        var bound = 160 + scratch.investorKey.count + scratch.investeeKey.count
        for field in row.fields { bound += field.end - field.start }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: bound))
        let rowStart = row.fields.first?.start ?? 0
        let written = output.withUnsafeMutableBufferPointer { buffer in
            var sink = IngestedRecordSink(base: buffer.baseAddress! + start, inline: inlineText, text: row.bytes.baseAddress, rowStart: rowStart)
            sink.varint(UInt64(line))
            sink.varint(UInt64(inlineText ? 0 : rowStart))
            sink.text(slice(row, .recordID))
            sink.text(investorName)
            sink.text(Self.trimmed(slice(row, .investorCreditCode)))
            sink.text(slice(row, .investorRegion))
            sink.text(slice(row, .investorAddress))
            sink.text(investeeName)
            sink.text(Self.trimmed(slice(row, .investeeCreditCode)))
            sink.text(slice(row, .investeeRegion))
            sink.text(slice(row, .investeeAddress))
            // A key equal to its name (most are) is written as an empty field.
            sink.key(scratch.investorKey, name: investorName)
            sink.key(scratch.investeeKey, name: investeeName)
            sink.fixed64(digest.high)
            sink.fixed64(digest.low)
            sink.text(capitalText)
            sink.capital(capital)
            sink.varint(UInt64(year))
            sink.varint(UInt64(linkType.rawValue))
            return sink.offset
        }
        output.removeLast(bound - written)
        return .record
    }

    /// A column's field as a slice of the row's buffer (empty when the file
    /// lacks the column).
    @inline(__always)
    func slice(_ row: RowView, _ column: CanonicalColumn) -> UnsafeBufferPointer<UInt8> {
        guard let index = columns.index(of: column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        let field = row.fields[index]
        return UnsafeBufferPointer(rebasing: row.bytes[field.start..<field.end])
    }

    /// Without leading and trailing ASCII white space, U+3000 and U+00A0.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end {
            let byte = bytes[start]
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) { start += 1; continue }
            if byte == 0xC2, start + 1 < end, bytes[start + 1] == 0xA0 { start += 2; continue }
            if byte == 0xE3, start + 2 < end, bytes[start + 1] == 0x80, bytes[start + 2] == 0x80 { start += 3; continue }
            break
        }
        while end > start {
            let byte = bytes[end - 1]
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) { end -= 1; continue }
            if byte == 0xA0, end - 2 >= start, bytes[end - 2] == 0xC2 { end -= 2; continue }
            if byte == 0x80, end - 3 >= start, bytes[end - 3] == 0xE3, bytes[end - 2] == 0x80 { end -= 3; continue }
            break
        }
        if start == 0 && end == bytes.count { return bytes }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// Empty, `investment` or `投资`: investment; `branch`, `分支` or
    /// `分支机构`: branch; ASCII case and surrounding white space ignored.
    static func linkType(_ raw: UnsafeBufferPointer<UInt8>) -> LinkType? {
        let bytes = trimmed(raw)
        if bytes.isEmpty { return .investment }
        func matches(_ word: [UInt8]) -> Bool {
            guard word.count == bytes.count else { return false }
            for index in 0..<word.count {
                var byte = bytes[index]
                if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                if byte != word[index] { return false }
            }
            return true
        }
        if investmentWords.contains(where: matches) { return .investment }
        if branchWords.contains(where: matches) { return .branch }
        return nil
    }
}
