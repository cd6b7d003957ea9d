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

    /// The records the aggregate stage drew (`SampleDraw`), read with
    /// their names: each is found by where its geocoded record starts, so
    /// no pass over the kept records is made here.
    /// A drawn record that is not where `drawnFile` says is that file's
    /// damage, not the geocoded records', so the error names it.
    static func table(_ drawn: [SampleDraw.Drawn], drawnFile: URL, kept: KeptRecords, fileNames: [String], gazetteer: Gazetteer) throws(IINError) -> ReleaseTable {
        var rows: [[String]] = []
        var opened: (file: Int, records: MappedFile, source: GeocodedSource)?
        for entry in drawn {
            guard kept.parts.indices.contains(entry.file) else {
                throw IINError.corruptArtifact(path: drawnFile.path, reason: "a drawn record of file \(entry.file), of \(kept.parts.count) files")
            }
            if opened?.file != entry.file {
                opened = (entry.file, try MappedFile(url: kept.parts[entry.file].records), try kept.source(file: entry.file))
            }
            guard let (_, records, source) = opened else { continue }
            guard let view = try? kept.view(in: records, file: entry.file, at: entry.offset), view.line == entry.line else {
                throw IINError.corruptArtifact(path: drawnFile.path, reason: "no record of line \(entry.line) starts at byte \(entry.offset) of \(records.url.path)")
            }
            let record = try source.record(view)
            let file = fileNames.indices.contains(entry.file) ? fileNames[entry.file] : String(entry.file)
            rows.append([String(entry.slice), record.recordID, file, String(record.location.line), record.linkType.name, String(record.year),
                         record.investorName, String(record.investorCity), gazetteer.city(code: record.investorCity)?.nameCN ?? "",
                         record.investeeName, String(record.investeeCity), gazetteer.city(code: record.investeeCity)?.nameCN ?? "", "", ""])
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
