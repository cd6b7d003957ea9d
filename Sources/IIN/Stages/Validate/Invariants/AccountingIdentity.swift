import Foundation

/// Rows read = kept + duplicates + rejected, per file, and the TOTAL row is
/// the sum of the files in every column.
struct AccountingIdentity: InvariantCheck {
    static let id = "accounting_identity"
    static let title = "Rows read = kept + duplicates + rejected, per file and in total"

    func run(_ release: InvariantInputs) throws(IINError) -> CheckResult {
        var result = result()
        guard let accounting = release.accounting else {
            result.skipped = true
            result.details.append("no \(PublishStage.accountingName) table in the release")
            return result
        }
        let rowsRead = try accounting.columnIndex("RowsRead")
        // A scoped release also counts the records its network leaves out.
        let excluded = ScopeExclusion.allCases.map(\.accountingColumn).filter(accounting.header.contains)
        let parts = try (["Kept", "Duplicate"] + RejectionReason.allCases.map(\.accountingColumn) + excluded).map { name throws(IINError) in try accounting.columnIndex(name) }
        var fileTotals = [Int](repeating: 0, count: accounting.header.count)
        for (index, row) in accounting.rows.enumerated() {
            let read = ReleaseReader.whole(row[rowsRead]) ?? -1
            let accounted = parts.reduce(0) { $0 + (ReleaseReader.whole(row[$1]) ?? 0) }
            let line = "\(row[0]): rows read \(read), kept + duplicates + rejected \(accounted)"
            result.details.append(line)
            if read != accounted { result.failures.append(line) }
            let isTotal = index == accounting.rows.count - 1
            for column in [rowsRead] + parts {
                if isTotal {
                    if fileTotals[column] != ReleaseReader.whole(row[column]) ?? -1 {
                        result.failures.append("TOTAL \(accounting.header[column]) is \(row[column]) but the files add up to \(fileTotals[column])")
                    }
                } else {
                    fileTotals[column] += ReleaseReader.whole(row[column]) ?? 0
                }
            }
        }
        return result
    }
}
