import Crypto
import Foundation

/// Section 3 of validation.md: a stratified random sample of kept records,
/// n per slice, drawn with a fixed seed, as a workbook with an empty
/// `verified` column for people to fill in (`yes`, `no`, `not_found`), and
/// the reading of a filled-in workbook back to a match rate per slice.
public enum ConsistencySample {
    public static let name = "Consistency sample"
    public static let header = ["Slice", "RecordID", "File", "Line", "LinkType", "Year", "InvestorName", "InvestorCityCode", "InvestorCityName_CN",
                                "InvesteeName", "InvesteeCityCode", "InvesteeCityName_CN", "verified", "note"]
    public static let answers: Set<String> = ["yes", "no", "not_found"]

    /// Reservoir sampling per slice over the kept records in input order,
    /// with one seeded generator, so the sample is the same on every run.
    /// The walk builds no string: a record's names are read only when it
    /// enters a reservoir, a few thousand times in millions of records.
    public static func draw(kept: KeptRecords, scheme: SliceScheme, fileNames: [String], perSlice: Int, seed: UInt64,
                            gazetteer: Gazetteer) throws(IINError) -> ReleaseTable {
        var random = SeededRandom(seed: seed)
        let sliceYears = scheme.years
        var seen = [Int](repeating: 0, count: sliceYears.count)
        var reservoirs = [[GeocodedRecord]](repeating: [], count: sliceYears.count)
        // The slices of each year, by position in sliceYears, worked out
        // once per distinct year instead of once per record.
        var slicesOfYear: [Int: [Int]] = [:]
        var lastYear = Int.min, lastSlices: [Int] = []
        for file in 0..<kept.fileCount {
            let source = try kept.source(file: file)
            try kept.forEachView(file: file) { view throws(IINError) in
                if view.year != lastYear {
                    lastYear = view.year
                    if let known = slicesOfYear[view.year] {
                        lastSlices = known
                    } else {
                        lastSlices = scheme.slices(of: view.year).compactMap { sliceYears.firstIndex(of: $0) }
                        slicesOfYear[view.year] = lastSlices
                    }
                }
                for slice in lastSlices {
                    seen[slice] += 1
                    if reservoirs[slice].count < perSlice {
                        reservoirs[slice].append(try source.record(view))
                    } else {
                        let position = random.below(seen[slice])
                        if position < perSlice { reservoirs[slice][position] = try source.record(view) }
                    }
                }
            }
        }
        var rows: [[String]] = []
        for (position, slice) in sliceYears.enumerated() where seen[position] > 0 {
            for record in reservoirs[position].sorted(by: { $0.location < $1.location }) {
                let file = fileNames.indices.contains(record.location.file) ? fileNames[record.location.file] : String(record.location.file)
                rows.append([String(slice), record.recordID, file, String(record.location.line), record.linkType.name, String(record.year),
                             record.investorName, String(record.investorCity), gazetteer.city(code: record.investorCity)?.nameCN ?? "",
                             record.investeeName, String(record.investeeCity), gazetteer.city(code: record.investeeCity)?.nameCN ?? "", "", ""])
            }
        }
        return ReleaseTable(name: name, header: header, rows: rows)
    }

    /// The release's copy of the sample, as the source paper published
    /// one: each enterprise name replaced by a keyed hash (HMAC-SHA256, the
    /// first 16 hex digits), so one enterprise keeps one key across rows and
    /// slices, but no name can be recovered or confirmed without the key,
    /// which never enters the release. Record ids, files and lines, which
    /// would lead back to the crawl, are left out.
    public static let anonymisedName = "Records sample (anonymised)"
    public static let anonymisedHeader = ["Slice", "LinkType", "Year", "InvestorKey", "InvestorCityCode", "InvestorCityName_CN",
                                          "InvesteeKey", "InvesteeCityCode", "InvesteeCityName_CN"]
    /// Shorter keys are refused: a guessable key lets anyone hash a list of
    /// enterprise names and find them in the sample.
    public static let minimumKeyBytes = 16

    public static func anonymised(_ sample: ReleaseTable, keyFile: URL) throws(IINError) -> ReleaseTable {
        let key = try FileBytes.read(keyFile)
        guard key.count >= minimumKeyBytes else {
            throw IINError.pipeline(file: "pipeline.json", jsonPath: "$.inputs.anonymisation_key",
                                    problem: "the key file \(keyFile.path) holds \(key.count) bytes, fewer than the \(minimumKeyBytes) a key needs",
                                    fix: "Make a key with 'head -c 32 /dev/urandom > FILE' and point the input at it.")
        }
        let symmetric = SymmetricKey(data: key)
        func hashed(_ name: String) -> String {
            HMAC<SHA256>.authenticationCode(for: Data(name.utf8), using: symmetric).prefix(8).map { String(format: "%02x", $0) }.joined()
        }
        let columns = ["Slice", "LinkType", "Year", "InvestorName", "InvestorCityCode", "InvestorCityName_CN", "InvesteeName", "InvesteeCityCode",
                       "InvesteeCityName_CN"].compactMap { header.firstIndex(of: $0) }
        let rows = sample.rows.map { row in
            columns.enumerated().map { position, column in position == 3 || position == 6 ? hashed(row[column]) : row[column] }
        }
        return ReleaseTable(name: anonymisedName, header: anonymisedHeader, rows: rows)
    }

    public struct SliceRate: Sendable, Equatable {
        public var slice: String
        public var yes = 0
        public var no = 0
        public var notFound = 0
        public var unchecked = 0

        /// Matches among the records that were found.
        public var matchRate: Double? { yes + no > 0 ? Double(yes) / Double(yes + no) : nil }
    }

    /// Reads a filled-in sample workbook (or its CSV): per slice, how many
    /// records were confirmed, contradicted, not found or not yet checked.
    public static func importFilled(_ url: URL) throws(IINError) -> [SliceRate] {
        let folder = url.deletingLastPathComponent()
        let base = url.deletingPathExtension().lastPathComponent
        let table = try ReleaseReader(folder: folder, preferWorkbooks: url.pathExtension.lowercased() == "xlsx").require(base)
        let slice = try table.columnIndex("Slice")
        let verified = try table.columnIndex("verified")
        var rates: [String: SliceRate] = [:]
        for (row, line) in zip(table.rows, table.lines) {
            let answer = row[verified].trimmingCharacters(in: .whitespaces).lowercased()
            var rate = rates[row[slice]] ?? SliceRate(slice: row[slice])
            switch answer {
            case "": rate.unchecked += 1
            case "yes": rate.yes += 1
            case "no": rate.no += 1
            case "not_found": rate.notFound += 1
            default:
                throw IINError.invalidTableCell(path: table.path, row: line, column: "verified", value: row[verified],
                                                expected: "yes, no, not_found or empty")
            }
            rates[row[slice]] = rate
        }
        return rates.keys.sorted().map { rates[$0]! }
    }
}
