import Foundation
import Testing
@testable import IIN

@Suite("CSV scanner")
struct CSVScannerTests {
    /// Scans a text and returns each row as strings, or the defect.
    func scan(_ text: String) -> [Result<[String], CSVRowDefect>] {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var scanner = CSVScanner(bytes: buffer)
            var fields: [CSVField] = []
            var rows: [Result<[String], CSVRowDefect>] = []
            while let result = scanner.next(into: &fields) {
                switch result {
                case .row: rows.append(.success(fields.map { scanner.string(of: $0) }))
                case let .defective(_, _, defect): rows.append(.failure(defect))
                }
            }
            return rows
        }
    }

    func lines(_ text: String) -> [Int] {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var scanner = CSVScanner(bytes: buffer)
            var fields: [CSVField] = []
            var lines: [Int] = []
            while let result = scanner.next(into: &fields) {
                switch result {
                case let .row(line, _), let .defective(line, _, _): lines.append(line)
                }
            }
            return lines
        }
    }

    @Test func quotedFieldsHoldCommasQuotesAndNewlines() throws {
        let rows = scan("a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nlast,,\n")
        #expect(try rows.map { try $0.get() } == [["a", "b", "c"], ["x,1", "say \"hi\"", "two\nlines"], ["last", "", ""]])
    }

    @Test func blankLinesAreSkippedAndLinesCounted() {
        #expect(lines("h\n\n1\n  \r\n\"a\nb\"\n3") == [1, 3, 5, 7])
    }

    @Test func bareQuoteMakesOnlyItsRowDefective() {
        let rows = scan("a,b\nx\"y,z\nok,1\n")
        #expect(rows.count == 3)
        #expect(rows[1] == .failure(.bareQuote))
        #expect((try? rows[2].get()) == ["ok", "1"])
    }

    @Test func textAfterClosingQuoteIsDefective() {
        let rows = scan("\"ab\"c,d\nok,1")
        #expect(rows[0] == .failure(.textAfterClosingQuote))
        #expect((try? rows[1].get()) == ["ok", "1"])
    }

    /// A quote open at the end of the file costs its row only: reading
    /// resumes on the line after the one where the quote opened.
    @Test func unclosedQuoteResumesOnTheNextLine() {
        let rows = scan("h1,h2\n1,\"broken\n2,two\n3,three\n")
        #expect(rows.count == 4)
        #expect(rows[1] == .failure(.unclosedQuote))
        #expect((try? rows[2].get()) == ["2", "two"])
        #expect((try? rows[3].get()) == ["3", "three"])
        #expect(lines("h1,h2\n1,\"broken\n2,two\n3,three\n") == [1, 2, 3, 4])
    }

    /// Property: any table written by CSVWriter scans back to itself.
    @Test(arguments: 1...40)
    func writerOutputRoundTrips(seed: Int) throws {
        var random = SeededRandom(seed: UInt64(seed))
        let alphabet: [String] = ["a", "Z", "0", ",", "\"", "\n", "\r\n", " ", "深", "圳", "（", "é", "\t"]
        let columns = 1 + random.below(6)
        var table: [[String]] = []
        for _ in 0..<(1 + random.below(20)) {
            var row: [String] = []
            for _ in 0..<columns {
                row.append((0..<random.below(8)).map { _ in random.pick(alphabet) }.joined())
            }
            // A row of one empty field is a blank line, which CSV cannot tell
            // from nothing: give it content.
            if row.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { row[0] = "x" }
            table.append(row)
        }
        let text = table.map(CSVWriter.line).joined()
        let scanned = try scan(text).map { try $0.get() }
        #expect(scanned == table)
    }

    /// Property: arbitrary bytes never crash the scanner, and every byte of
    /// every non-blank line belongs to exactly one row.
    @Test(arguments: 1...60)
    func arbitraryBytesNeverCrash(seed: Int) {
        var random = SeededRandom(seed: UInt64(seed) &* 7919)
        let pieces: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: ","), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "a"), 0xE6, 0x88, 0x20]
        let bytes = (0..<random.below(300)).map { _ in random.pick(pieces) }
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = CSVScanner(bytes: buffer)
            var fields: [CSVField] = []
            var lastEnd = 0
            var count = 0
            while let result = scanner.next(into: &fields) {
                count += 1
                switch result {
                case let .row(_, range), let .defective(_, range, _):
                    #expect(range.lowerBound >= lastEnd)
                    #expect(range.upperBound <= buffer.count)
                    lastEnd = range.upperBound
                }
                if count > bytes.count + 1 { Issue.record("scanner did not advance"); break }
            }
        }
    }
}
