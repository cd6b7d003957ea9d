import Foundation
import Testing
@testable import IIN

@Suite("Consistency sample", .serialized)
struct ConsistencySampleTests {
    /// 100 kept records per slice, each of its slice, each a kept record of
    /// the corpus with its true cities, the same on every run.
    @Test func aStratifiedSamplePerSlice() throws {
        let first = try TestSupport.defaultRelease("sample-1")
        let audit = Self.auditFolder(of: first)
        let table = try ReleaseReader(folder: audit, preferWorkbooks: true).require(ConsistencySample.name)
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
        #expect(try Data(contentsOf: audit.appendingPathComponent(ConsistencySample.name + ".xlsx"))
                == Data(contentsOf: Self.auditFolder(of: second).appendingPathComponent(ConsistencySample.name + ".xlsx")))
    }

    /// The names whose first 15 bytes occur in `bytes` and are followed by
    /// the rest of the name: one pass with a packed 15-byte window, since a
    /// search per name would take minutes over a release.
    static func occurrences(of names: Set<String>, in bytes: [UInt8]) -> Set<String> {
        struct Window: Hashable { var head: UInt64; var tail: UInt64 }
        func window(_ source: some Collection<UInt8>) -> Window {
            var head: UInt64 = 0, tail: UInt64 = 0
            for (index, byte) in source.prefix(15).enumerated() {
                if index < 8 { head = head << 8 | UInt64(byte) } else { tail = tail << 8 | UInt64(byte) }
            }
            return Window(head: head, tail: tail)
        }
        var byWindow: [Window: [[UInt8]]] = [:]
        for name in names { byWindow[window(name.utf8), default: []].append(Array(name.utf8)) }
        var found = Set<String>()
        guard bytes.count >= 15 else { return found }
        for start in 0...(bytes.count - 15) where bytes[start] >= 0xE0 && bytes[start] < 0xF0 {
            guard let candidates = byWindow[window(bytes[start..<(start + 15)])] else { continue }
            for name in candidates where start + name.count <= bytes.count && bytes[start..<(start + name.count)].elementsEqual(name) {
                found.insert(String(decoding: name, as: UTF8.self))
            }
        }
        return found
    }

    /// The audit folder of a scratch project's default run.
    static func auditFolder(of release: URL) -> URL {
        release.deletingLastPathComponent().appendingPathComponent(".iin/audit")
    }

    /// The source paper withheld enterprise names: no file of the release
    /// holds one, in any format, while the audit folder's sample does; the
    /// release's sample has the same rows with each name replaced by the
    /// same key wherever it occurs.
    @Test func theReleaseHoldsNoEnterpriseName() throws {
        let release = try TestSupport.defaultRelease("sample-names")
        let truth = try CSVTable.read(TestSupport.fixtures.appendingPathComponent("default/truth.csv"))
        // Every name in the raw files (their malformed rows too): columns 2
        // and 6 of the contract's order, as the header shows.
        var names = Set<String>()
        for file in ["records-001.csv", "records-002.csv"] {
            let text = try String(contentsOf: TestSupport.fixtures.appendingPathComponent("default/raw/" + file), encoding: .utf8)
            let lines = text.split(separator: "\n")
            #expect(lines.first?.hasPrefix("记录编号,投资方名称,投资方统一社会信用代码,投资方所属地区,投资方地址,被投资方名称,") == true)
            for line in lines.dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                for column in [1, 5] where column < fields.count && fields[column].utf8.count >= 15 { names.insert(String(fields[column])) }
            }
        }
        #expect(names.count > 1000 && truth.rows.count == 4000)
        var searched = 0
        for path in try ArtifactStore.listFiles(in: release) {
            // Workbooks are zipped: search their inflated sheets. SQLite
            // stores text as UTF-8 bytes, so its file is searched as is.
            var bytes = [UInt8](try Data(contentsOf: release.appendingPathComponent(path)))
            if path.hasSuffix(".xlsx") {
                var rows: [String] = []
                try XLSXReader(url: release.appendingPathComponent(path)).read { rows.append($0.cells.joined(separator: "\u{1}")) }
                bytes = Array(rows.joined(separator: "\n").utf8)
            }
            let leaked = Self.occurrences(of: names, in: bytes)
            #expect(leaked.isEmpty, "\(path) holds enterprise names: \(leaked.prefix(3))")
            searched += 1
        }
        #expect(searched > 40)

        let named = try ReleaseReader(folder: Self.auditFolder(of: release), preferWorkbooks: true).require(ConsistencySample.name)
        #expect(named.rows.contains { names.contains($0[6]) })
        // The search finds names where they are: in the audit folder's sample.
        let namedBytes = Array(named.rows.map { $0.joined(separator: ",") }.joined(separator: "\n").utf8)
        #expect(Self.occurrences(of: names, in: namedBytes).count > 100)
        let anonymised = try ReleaseReader(folder: release, preferWorkbooks: false).require(ConsistencySample.anonymisedName)
        #expect(anonymised.header == ConsistencySample.anonymisedHeader)
        #expect(anonymised.rows.count == named.rows.count)
        var keyOfName: [String: String] = [:]
        for (plain, hidden) in zip(named.rows, anonymised.rows) {
            #expect(plain[0] == hidden[0] && plain[7] == hidden[4] && plain[10] == hidden[7])
            for (name, key) in [(plain[6], hidden[3]), (plain[9], hidden[6])] {
                #expect(key.utf8.count == 16 && key.allSatisfy(\.isHexDigit))
                #expect(keyOfName[name, default: key] == key, "\(name) has two keys")
                keyOfName[name] = key
            }
        }
        #expect(Set(keyOfName.values).count == keyOfName.count, "two names share a key")
    }

    @Test func aFilledSampleGivesTheMatchRatePerSlice() throws {
        let release = try TestSupport.defaultRelease("sample-import")
        var table = try ReleaseReader(folder: Self.auditFolder(of: release), preferWorkbooks: true).require(ConsistencySample.name)
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

/// The draw behind the sample: the lowest priorities per slice, merged
/// from each file's own lowest, and each record equally likely.
@Suite("Consistency sample draw")
struct SampleDrawTests {
    /// Each file keeps its own `per_slice` lowest; merged, they are the
    /// lowest over all files, found here by sorting every candidate.
    @Test func eachFilesLowestMergeToTheLowestOverall() {
        let parameters = SampleDraw.Parameters(perSlice: 7, seed: 11)
        let names = ["a.csv", "b.csv", "c.csv"]
        let years = [2015, 2020]
        var everything: [[[SampleDraw.Candidate]]] = []
        var kept: [[[SampleDraw.Candidate]]] = []
        for (file, name) in names.enumerated() {
            let salt = SampleDraw.salt(seed: parameters.seed, fileName: name)
            var all: [[SampleDraw.Candidate]] = []
            var lowest: [[SampleDraw.Candidate]] = []
            for year in years {
                let candidates = (0..<(40 + file * 13)).map { SampleDraw.Candidate(line: 2 + $0 * 3, offset: $0 * 20) }
                var heap = SampleDraw.Lowest(limit: parameters.perSlice)
                for candidate in candidates.shuffled() {
                    heap.offer(priority: SampleDraw.priority(salt: salt, sliceYear: year, line: candidate.line), candidate: candidate)
                }
                all.append(candidates)
                lowest.append(heap.candidates)
            }
            everything.append(all)
            kept.append(lowest)
        }
        let merged = SampleDraw.draw(perFile: kept, fileNames: names, sliceYears: years, parameters: parameters)
        let brute = SampleDraw.draw(perFile: everything, fileNames: names, sliceYears: years, parameters: parameters)
        #expect(merged == brute)
        #expect(merged.drawn.count == parameters.perSlice * years.count)
    }

    /// One record of ten drawn under 5,000 seeds: each is drawn 500 times
    /// give or take 21 (binomial); 100 either side is about five standard
    /// deviations.
    @Test func everyRecordIsEquallyLikely() {
        var wins = [Int](repeating: 0, count: 10)
        for seed in 0..<5_000 {
            var heap = SampleDraw.Lowest(limit: 1)
            let salt = SampleDraw.salt(seed: seed, fileName: "records-001.csv")
            for line in 2...11 {
                heap.offer(priority: SampleDraw.priority(salt: salt, sliceYear: 2020, line: line), candidate: SampleDraw.Candidate(line: line, offset: 0))
            }
            wins[heap.candidates[0].line - 2] += 1
        }
        #expect(wins.allSatisfy { (400...600).contains($0) }, "\(wins)")
    }
}
