import ArgumentParser
import Foundation
import IIN

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the consistency sample of the validation report.",
        subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Read a filled-in consistency sample and print the match rate per slice.",
            discussion: """
                FILE is the release's 'Consistency sample.xlsx' (or a CSV of it) with the verified column filled in: yes (the \
                record is as the registry says), no (it is not), not_found (the registry has no such record), or empty (not \
                checked yet). The match rate is yes / (yes + no).
                """)

        @Argument(help: "The filled-in sample workbook.")
        var file: String

        func run() throws {
            let rates = try reportingErrors { () throws(IINError) -> [ConsistencySample.SliceRate] in
                try ConsistencySample.importFilled(URL(fileURLWithPath: file))
            }
            print("slice  yes  no  not_found  unchecked  match_rate")
            for rate in rates {
                let match = rate.matchRate.map { String(format: "%.3f", $0) } ?? "-"
                print("\(rate.slice.padding(toLength: 5, withPad: " ", startingAt: 0))  \(rate.yes)  \(rate.no)  \(rate.notFound)  \(rate.unchecked)  \(match)")
            }
            let yes = rates.reduce(0) { $0 + $1.yes }, no = rates.reduce(0) { $0 + $1.no }
            print("all slices: " + (yes + no > 0 ? String(format: "%.3f", Double(yes) / Double(yes + no)) : "-") + " of \(yes + no) found records match")
        }
    }
}
