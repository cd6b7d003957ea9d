import ArgumentParser
import Foundation
import IIN

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic raw corpus in the contract's format, with a truth file.",
        discussion: "OUT/raw/records-NNN.csv hold the records (Chinese headers, every date form, defects and duplicates); OUT/truth.csv says for each record its true cities, how its region names them, and its defect; OUT/reference/ holds the tables the validation compares with: mobility-2020.csv, gdp.csv and top-lists.csv (docs/validation.md). The same seed gives the same bytes.")

    @Option(name: .long, help: "Number of records.")
    var records: Int

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Number of files to spread the records over.")
    var files: Int = 1

    @Option(name: .long, help: "Output folder.")
    var out: String

    func validate() throws {
        guard records > 0 else { throw ValidationError("--records must be positive") }
        guard files > 0 else { throw ValidationError("--files must be positive") }
    }

    func run() throws {
        let started = Date()
        let folder = URL(fileURLWithPath: out)
        let summary = try reportingErrors {
            let gazetteer = try Gazetteer.embedded()
            let generator = try CorpusGenerator(options: .init(records: records, seed: seed, files: files), gazetteer: gazetteer)
            let summary = try generator.write(to: folder, progress: ProgressReporter.forStandardError())
            _ = try ReferenceTables(gazetteer: gazetteer, seed: seed).write(to: folder.appendingPathComponent("reference"))
            return summary
        }
        let defects = summary.defects.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("wrote \(summary.records) records (\(summary.bytes) bytes) in \(summary.files.count) file(s) to \(out)/raw in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        print("truth: \(out)/truth.csv (\(defects))")
        print("reference tables: \(out)/reference/\(ReferenceTables.mobilityFile), \(ReferenceTables.gdpFile), \(ReferenceTables.topListsFile)")
    }
}
