import Foundation
import Testing
@testable import IIN
import ZIPFoundation

/// The release in its formats, read back by the project's own readers and
/// compared with the CSV tables.
@Suite("Release formats", .serialized)
struct ReleaseFormatTests {
    /// One run of the default data, shared by the tests of this suite.
    static let release: Result<URL, TestFailure> = {
        do {
            let project = try TestSupport.scratchProject("release-formats")
            let release = project.appendingPathComponent("release")
            _ = try TestSupport.workspace(project).runCollecting(release: release)
            return .success(release)
        } catch {
            return .failure(TestFailure("\(error)"))
        }
    }()

    static func csvTables(in release: URL) throws -> [String] {
        try ArtifactStore.listFiles(in: release).filter { $0.hasSuffix(".csv") }
    }

    /// Every workbook holds exactly its CSV's cells, header included.
    @Test func everyWorkbookMatchesItsCSVCellForCell() throws {
        let release = try Self.release.get()
        let tables = try Self.csvTables(in: release)
        #expect(tables.count == 15) // six per link type, CityInfo, Record accounting, the anonymised records sample
        for csvName in tables {
            let csv = try CSVTable.read(release.appendingPathComponent(csvName))
            let workbook = release.appendingPathComponent(String(csvName.dropLast(4)) + ".xlsx")
            var rows: [[String]] = []
            try XLSXReader(url: workbook).read { rows.append($0.cells) }
            #expect(rows.first == csv.header, "\(csvName)")
            #expect(rows.count == csv.rows.count + 1, "\(csvName)")
            for (index, (fromWorkbook, fromCSV)) in zip(rows.dropFirst(), csv.rows).enumerated() {
                // Empty trailing cells are not written to the sheet.
                let padded = fromWorkbook + Array(repeating: "", count: max(0, fromCSV.count - fromWorkbook.count))
                if padded != fromCSV {
                    Issue.record("\(csvName) row \(index + 2): workbook \(padded) vs CSV \(fromCSV)")
                    break
                }
            }
        }
    }

    @Test func workbooksStoreNumbersAsNumbersAndCodesAsText() throws {
        let release = try Self.release.get()
        let archive = try #require(try? ZIPArchiveText(url: release.appendingPathComponent("Directed intercity investment network dataset.xlsx")))
        let sheet = try archive.text("xl/worksheets/sheet1.xml")
        // CityDyad a shared string, InvestmentFrequency a number,
        // InvestorCityCode a shared string; no cell names its reference
        // where none before it in the row was left out.
        #expect(sheet.range(of: #"<row r="2"><c t="s"><v>\d+</v></c><c><v>\d+</v></c><c t="s"><v>\d+</v></c>"#, options: .regularExpression) != nil)
        let directed = try CSVTable.read(release.appendingPathComponent("Directed intercity investment network dataset.csv"))
        let code = try #require(directed.rows.first?[directed.columnIndex("InvestorCityCode")])
        #expect(try archive.text("xl/sharedStrings.xml").contains("<si><t>\(code)</t></si>"))
        #expect(sheet.contains(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#))
        #expect(sheet.contains("<autoFilter ref=\"A1:N"))
    }

    /// An empty cell is left out of the sheet, so the cell after it names
    /// its column; the rest of the row is read by position.
    @Test func aCellAfterAnEmptyOneKeepsItsColumn() throws {
        let folder = TestSupport.temporaryFolder("gap")
        let table = ReleaseTable(name: "Record accounting", header: ["File", "RowsRead", "Kept", "Duplicate"],
                                 rows: [["a.csv", "", "3", "4"], ["", "5", "", "6"], ["c.csv", "7", "8", ""]])
        _ = try table.writeXLSX(to: folder)
        let workbook = folder.appendingPathComponent("Record accounting.xlsx")
        var rows: [[String]] = []
        try XLSXReader(url: workbook).read { rows.append($0.cells) }
        let padded = rows.map { $0 + Array(repeating: "", count: max(0, 4 - $0.count)) }
        #expect(padded == [table.header] + table.rows)
        let sheet = try #require(try? ZIPArchiveText(url: workbook)).text("xl/worksheets/sheet1.xml")
        #expect(sheet.contains(#"<row r="2"><c t="s"><v>"#) && sheet.contains(#"<c r="C2"><v>3</v></c><c><v>4</v></c>"#))
        #expect(sheet.contains(#"<row r="3"><c r="B3"><v>5</v></c><c r="D3"><v>6</v></c>"#))
    }

    @Test func textThatLooksLikeAFormulaStaysText() throws {
        let folder = TestSupport.temporaryFolder("formula")
        let table = ReleaseTable(name: "Record accounting", header: ["File", "RowsRead"],
                                 rows: [["=HYPERLINK(\"http://x\")", "3"], ["+1-2", "4"], ["-x", "5"], ["@SUM(A1)", "6"], ["plain", "-7"]])
        _ = try table.writeCSV(to: folder)
        let csv = try String(contentsOf: folder.appendingPathComponent("Record accounting.csv"), encoding: .utf8)
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\",3"))
        #expect(csv.contains("'+1-2,4"))
        #expect(csv.contains("'-x,5"))
        #expect(csv.contains("'@SUM(A1),6"))
        #expect(csv.contains("plain,-7")) // numbers are numbers, negative or not
        _ = try table.writeXLSX(to: folder)
        var rows: [[String]] = []
        try XLSXReader(url: folder.appendingPathComponent("Record accounting.xlsx")).read { rows.append($0.cells) }
        #expect(rows[1] == ["=HYPERLINK(\"http://x\")", "3"])
        let sheet = try ZIPArchiveText(url: folder.appendingPathComponent("Record accounting.xlsx")).text("xl/worksheets/sheet1.xml")
        #expect(!sheet.contains("<f>"))
    }

    @Test func theDatabaseHoldsEveryTableTyped() throws {
        let release = try Self.release.get()
        let database = try SQLiteDatabase(reading: release.appendingPathComponent(ReleaseDatabase.fileName))
        let tables = try database.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name").compactMap { $0[0] }
        #expect(tables.count == 14) // six per link type, CityInfo, Record accounting
        #expect(tables.contains("branch_three_network_metric_dataset"))
        // The intercity tables are views of those with intracity links:
        // each must hold exactly its CSV's rows, in order.
        let views = try database.query("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name").compactMap { $0[0] }
        #expect(views == ["branch_directed_intercity_investment_network_dataset", "branch_undirected_intercity_investment_network_dataset",
                          "directed_intercity_investment_network_dataset", "undirected_intercity_investment_network_dataset"])
        for (view, file) in [("directed_intercity_investment_network_dataset", PublishStage.directedName),
                             ("undirected_intercity_investment_network_dataset", PublishStage.undirectedName)] {
            let published = try CSVTable.read(release.appendingPathComponent(file + ".csv"))
            let stored = try database.query("SELECT CityDyad, InvestmentFrequency, InvestmentYear FROM \(view)")
            let columns = try (published.columnIndex("CityDyad"), published.columnIndex("InvestmentFrequency"), published.columnIndex("InvestmentYear"))
            #expect(stored.map { $0.map { $0 ?? "" } } == published.rows.map { [$0[columns.0], $0[columns.1], $0[columns.2]] }, "\(view)")
        }
        let csv = try CSVTable.read(release.appendingPathComponent("Three network metric dataset.csv"))
        let rank = csv.header.firstIndex(of: "Rank_node")!, year = csv.header.firstIndex(of: "InvestmentYear")!
        let topOf2020 = csv.rows.first { $0[year] == "2020" && $0[rank] == "1" }
        let answer = try database.query("""
            SELECT CityCode, NodeDegree, typeof(CityCode), typeof(NodeDegree), typeof(LNG) FROM three_network_metric_dataset
            WHERE InvestmentYear = 2020 ORDER BY Rank_node, CityCode LIMIT 1
            """)
        #expect(answer.first?[0] == topOf2020?[0])
        #expect(answer.first?[2] == "text" && answer.first?[3] == "integer" && answer.first?[4] == "real")
        let indexes = try database.query("SELECT count(*) FROM sqlite_master WHERE type = 'index'")
        #expect(Int(indexes.first?[0] ?? "0") ?? 0 >= 16)
    }

    @Test func graphsAndGeoJSONHaveTheTablesCounts() throws {
        let release = try Self.release.get()
        let directed = try CSVTable.read(release.appendingPathComponent("Directed intercity investment network dataset.csv"))
        let metric = try CSVTable.read(release.appendingPathComponent("Three network metric dataset.csv"))
        let year = directed.header.firstIndex(of: "InvestmentYear")!
        let graph = try String(contentsOf: release.appendingPathComponent("graphml/investment-2020.graphml"), encoding: .utf8)
        #expect(graph.components(separatedBy: "<edge ").count - 1 == directed.rows.filter { $0[year] == "2020" }.count)
        #expect(graph.components(separatedBy: "<node ").count - 1 == metric.rows.filter { $0[11] == "2020" }.count)

        let undirected = try CSVTable.read(release.appendingPathComponent("Undirected intercity investment network dataset.csv"))
        let lines = try JSONSerialization.jsonObject(with: Data(contentsOf: release.appendingPathComponent("Undirected intercity investment network dataset.geojson")))
        let features = (lines as? [String: Any])?["features"] as? [[String: Any]]
        #expect(features?.count == undirected.rows.count)
        let cities = try JSONSerialization.jsonObject(with: Data(contentsOf: release.appendingPathComponent(ReleaseGeoJSON.citiesName)))
        #expect(((cities as? [String: Any])?["features"] as? [Any])?.count == 367)
    }

    @Test func theDataPackageDescribesEveryFilePublishWrites() throws {
        let release = try Self.release.get()
        let package = try JSONValue.parse(Data(contentsOf: release.appendingPathComponent(ReleaseDataPackage.fileName)))
        let paths = Set(package["resources"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? [])
        // What later stages write (the report, the anonymised records
        // sample) and the manifest come after the package; docs/outputs.md
        // describes them.
        let later: Set<String> = [ReleaseDataPackage.fileName, ReleaseFolder.manifestName, ValidateStage.reportFile, ValidateStage.pageFile,
                                  ConsistencySample.anonymisedName + ".csv", ConsistencySample.anonymisedName + ".xlsx"]
        let files = try FileManager.default.subpathsOfDirectory(atPath: release.path).filter { path in
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: release.appendingPathComponent(path).path, isDirectory: &folder) && !folder.boolValue
        }
        #expect(paths == Set(files).subtracting(later))
        #expect(paths.contains(ReleaseGeography.geoPackageName) && paths.contains("graphml/investment-2020.graphml"))
        #expect(package["licenses"]?.arrayValue?.first?["name"]?.stringValue == "CC-BY-4.0")
        let directed = package["resources"]?.arrayValue?.first { $0["path"]?.stringValue == PublishStage.directedName + ".csv" }
        #expect(directed?["schema"]?["primaryKey"] == .array([.string("InvestmentYear"), .string("InvestorCityCode"), .string("InvesteeCityCode")]))
        #expect(directed?["schema"]?["foreignKeys"]?.arrayValue?.count == 2)
        let distance = directed?["schema"]?["fields"]?.arrayValue?.first { $0["name"]?.stringValue == "Distance_km" }
        #expect(distance?["unit"]?.stringValue == "km")
        let metric = package["resources"]?.arrayValue?.first { $0["path"]?.stringValue == "Three network metric dataset.csv" }
        let types = metric?["schema"]?["fields"]?.arrayValue?.compactMap { $0["type"]?.stringValue }
        #expect(types == ["string", "string", "string", "number", "number", "integer", "integer", "integer", "integer", "integer", "integer", "integer"])
    }

    /// openpyxl, the sqlite3 shell and networkx read the release as its
    /// CSV tables say (Tests/clients/check_release.py). Needs a Python with
    /// openpyxl and networkx in IIN_CLIENT_PYTHON, which .ci/run provides.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["IIN_CLIENT_PYTHON"] != nil, "set IIN_CLIENT_PYTHON (.ci/run does)"))
    func realClientsReadTheRelease() throws {
        let release = try Self.release.get()
        let (status, text) = try Self.checkWithClients(release)
        #expect(status == 0, "\(text)")
        #expect(text.contains("client check passed: 15 workbooks"), "\(text)")
        #expect(text.contains("fixed point (leidenalg)"), "\(text)")
        #expect(text.contains("resources valid)"), "\(text)")
    }

    /// The client check compares every cell, value and type: a workbook
    /// whose numbers are stored as text, or one cell off, fails it by name.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["IIN_CLIENT_PYTHON"] != nil, "set IIN_CLIENT_PYTHON (.ci/run does)"))
    func theClientCheckFailsOnACellOfTheWrongTypeOrValue() throws {
        let release = try TestSupport.defaultRelease()
        var table = try ReleaseReader(folder: release, preferWorkbooks: false).require(PublishStage.statisticsName)
        let asText = ReleaseTable(name: PublishStage.statisticsName, header: table.header, rows: table.rows)
        try XLSXWriter.write(header: asText.header, kinds: asText.header.map { _ in .text }, rows: asText.rows, sheet: asText.sheetName,
                             to: release.appendingPathComponent(PublishStage.statisticsName + ".xlsx"))
        let (status, text) = try Self.checkWithClients(release)
        #expect(status == 1)
        #expect(text.contains("Descriptive statistics.xlsx: Year of row 2 is '2000' (str), the CSV has the number 2000"), "\(text)")

        let sd = try table.columnIndex("SD")
        let row = try #require(table.rows.firstIndex { $0[sd] != "" })
        let published = table.rows[row][sd]
        table.rows[row][sd] = String(format: "%.4f", Double(published)! + 0.0001)
        _ = try ReleaseTable(name: PublishStage.statisticsName, header: table.header, rows: table.rows).writeXLSX(to: release)
        let (offStatus, offText) = try Self.checkWithClients(release)
        #expect(offStatus == 1)
        #expect(offText.contains("Descriptive statistics.xlsx: SD of row \(row + 2) is \(table.rows[row][sd]), the CSV has \(published)"), "\(offText)")
    }

    static func checkWithClients(_ release: URL) throws -> (Int32, String) {
        let result = try TestSupport.runProgram(ProcessInfo.processInfo.environment["IIN_CLIENT_PYTHON"]!,
                                                [TestSupport.repository.appendingPathComponent("Tests/clients/check_release.py").path, release.path], in: release)
        return (result.status, result.output + result.errors)
    }

    /// The same inputs give the same release, byte for byte, Excel and
    /// SQLite included, whatever the thread count.
    @Test func oneThreadAndManyGiveTheSameRelease() throws {
        var manifests: [Data] = []
        for threads in [1, 4] {
            let project = try TestSupport.scratchProject("same-release-\(threads)")
            let release = project.appendingPathComponent("release")
            _ = try TestSupport.workspace(project).runner(log: CollectingLog(), progress: ProgressReporter(style: .silent))
                .run(threads: threads, releaseFolder: release)
            manifests.append(try Data(contentsOf: release.appendingPathComponent(ReleaseFolder.manifestName)))
        }
        #expect(manifests[0] == manifests[1])
    }
}

/// Reads a part of a zip archive as text, for looking inside workbooks.
struct ZIPArchiveText {
    let url: URL

    init(url: URL) throws {
        self.url = url
    }

    func text(_ path: String) throws -> String {
        let archive = try Archive(url: url, accessMode: .read)
        guard let entry = archive[path] else { throw TestFailure("\(path) not in \(url.lastPathComponent)") }
        var data = Data()
        _ = try archive.extract(entry) { data.append($0) }
        return String(decoding: data, as: UTF8.self)
    }
}
