import Foundation
import Testing
@testable import IIN

@Suite("iin audit", .serialized)
struct ReleaseAuditTests {
    /// Rewrites a table's workbook (and CSV) with one cell changed, as a
    /// hand-edited or inconsistent published release would have it.
    func tamper(_ release: URL, table name: String, column: String, row: Int, by delta: Int) throws -> (old: String, new: String) {
        var table = try ReleaseReader(folder: release, preferWorkbooks: true).require(name)
        let index = try table.columnIndex(column)
        let old = table.rows[row][index]
        table.rows[row][index] = String((Int(old) ?? 0) + delta)
        let release_ = ReleaseTable(name: name, header: table.header, rows: table.rows)
        _ = try release_.writeXLSX(to: release)
        _ = try release_.writeCSV(to: release)
        return (old, table.rows[row][index])
    }

    @Test func ourReleasePassesFromWorkbooksAndFromCSV() throws {
        let release = try TestSupport.defaultRelease("audit-ours")
        for preferWorkbooks in [true, false] {
            let checks = try ReleaseAudit(release: release, gazetteer: try TestSupport.gazetteer(), preferWorkbooks: preferWorkbooks).run()
            #expect(checks.count == 7)
            #expect(checks.allSatisfy { $0.passed && !$0.skipped }, "\(checks.filter { !$0.passed }.map(\.failures))")
        }
    }

    /// The source paper's own Table 1 has a directed sum of 149,491 against
    /// an undirected 149,071 for 2005: a changed undirected weight is the
    /// same kind of break, and the audit names it with both sums.
    @Test func aDirectedUndirectedMismatchIsNamedWithItsNumbers() throws {
        let release = try TestSupport.defaultRelease("audit-mismatch")
        let undirected = try ReleaseReader(folder: release, preferWorkbooks: true).require(PublishStage.undirectedName)
        let year = undirected.rows[0][try undirected.columnIndex("InvestmentYear")]
        let directedSum = try ReleaseReader(folder: release, preferWorkbooks: true).require(PublishStage.directedName).rows
            .filter { $0[13] == year }.reduce(0) { $0 + Int($1[1])! }
        _ = try tamper(release, table: PublishStage.undirectedName, column: "InvestmentFrequency", row: 0, by: 7)
        let checks = try ReleaseAudit(release: release, gazetteer: try TestSupport.gazetteer()).run()
        let sums = try #require(checks.first { $0.id == "directed_equals_undirected" })
        #expect(!sums.passed)
        #expect(sums.failures.contains("investment intercity \(year): directed \(directedSum), undirected \(directedSum + 7)"), "\(sums.failures)")
        let table1 = try #require(checks.first { $0.id == "table1_recomputed" })
        #expect(table1.failures.contains { $0.contains("Undirected \(year): Sum published") }, "\(table1.failures)")
    }

    /// Table 1's figures are printed with the contract's decimals (Mean and
    /// SD 4, Median 1, counts none): a mean cut to two decimals is refused
    /// even though it rounds the true value.
    @Test func table1FiguresMustHaveTheContractsDecimals() throws {
        let release = try TestSupport.defaultRelease("audit-decimals")
        let file = release.appendingPathComponent(PublishStage.statisticsName + ".csv")
        let row = try TestSupport.editCell(file, column: "Mean", where: { $0["Type"] == "Directed" && $0["Year"] == "2020" }) { row in
            String(format: "%.2f", Double(row["Mean"]!)!)
        }
        let checks = try ReleaseAudit(release: release, gazetteer: try TestSupport.gazetteer(), preferWorkbooks: false).run()
        let table1 = try #require(checks.first { $0.id == "table1_recomputed" })
        let cut = String(format: "%.2f", Double(row["Mean"]!)!)
        #expect(table1.failures == ["investment Directed 2020: Mean published \(cut), recomputed \(row["Mean"]!)"], "\(table1.failures)")
        #expect(checks.filter { !$0.passed }.map(\.id) == ["table1_recomputed"])

        // The right value with a decimal too many is refused as well.
        try TestSupport.editCell(file, column: "Mean", where: { $0["Type"] == "Directed" && $0["Year"] == "2020" }) { _ in row["Mean"]! + "0" }
        let again = try ReleaseAudit(release: release, gazetteer: try TestSupport.gazetteer(), preferWorkbooks: false).run()
        #expect(again.first { $0.id == "table1_recomputed" }?.failures
                == ["investment Directed 2020: Mean published \(row["Mean"]!)0 with 5 decimals, outputs.md prints 4 (\(row["Mean"]!))"])
    }

    @Test func aWrongDegreeIsNamedWithPublishedAndRecomputedValues() throws {
        let release = try TestSupport.defaultRelease("audit-degree")
        let metric = try ReleaseReader(folder: release, preferWorkbooks: true).require(PublishStage.metricName)
        let city = metric.rows[0][0]
        _ = try tamper(release, table: PublishStage.metricName, column: "Outdegree", row: 0, by: 1)
        let checks = try ReleaseAudit(release: release, gazetteer: try TestSupport.gazetteer()).run()
        let degrees = try #require(checks.first { $0.id == "degrees_recomputed" })
        #expect(degrees.failures.contains { $0.contains(" \(city): published [") && $0.contains("recomputed [") }, "\(degrees.failures)")
    }

    @Test func aReleaseWithoutAccountingSkipsThatCheckAndTheCommandFailsOnDiscrepancies() throws {
        let release = try TestSupport.defaultRelease("audit-cli")
        // A release as downloaded without its manifest: nothing to verify
        // bytes against, so the audit recomputes only.
        for ext in ["csv", "xlsx"] { try FileManager.default.removeItem(at: release.appendingPathComponent(PublishStage.accountingName + "." + ext)) }
        try FileManager.default.removeItem(at: release.appendingPathComponent(ReleaseFolder.manifestName))
        let passing = try TestSupport.runIIN(["audit", release.path], in: release.deletingLastPathComponent())
        #expect(passing.status == 0, "\(passing.output)\(passing.errors)")
        #expect(passing.output.contains("SKIP Rows read = kept + duplicates + rejected"))
        _ = try tamper(release, table: PublishStage.undirectedName, column: "InvestmentFrequency", row: 0, by: 1)
        let failing = try TestSupport.runIIN(["audit", release.path], in: release.deletingLastPathComponent())
        #expect(failing.status == 3)
        #expect(failing.output.contains("FAIL Directed sum equals undirected sum per slice"))
    }

    /// One weight edited in place, same size, in one file only: --verify
    /// (the default where a manifest is) names the file by its hash, and
    /// `iin status` calls the release altered; a run puts it right.
    @Test func aSameSizeEditOfOneWeightFailsVerification() throws {
        let release = try TestSupport.defaultRelease("audit-verify")
        let project = release.deletingLastPathComponent()
        let name = PublishStage.directedName + ".csv"
        let url = release.appendingPathComponent(name)
        var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
        var fields = lines[1].components(separatedBy: ",")
        let weight = try #require(Int(fields[1]))
        let edited = weight % 10 == 9 ? weight - 1 : weight + 1
        #expect(String(edited).count == fields[1].count)
        fields[1] = String(edited)
        lines[1] = fields.joined(separator: ",")
        let before = try Data(contentsOf: url).count
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        #expect(try Data(contentsOf: url).count == before)

        let audit = try TestSupport.runIIN(["audit", release.path], in: project)
        #expect(audit.status == 3)
        #expect(audit.output.contains("FAIL Every file matches the SHA-256 and size in manifest.json"), "\(audit.output)")
        #expect(audit.output.contains("- \(name): \(before) bytes with SHA-256"), "\(audit.output)")
        // The workbooks still agree with themselves; the CSV does not.
        #expect(audit.output.contains("FAIL Directed sum equals undirected sum per slice (from the CSV)"), "\(audit.output)")
        #expect(audit.output.contains("ok   Directed sum equals undirected sum per slice (from the workbooks)"), "\(audit.output)")
        let status = try TestSupport.runIIN(["status", "--input", "raw=\(TestSupport.defaultRaw)", "--input", "overrides=\(TestSupport.defaultOverrides)"], in: project)
        #expect(status.output.contains("release    altered  \(release.path)"), "\(status.output)\(status.errors)")
        #expect(status.output.contains(name))

        let rerun = try TestSupport.runIIN(["run", "--input", "raw=\(TestSupport.defaultRaw)", "--input", "overrides=\(TestSupport.defaultOverrides)"], in: project)
        #expect(rerun.status == 0, "\(rerun.errors)")
        #expect(try TestSupport.runIIN(["audit", release.path], in: project).status == 0)
    }
}

/// The release guard reads a slice's edge count from Table 1; it must be
/// the number of rows the directed network (with intracity links) has in
/// that slice, counted here from the table itself.
@Suite("Release guard figures")
struct ReleaseGuardFigureTests {
    @Test func edgesPerSliceAreTheDirectedTablesRowsPerSlice() throws {
        let golden = TestSupport.fixtures.appendingPathComponent("golden/default-release")
        let figures = try #require(ReleaseGuard.Figures.read(release: golden))
        let table = try CSVTable.read(golden.appendingPathComponent(PublishStage.directedIntracityName + ".csv"))
        let year = try table.columnIndex("InvestmentYear")
        var counted: [Int: Int] = [:]
        for row in table.rows { counted[Int(row[year])!, default: 0] += 1 }
        #expect(figures.edgesPerSlice == counted)
        #expect(counted.count == 5)
        let accounting = try CSVTable.read(golden.appendingPathComponent(PublishStage.accountingName + ".csv"))
        #expect(figures.rowsRead == Int(accounting.rows.last![try accounting.columnIndex("RowsRead")]))
    }
}
