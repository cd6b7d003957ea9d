import Foundation
import ZIPFoundation

/// Reads the first worksheet of an .xlsx workbook, row by row, streaming
/// the sheet's XML out of the zip so a sheet of any size is never held
/// whole. Cells may be shared strings, inline strings, formula strings,
/// booleans or numbers; a number whose cell style is a date format is an
/// Excel serial date (1900 system) and is given as `YYYY-MM-DD`.
struct XLSXReader {
    struct Row {
        /// The row number Excel shows (the header is usually 1).
        var number: Int
        /// Cell values by column (A = 0); columns without a cell are "".
        var cells: [String]
        /// The first cell at or past `columnLimit` holding a value (column
        /// and value), which `cells` leaves out.
        var beyondLimit: (column: Int, value: String)?
    }

    /// How many columns rows keep; the caller may lower it once it knows
    /// the header (a reference, so it can change while reading).
    final class ColumnLimit: @unchecked Sendable {
        var value = Int.max
    }

    let columnLimit = ColumnLimit()

    let url: URL

    /// What a workbook may hold before it is refused rather than read: each
    /// keeps memory and time bounded on hostile or broken input, and each is
    /// far above what Excel itself writes.
    struct Limits: Sendable {
        /// A part may inflate to this multiple of its compressed size ...
        var inflationRatio = 200
        /// ... but always to this many bytes (small parts compress little) ...
        var inflationFloor = 1 << 20
        /// ... and never beyond this, whatever its compressed size.
        var inflatedCap = 4 << 30
        /// Excel's own limit is 32,767 characters, up to 4 bytes each.
        var cellBytes = 32_767 * 4
        /// One tag with all its attributes (a cell's is under 100 bytes).
        var markupBytes = 1 << 16
        /// Excel's grid: XFD1048576.
        var maxColumn = 16_384
        var maxRow = 1_048_576
        var sharedStringCount = 1 << 24
        var sharedStringBytes = 256 << 20
    }

    var limits = Limits()

    func read(_ body: (Row) throws(IINError) -> Void) throws(IINError) {
        let result: Result<Void, IINError> = withoutActuallyEscaping(body) { escapable in
            do throws(IINError) {
                try readRows(escapable)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    private func readRows(_ body: @escaping (Row) throws(IINError) -> Void) throws(IINError) {
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw IINError.unsupportedFile(path: url.path, reason: "not a readable .xlsx workbook (the zip container cannot be opened)")
        }
        let sheetPath = try firstSheetPath(archive)
        let sharedStrings = try readSharedStrings(archive)
        let dateStyles = try readDateStyles(archive)

        let stream = XMLStream(path: url.path + "#" + sheetPath)
        var row: Row?
        var lastRowNumber = 0
        var column = 0
        var nextColumn = 0
        var type = ""
        var style = 0
        var text: [UInt8] = []
        var capturing = false
        var failure: IINError?
        stream.onStart = { name, attributes in
            guard failure == nil else { return }
            if XMLStream.equal(name, "row") {
                var number = lastRowNumber + 1
                if let given = attributes.first(where: { $0.named("r") }) {
                    guard given.value.count <= 7, let parsed = Int(given.string), parsed >= 1, parsed <= limits.maxRow else {
                        failure = .limitExceeded(path: url.path, part: "\(sheetPath): row number '\(Self.excerpt(given.value))'",
                                                 limit: "Excel's last row, \(limits.maxRow)")
                        return
                    }
                    number = parsed
                }
                guard number <= limits.maxRow else {
                    failure = .limitExceeded(path: url.path, part: "\(sheetPath): row \(number)", limit: "Excel's last row, \(limits.maxRow)")
                    return
                }
                row = Row(number: number, cells: [])
                lastRowNumber = number
                nextColumn = 0
            } else if XMLStream.equal(name, "c") {
                if let reference = attributes.first(where: { $0.named("r") }) {
                    guard let index = Self.columnIndex(reference.value), index < limits.maxColumn else {
                        failure = .limitExceeded(path: url.path, part: "\(sheetPath): cell reference '\(Self.excerpt(reference.value))'",
                                                 limit: "Excel's grid, A1 to XFD\(limits.maxRow)")
                        return
                    }
                    column = index
                } else {
                    column = nextColumn
                }
                guard column < limits.maxColumn else {
                    failure = .limitExceeded(path: url.path, part: "\(sheetPath): row \(lastRowNumber) has a cell", limit: "Excel's last column, XFD")
                    return
                }
                type = attributes.first { $0.named("t") }?.string ?? "n"
                style = attributes.first { $0.named("s") }.flatMap { Int($0.string) } ?? 0
                text.removeAll(keepingCapacity: true)
            } else if XMLStream.equal(name, "v") || XMLStream.equal(name, "t") {
                capturing = true
            }
        }
        stream.onText = { bytes in
            guard capturing, failure == nil else { return }
            if text.count + bytes.count > limits.cellBytes {
                failure = .limitExceeded(path: url.path, part: "\(sheetPath): cell \(XLSXWriter.columnName(column))\(lastRowNumber)",
                                         limit: "the cell size limit of \(limits.cellBytes) bytes (Excel allows 32,767 characters)")
                capturing = false
                return
            }
            text.append(contentsOf: bytes)
        }
        stream.onEnd = { name in
            guard failure == nil else { return }
            if XMLStream.equal(name, "v") || XMLStream.equal(name, "t") {
                capturing = false
            } else if XMLStream.equal(name, "c") {
                guard row != nil else { return }
                let value: String
                do throws(IINError) {
                    value = try Self.value(text: text, type: type, style: style, sharedStrings: sharedStrings, dateStyles: dateStyles,
                                           cell: "\(XLSXWriter.columnName(column))\(lastRowNumber)", path: url.path)
                } catch {
                    failure = error
                    return
                }
                // Mutated in place through the optional: a copy per cell
                // made wide rows quadratic.
                nextColumn = column + 1
                if column >= columnLimit.value {
                    // Past the columns the caller reads: noted, not stored,
                    // so one cell at XFD costs no 16,384-cell row.
                    if value.isEmpty { return }
                    if row?.beyondLimit == nil { row?.beyondLimit = (column, value) }
                    return
                }
                let count = row?.cells.count ?? 0
                if column >= count { row?.cells.append(contentsOf: repeatElement("", count: column - count + 1)) }
                row?.cells[column] = value
            } else if XMLStream.equal(name, "row"), let finished = row {
                row = nil
                guard failure == nil else { return }
                do throws(IINError) { try body(finished) } catch { failure = error }
            }
        }
        do throws(IINError) { try extract(sheetPath, from: archive, into: stream, stopIf: { failure != nil }) } catch {
            throw failure ?? error
        }
        if let failure { throw failure }
    }

    /// The start of an over-long value, for a message.
    static func excerpt(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let head = String(decoding: bytes.prefix(16), as: UTF8.self)
        return bytes.count > 16 ? head + "... (\(bytes.count) bytes)" : head
    }

    // MARK: - Workbook parts

    /// Streams one part through the parser, refusing it once it inflates
    /// beyond the limits (a zip bomb) or `stopIf` says the reader failed.
    private func extract(_ path: String, from archive: Archive, into stream: XMLStream, stopIf: () -> Bool = { false }) throws(IINError) {
        guard let entry = archive[path] else {
            throw IINError.unsupportedFile(path: url.path, reason: "the workbook has no part \(path)")
        }
        let (ratioBound, overflow) = Int(clamping: entry.compressedSize).multipliedReportingOverflow(by: limits.inflationRatio)
        let allowed = min(limits.inflatedCap, max(limits.inflationFloor, overflow ? Int.max : ratioBound))
        let inflationLimit = IINError.limitExceeded(
            path: url.path, part: "the part \(path) (\(entry.compressedSize) bytes compressed)",
            limit: "\(allowed) bytes inflated (\(limits.inflationRatio) times its compressed size, at least \(limits.inflationFloor), at most \(limits.inflatedCap))")
        if entry.uncompressedSize > UInt64(allowed) { throw inflationLimit }
        stream.markupLimit = limits.markupBytes
        var inflated = 0
        var feedError: IINError?
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: false) { data in
                inflated += data.count
                if inflated > allowed { feedError = inflationLimit }
                if feedError == nil {
                    do throws(IINError) { try stream.feed(data) } catch { feedError = error }
                }
                if feedError == nil && stopIf() { feedError = .unsupportedFile(path: url.path, reason: "stopped reading \(path)") }
                if let feedError { throw feedError }
            }
        } catch {
            if let feedError { throw feedError }
            throw IINError.unsupportedFile(path: url.path, reason: "the part \(path) cannot be decompressed (\(error))")
        }
        try stream.finish()
    }

    /// The first sheet in the workbook's order, through its relationship.
    private func firstSheetPath(_ archive: Archive) throws(IINError) -> String {
        let workbook = XMLStream(path: url.path + "#xl/workbook.xml")
        var relationship: String?
        workbook.onStart = { name, attributes in
            if relationship == nil, XMLStream.equal(name, "sheet") {
                relationship = attributes.first { $0.named("id") }?.string
            }
        }
        try extract("xl/workbook.xml", from: archive, into: workbook)
        guard let relationship else { throw IINError.unsupportedFile(path: url.path, reason: "the workbook lists no sheet") }

        let relations = XMLStream(path: url.path + "#xl/_rels/workbook.xml.rels")
        var target: String?
        relations.onStart = { name, attributes in
            if XMLStream.equal(name, "Relationship"), attributes.first(where: { $0.named("Id") })?.string == relationship {
                target = attributes.first { $0.named("Target") }?.string
            }
        }
        try extract("xl/_rels/workbook.xml.rels", from: archive, into: relations)
        guard let target else { throw IINError.unsupportedFile(path: url.path, reason: "the first sheet's part is not named in the workbook") }
        return target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
    }

    /// The shared string table: each <si>'s text runs joined, phonetic
    /// guides (<rPh>) left out.
    private func readSharedStrings(_ archive: Archive) throws(IINError) -> SharedStrings {
        var strings = SharedStrings()
        guard archive["xl/sharedStrings.xml"] != nil else { return strings }
        let part = "xl/sharedStrings.xml"
        let stream = XMLStream(path: url.path + "#" + part)
        var current: [UInt8] = []
        var failure: IINError?
        var capturing = false
        var phoneticDepth = 0
        stream.onStart = { name, _ in
            if XMLStream.equal(name, "si") {
                current.removeAll(keepingCapacity: true)
            } else if XMLStream.equal(name, "rPh") {
                phoneticDepth += 1
            } else if XMLStream.equal(name, "t") {
                capturing = phoneticDepth == 0
            }
        }
        stream.onText = { bytes in
            guard capturing, failure == nil else { return }
            if current.count + bytes.count > limits.cellBytes {
                failure = .limitExceeded(path: url.path, part: "\(part): shared string \(strings.count)",
                                         limit: "the cell size limit of \(limits.cellBytes) bytes (Excel allows 32,767 characters)")
                return
            }
            current.append(contentsOf: bytes)
        }
        stream.onEnd = { name in
            guard failure == nil else { return }
            if XMLStream.equal(name, "t") {
                capturing = false
            } else if XMLStream.equal(name, "rPh") {
                phoneticDepth -= 1
            } else if XMLStream.equal(name, "si") {
                if strings.count >= limits.sharedStringCount {
                    failure = .limitExceeded(path: url.path, part: part, limit: "\(limits.sharedStringCount) shared strings")
                } else if strings.byteCount + current.count > limits.sharedStringBytes {
                    failure = .limitExceeded(path: url.path, part: part, limit: "\(limits.sharedStringBytes) bytes of shared strings")
                } else {
                    strings.append(current)
                }
            }
        }
        do throws(IINError) { try extract(part, from: archive, into: stream, stopIf: { failure != nil }) } catch {
            throw failure ?? error
        }
        if let failure { throw failure }
        return strings
    }

    /// The shared string table in one byte buffer with offsets, a fraction
    /// of the memory of one `String` per entry.
    struct SharedStrings {
        private var bytes: [UInt8] = []
        private var ends: [Int] = []

        var count: Int { ends.count }
        var byteCount: Int { bytes.count }

        mutating func append(_ string: [UInt8]) {
            bytes.append(contentsOf: string)
            ends.append(bytes.count)
        }

        subscript(index: Int) -> String? {
            guard index >= 0, index < ends.count else { return nil }
            let start = index == 0 ? 0 : ends[index - 1]
            return String(decoding: bytes[start..<ends[index]], as: UTF8.self)
        }
    }

    /// Indices of the cell formats (cellXfs) whose number format is a date.
    private func readDateStyles(_ archive: Archive) throws(IINError) -> Set<Int> {
        guard archive["xl/styles.xml"] != nil else { return [] }
        let stream = XMLStream(path: url.path + "#xl/styles.xml")
        var customDateFormats = Set<Int>()
        var formatOfStyle: [Int] = []
        var inCellFormats = false
        stream.onStart = { name, attributes in
            if XMLStream.equal(name, "numFmt"),
               let id = attributes.first(where: { $0.named("numFmtId") }).flatMap({ Int($0.string) }),
               let code = attributes.first(where: { $0.named("formatCode") })?.string, Self.isDateFormat(code) {
                customDateFormats.insert(id)
            } else if XMLStream.equal(name, "cellXfs") {
                inCellFormats = true
            } else if inCellFormats, XMLStream.equal(name, "xf") {
                formatOfStyle.append(attributes.first { $0.named("numFmtId") }.flatMap { Int($0.string) } ?? 0)
            }
        }
        stream.onEnd = { name in if XMLStream.equal(name, "cellXfs") { inCellFormats = false } }
        try extract("xl/styles.xml", from: archive, into: stream)
        var dates = Set<Int>()
        for (style, format) in formatOfStyle.enumerated() where Self.builtInDateFormats.contains(format) || customDateFormats.contains(format) {
            dates.insert(style)
        }
        return dates
    }

    // MARK: - Values

    /// Built-in number formats that show dates (ECMA-376 18.8.30, with the
    /// East Asian ones).
    static let builtInDateFormats: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    /// A custom format shows a date when, outside quoted text and [...]
    /// sections, it has a year or day token.
    static func isDateFormat(_ code: String) -> Bool {
        var inQuotes = false
        var inBrackets = false
        for character in code.lowercased() {
            switch character {
            case "\"": inQuotes.toggle()
            case "[" where !inQuotes: inBrackets = true
            case "]" where !inQuotes: inBrackets = false
            case "y" where !inQuotes && !inBrackets, "d" where !inQuotes && !inBrackets: return true
            default: break
            }
        }
        return false
    }

    static func value(text: [UInt8], type: String, style: Int, sharedStrings: SharedStrings, dateStyles: Set<Int>,
                      cell: String, path: String) throws(IINError) -> String {
        switch type {
        case "s":
            let reference = String(decoding: text, as: UTF8.self)
            if reference.isEmpty { return "" }
            guard let index = Int(reference.trimmingCharacters(in: .whitespaces)), let string = sharedStrings[index] else {
                throw IINError.unsupportedFile(path: path, reason: "cell \(cell) names shared string '\(reference.prefix(20))', but the workbook has \(sharedStrings.count) shared string(s); re-save it from Excel or LibreOffice")
            }
            return Self.unescaped(string)
        case "b":
            return text == [UInt8(ascii: "1")] ? "TRUE" : "FALSE"
        case "n":
            let string = String(decoding: text, as: UTF8.self)
            if dateStyles.contains(style), let serial = Double(string), let date = serialDate(serial) { return date }
            return string
        default:
            return unescaped(String(decoding: text, as: UTF8.self))
        }
    }

    /// OOXML's `_xHHHH_` escapes (ECMA-376 22.9.2.19) back to their
    /// characters: how Excel, and XLSXWriter, store what XML cannot hold.
    static func unescaped(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "_")) else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "_"), XLSXWriter.isEscapeLiteral(bytes, at: index),
               let value = UInt32(String(decoding: bytes[(index + 2)...(index + 5)], as: UTF8.self), radix: 16),
               let scalar = Unicode.Scalar(value) {
                out.append(contentsOf: String(Character(scalar)).utf8)
                index += 7
                continue
            }
            out.append(bytes[index])
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An Excel serial day (1900 system) as `YYYY-MM-DD`. Excel counts a
    /// 29 February 1900 that never was (serial 60); it is given as such and
    /// so is no valid date.
    static func serialDate(_ serial: Double) -> String? {
        guard serial.isFinite, serial >= 1, serial < 3_000_000 else { return nil }
        let day = Int(serial.rounded(.down))
        if day == 60 { return "1900-02-29" }
        // Days from 1970-01-01: serial 25569 is 1970-01-01.
        let unixDays = day - (day < 60 ? 25568 : 25569)
        let (year, month, dayOfMonth) = civil(fromDays: unixDays)
        return String(format: "%04d-%02d-%02d", year, month, dayOfMonth)
    }

    /// The proleptic Gregorian date of a day count from 1970-01-01.
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// "B5" -> 1; nil when the reference has no column letters.
    static func columnIndex(_ reference: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        var letters = 0
        for byte in reference {
            guard byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") else { break }
            // Four letters already pass XFD; stop before the index overflows.
            guard letters < 4 else { return nil }
            index = index * 26 + Int(byte - UInt8(ascii: "A") + 1)
            letters += 1
        }
        return letters > 0 ? index - 1 : nil
    }
}
