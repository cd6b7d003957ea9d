import Foundation

/// Stage 1: reads the raw crawl files into records, rejecting rows that
/// break the contract's record checks (see stages/ingest.json).
public struct IngestStage: Stage {
    public static let kind = "ingest"
    public static let codeVersion = 1
    public static let usesGazetteer = false
    public static let recordsFile = "records.bin"

    public init() {}

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        let files = context.inputFiles["raw"] ?? []
        let maxYear = context.parameter("max_year")?.intValue ?? 2025
        let encodingChoice = context.parameter("encoding")?.stringValue ?? "auto"
        var extraHeaders: [String: String] = [:]
        for (name, value) in context.parameter("columns")?.objectValue ?? [:] { extraHeaders[name] = value.stringValue }

        var accounting = RecordAccounting(files: files.map { FileAccount(file: $0.lastPathComponent) })
        let output = try BufferedFileWriter(url: context.output.appendingPathComponent(Self.recordsFile))
        var rejects = try RejectsWriter(folder: context.output)
        var recordsWritten = 0

        let totalBytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1.path)[.size] as? Int) ?? 0) }
        context.progress.begin("ingest", total: totalBytes, unit: "bytes")
        for (fileIndex, url) in files.enumerated() {
            guard url.pathExtension.lowercased() == "csv" else {
                throw IINError.unsupportedFile(path: url.path, reason: "only .csv files are read by this version of iin (file type '.\(url.pathExtension)')")
            }
            let raw = try FileBytes.read(url)
            let text = try Self.decode(raw, path: url.path, choice: encodingChoice)
            let reader = RowReader(fileIndex: fileIndex, fileName: url.lastPathComponent, maxYear: maxYear)
            let result: Result<Void, IINError> = text.withUnsafeBytes { rawBuffer in
                do throws(IINError) {
                    try reader.read(rawBuffer.bindMemory(to: UInt8.self), path: url.path, extraHeaders: extraHeaders,
                                    accounting: &accounting, rejects: &rejects) { record in
                        RecordCodec.write(record, to: output)
                        recordsWritten += 1
                    }
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            try result.get()
            context.progress.advance(by: raw.count)
        }
        try output.close()
        try rejects.close()
        try accounting.write(to: context.output)
        let total = accounting.total
        return StageOutcome(counts: ["files": files.count, "rows_read": total.rowsRead, "records": recordsWritten, "rejected": total.totalRejected])
    }

    /// The file as UTF-8 bytes, or a refusal when it is in neither encoding.
    static func decode(_ data: Data, path: String, choice: String) throws(IINError) -> Data {
        let valid = data.withUnsafeBytes { TextEncoding.isValidUTF8($0.bindMemory(to: UInt8.self)) }
        if valid && choice != TextEncoding.gb18030.rawValue { return data }
        if choice == TextEncoding.utf8.rawValue { throw IINError.unknownEncoding(path: path) }
        guard let converted = TextEncoding.utf8FromGB18030(data) else { throw IINError.unknownEncoding(path: path) }
        return converted
    }
}

/// Reads the rows of one decoded file and applies the record checks in the
/// contract's order: malformed, missing_name, bad_date, bad_link_type,
/// self_investment.
struct RowReader {
    let fileIndex: Int
    let fileName: String
    let maxYear: Int

    func read(_ bytes: UnsafeBufferPointer<UInt8>, path: String, extraHeaders: [String: String],
              accounting: inout RecordAccounting, rejects: inout RejectsWriter,
              emit: (IngestedRecord) -> Void) throws(IINError) {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let start = bytes.count >= 3 && bytes[0] == bom[0] && bytes[1] == bom[1] && bytes[2] == bom[2] ? 3 : 0
        var scanner = CSVScanner(bytes: bytes, startOffset: start)
        var fields: [CSVField] = []
        guard let headerResult = scanner.next(into: &fields) else { throw IINError.emptyFile(path: path) }
        guard case .row = headerResult else {
            throw IINError.unsupportedFile(path: path, reason: "the header row (line 1) is not valid CSV")
        }
        let header = fields.map { scanner.string(of: $0) }
        let columns = try ColumnMap(header: header, extraHeaders: extraHeaders, path: path)

        func text(_ column: CanonicalColumn) -> String {
            guard let index = columns.index(of: column) else { return "" }
            return scanner.string(of: fields[index])
        }

        while let result = scanner.next(into: &fields) {
            accounting.files[fileIndex].rowsRead += 1
            switch result {
            case let .defective(line, range, defect):
                accounting.reject(.malformed, file: fileIndex)
                rejects.add(file: fileName, line: line, reason: .malformed, detail: defect.rawValue, text: scanner.string(of: range))
            case let .row(line, range):
                func reject(_ reason: RejectionReason, _ detail: String) {
                    accounting.reject(reason, file: fileIndex)
                    rejects.add(file: fileName, line: line, reason: reason, detail: detail, text: scanner.string(of: range))
                }
                guard fields.count == columns.fieldCount else {
                    reject(.malformed, "\(fields.count) fields where the header has \(columns.fieldCount)")
                    continue
                }
                let investorName = text(.investorName).trimmingCharacters(in: .whitespacesAndNewlines)
                let investeeName = text(.investeeName).trimmingCharacters(in: .whitespacesAndNewlines)
                if investorName.isEmpty || investeeName.isEmpty {
                    reject(.missingName, investorName.isEmpty ? "investor_name is empty" : "investee_name is empty")
                    continue
                }
                let dateText = text(.investmentDate)
                guard let year = DateParser.year(dateText) else {
                    reject(.badDate, "investment_date '\(dateText)' is not a valid date")
                    continue
                }
                guard (1949...maxYear).contains(year) else {
                    reject(.badDate, "investment_date year \(year) is outside 1949-\(maxYear)")
                    continue
                }
                let linkText = text(.linkType)
                guard let linkType = LinkType(columnText: linkText) else {
                    reject(.badLinkType, "link_type '\(linkText)' is neither investment nor branch")
                    continue
                }
                let investorKey = EnterpriseKey.make(investorName)
                let investeeKey = EnterpriseKey.make(investeeName)
                if investorKey == investeeKey {
                    reject(.selfInvestment, "investor and investee are the same enterprise")
                    continue
                }
                let record = IngestedRecord(
                    location: RowLocation(file: fileIndex, line: line), recordID: text(.recordID),
                    investor: PartyText(name: investorName, creditCode: text(.investorCreditCode), region: text(.investorRegion), address: text(.investorAddress)),
                    investee: PartyText(name: investeeName, creditCode: text(.investeeCreditCode), region: text(.investeeRegion), address: text(.investeeAddress)),
                    investorKey: investorKey, investeeKey: investeeKey, paidInCapital: text(.paidInCapital), year: year, linkType: linkType)
                emit(record)
            }
        }
    }
}
