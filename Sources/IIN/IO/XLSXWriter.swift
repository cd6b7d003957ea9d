import Foundation

/// Writes a one-sheet workbook (Office Open XML) from rows of text cells:
/// the header row frozen and filterable, numbers stored as numbers, every
/// other cell (codes included) as a shared string, which no spreadsheet
/// evaluates as a formula.
///
/// Deterministic: parts in a fixed order, every entry stamped 1980-01-01
/// (see `ZipWriter`), no creation metadata; so two builds of the same table
/// are the same bytes. The sheet XML is deflated as it is made, row by row.
public enum XLSXWriter {
    public enum CellKind: Sendable, Equatable {
        case text
        case number
    }

    /// `sheet` names the one sheet (at most 31 characters, none of
    /// `\ / ? * [ ] :`, as Excel requires).
    static func write(header: [String], kinds: [CellKind], rows: [[String]], sheet: String, to url: URL) throws(IINError) {
        precondition(kinds.count == header.count, "a kind per column")
        let sheetName = SVGChart.escape(sheet)
        // A sheet name with spaces or punctuation is quoted in references.
        let reference = "'" + sheetName.replacingOccurrences(of: "'", with: "''") + "'"
        let columns = header.count
        let names = (0..<columns).map(columnName)
        let lastCell = (names.last ?? "A") + String(rows.count + 1)
        let zip = try ZipWriter(url: url)
        try zip.entry("[Content_Types].xml", contentTypes)
        try zip.entry("_rels/.rels", rootRelationships)
        try zip.entry("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <bookViews><workbookView activeTab="0"/></bookViews>\
            <sheets><sheet name="\(sheetName)" sheetId="1" r:id="rId1"/></sheets>\
            <definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">\
            \(reference)!$A$1:$\(names.last ?? "A")$\(rows.count + 1)</definedName></definedNames></workbook>
            """)
        try zip.entry("xl/_rels/workbook.xml.rels", workbookRelationships)
        try zip.entry("xl/styles.xml", styles)

        try zip.beginEntry("xl/worksheets/sheet1.xml")
        zip.write("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <dimension ref="A1:\(lastCell)"/>\
            <sheetViews><sheetView tabSelected="1" workbookViewId="0">\
            <pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>\
            <selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>\
            <sheetFormatPr defaultRowHeight="15"/><sheetData>
            """)
        let letters = names.map { Array($0.utf8) }
        let isNumber = kinds.map { $0 == .number }
        var line: [UInt8] = []
        line.reserveCapacity(1 << 16)
        var digits: [UInt8] = []
        var sharedIndex: [String: Int] = [:]
        var shared: [String] = []
        var sharedCount = 0
        func appendRow(_ cells: [String], number: Int, header: Bool) {
            digits.removeAll(keepingCapacity: true)
            var value = number
            repeat {
                digits.append(UInt8(48 + value % 10))
                value /= 10
            } while value > 0
            digits.reverse()
            line.append(contentsOf: #"<row r=""#.utf8)
            line.append(contentsOf: digits)
            line.append(contentsOf: #"">"#.utf8)
            // A cell names its reference only after a skipped empty one:
            // the reference is optional, readers count columns, and left
            // out it is a third of the sheet XML, which is deflated.
            var skipped = false
            for (index, cell) in cells.enumerated() where index < columns {
                if cell.isEmpty {
                    skipped = true
                    continue
                }
                if skipped {
                    line.append(contentsOf: #"<c r=""#.utf8)
                    line.append(contentsOf: letters[index])
                    line.append(contentsOf: digits)
                    line.append(UInt8(ascii: "\""))
                    skipped = false
                } else {
                    line.append(contentsOf: "<c".utf8)
                }
                if !header && isNumber[index] {
                    line.append(contentsOf: #"><v>"#.utf8)
                    line.append(contentsOf: cell.utf8)
                    line.append(contentsOf: "</v></c>".utf8)
                } else {
                    // Text goes to the shared strings, each distinct one
                    // once: a release's city names and codes repeat on
                    // every row, and inline they were most of the XML.
                    let next = sharedIndex.count
                    let index = sharedIndex[cell] ?? next
                    if index == next {
                        sharedIndex[cell] = next
                        shared.append(cell)
                    }
                    sharedCount += 1
                    line.append(contentsOf: header ? #" t="s" s="1"><v>"#.utf8 : #" t="s"><v>"#.utf8)
                    appendDecimal(index, to: &line)
                    line.append(contentsOf: "</v></c>".utf8)
                }
            }
            line.append(contentsOf: "</row>".utf8)
            if line.count >= 1 << 16 {
                zip.write(line)
                line.removeAll(keepingCapacity: true)
            }
        }
        appendRow(header, number: 1, header: true)
        for (offset, row) in rows.enumerated() { appendRow(row, number: offset + 2, header: false) }
        zip.write(line)
        zip.write("</sheetData><autoFilter ref=\"A1:\(lastCell)\"/>"
            + "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>")
        zip.finishEntry()

        try zip.beginEntry("xl/sharedStrings.xml")
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#.utf8)
        line.append(contentsOf: "\n<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"\(sharedCount)\" uniqueCount=\"\(shared.count)\">".utf8)
        for text in shared {
            // Only text a reader could trim needs the attribute.
            line.append(contentsOf: Self.needsPreserve(text) ? #"<si><t xml:space="preserve">"#.utf8 : "<si><t>".utf8)
            appendEscaped(text, to: &line)
            line.append(contentsOf: "</t></si>".utf8)
            if line.count >= 1 << 16 {
                zip.write(line)
                line.removeAll(keepingCapacity: true)
            }
        }
        line.append(contentsOf: "</sst>".utf8)
        zip.write(line)
        zip.finishEntry()
        try zip.close()
    }

    @inline(__always)
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(48 + value))
            return
        }
        let start = out.count
        var remaining = value
        while remaining > 0 {
            out.append(UInt8(48 + remaining % 10))
            remaining /= 10
        }
        out[start...].reverse()
    }

    /// Whether a reader that trims white space at the ends of a text, or
    /// treats tabs and line ends as XML white space, would change it.
    static func needsPreserve(_ text: String) -> Bool {
        let utf8 = text.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = utf8.first, let last = utf8.last else { return false }
        return isSpace(first) || isSpace(last) || utf8.contains { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    /// A, B, ..., Z, AA, AB, ...
    static func columnName(_ index: Int) -> String {
        var index = index
        var name = ""
        repeat {
            name = String(UnicodeScalar(UInt8(65 + index % 26))) + name
            index = index / 26 - 1
        } while index >= 0
        return name
    }

    /// Text as a spreadsheet cell holds it. XML 1.0 cannot carry C0
    /// controls (but tab, LF, CR) or U+FFFE/U+FFFF, so they are written in
    /// OOXML's own escape, `_xHHHH_`, which Excel and LibreOffice turn back
    /// into the character; a literal `_xHHHH_` in the text has its leading
    /// underscore escaped as `_x005F_` so it reads back as itself. (Lone
    /// surrogates cannot reach here: Swift strings are valid Unicode, and
    /// invalid UTF-8 was replaced by U+FFFD where it was decoded.)
    static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        let utf8 = text.utf8
        // Most cells need no escaping: copy them whole.
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"")
            || $0 == UInt8(ascii: "_") || $0 == 0xEF }) {
            out.append(contentsOf: utf8)
            return
        }
        let bytes = Array(utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case 0x09, 0x0A, 0x0D: out.append(byte)
            case 0x00..<0x20: out.append(contentsOf: "_x00\(String(format: "%02X", byte))_".utf8)
            case UInt8(ascii: "_") where Self.isEscapeLiteral(bytes, at: index): out.append(contentsOf: "_x005F_".utf8)
            case 0xEF where index + 2 < bytes.count && bytes[index + 1] == 0xBF && (bytes[index + 2] == 0xBE || bytes[index + 2] == 0xBF):
                out.append(contentsOf: (bytes[index + 2] == 0xBE ? "_xFFFE_" : "_xFFFF_").utf8)
                index += 2
            default: out.append(byte)
            }
            index += 1
        }
    }

    /// Whether `_xHHHH_` (four hex digits) starts at `index`.
    static func isEscapeLiteral(_ bytes: [UInt8], at index: Int) -> Bool {
        guard index + 6 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"), bytes[index + 6] == UInt8(ascii: "_") else { return false }
        return bytes[(index + 2)...(index + 5)].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static let contentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
        </Types>
        """

    static let rootRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        </Relationships>
        """

    static let workbookRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>\
        </Relationships>
        """

    /// Two cell formats: the default, and bold for the header.
    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
        </styleSheet>
        """
}
