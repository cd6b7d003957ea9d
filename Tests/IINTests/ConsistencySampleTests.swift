import Foundation
import Testing
@testable import IIN

@Suite("Consistency sample", .serialized)
struct ConsistencySampleTests {
    /// 100 kept records per slice, each of its slice, each a kept record of
    /// the corpus with its true cities, the same on every run.
    @Test func aStratifiedSamplePerSlice() throws {
        let first = try TestSupport.defaultRelease("sample-1")
        let table = try ReleaseReader(folder: first, preferWorkbooks: true).require(ConsistencySample.name)
        #expect(table.header == ConsistencySample.header)
        var perSlice: [String: Int] = [:]
        for row in table.rows { perSlice[row[0], default: 0] += 1 }
        #expect(perSlice == ["2000": 100, "2005": 100, "2010": 100, "2015": 100, "2020": 100])
        #expect(table.rows.allSatisfy { $0[0] == $0[5] && $0[12].isEmpty }) // point slices: the record's own year; verified empty
        #expect(Set(table.rows.map { $0[1] }).count == table.rows.count)
        let truth = try CSVTable.read(TestSupport.fixtures.appendingPathComponent("default/truth.csv"))
        let cities = Dictionary(uniqueKeysWithValues: truth.rows.map { ($0[0], ($0[4], $0[5])) })
        #expect(table.rows.allSatisfy { cities[$0[1]]?.0 == $0[7] && cities[$0[1]]?.1 == $0[10] })

        let second = try TestSupport.defaultRelease("sample-2")
        #expect(try Data(contentsOf: first.appendingPathComponent(ConsistencySample.name + ".xlsx"))
                == Data(contentsOf: second.appendingPathComponent(ConsistencySample.name + ".xlsx")))
    }

    @Test func aFilledSampleGivesTheMatchRatePerSlice() throws {
        let release = try TestSupport.defaultRelease("sample-import")
        var table = try ReleaseReader(folder: release, preferWorkbooks: true).require(ConsistencySample.name)
        let verified = try table.columnIndex("verified")
        // 2000: 3 yes, 1 no, 1 not found; 2005: 2 yes; the rest unchecked.
        let answers = ["yes", "yes", "YES ", "no", "not_found"]
        var given: [String: Int] = [:]
        for index in table.rows.indices {
            let slice = table.rows[index][0]
            let position = given[slice, default: 0]
            given[slice] = position + 1
            if slice == "2000", position < answers.count { table.rows[index][verified] = answers[position] }
            if slice == "2005", position < 2 { table.rows[index][verified] = "yes" }
        }
        let folder = TestSupport.temporaryFolder("filled")
        _ = try ReleaseTable(name: "filled", header: table.header, rows: table.rows).writeXLSX(to: folder)
        let rates = try ConsistencySample.importFilled(folder.appendingPathComponent("filled.xlsx"))
        let year2000 = try #require(rates.first { $0.slice == "2000" })
        #expect(year2000.yes == 3 && year2000.no == 1 && year2000.notFound == 1 && year2000.unchecked == 95)
        #expect(year2000.matchRate == 0.75)
        #expect(rates.first { $0.slice == "2005" }?.matchRate == 1)
        #expect(rates.first { $0.slice == "2010" }?.matchRate == nil)

        table.rows[0][verified] = "maybe"
        _ = try ReleaseTable(name: "bad", header: table.header, rows: table.rows).writeXLSX(to: folder)
        #expect(throws: IINError.invalidTableCell(path: folder.appendingPathComponent("bad.xlsx").path, row: 2, column: "verified", value: "maybe",
                                                  expected: "yes, no, not_found or empty")) {
            try ConsistencySample.importFilled(folder.appendingPathComponent("bad.xlsx"))
        }
        let command = try TestSupport.runIIN(["sample", "import", folder.appendingPathComponent("filled.xlsx").path], in: folder)
        #expect(command.status == 0, "\(command.errors)")
        #expect(command.output.contains("2000   3  1  1  95  0.750"))
    }
}
