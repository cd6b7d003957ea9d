import ArgumentParser
import Foundation
import IIN
import IINTools

struct GazetteerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gazetteer",
        abstract: "Rebuild the gazetteer data files from the reference data.",
        discussion: "Reads areacodes/data/2000.txt to 2020.txt and result.csv, cpca/adcodes.csv and mca2025/divisions.csv under --shared, and the curated English names and coordinates in --resources/gazetteer/curated.csv; writes gazetteer/cities.csv, gazetteer/counties.csv, gazetteer/history.csv, gazetteer/codes.csv, the city, province and county outlines (from boundaries/) and synth/townships.csv under --resources.")

    @Option(name: .long, help: "The shared reference data folder.")
    var shared = "../shared/data"

    @Option(name: .long, help: "The library's resource folder.")
    var resources = "Sources/IIN/Resources"

    func run() throws {
        let resourceFolder = URL(fileURLWithPath: resources)
        let output = try reportingErrors {
            try GazetteerDerivation.derive(sharedData: URL(fileURLWithPath: shared), curated: resourceFolder.appendingPathComponent("gazetteer/curated.csv"))
        }
        try Data(output.citiesCSV.utf8).write(to: resourceFolder.appendingPathComponent("gazetteer/cities.csv"))
        try Data(output.countiesCSV.utf8).write(to: resourceFolder.appendingPathComponent("gazetteer/counties.csv"))
        try Data(output.historyCSV.utf8).write(to: resourceFolder.appendingPathComponent("gazetteer/history.csv"))
        try Data(output.codesCSV.utf8).write(to: resourceFolder.appendingPathComponent("gazetteer/codes.csv"))
        try Data(output.townshipsCSV.utf8).write(to: resourceFolder.appendingPathComponent("synth/townships.csv"))
        // The outlines follow the cities just written.
        let gazetteer = try reportingErrors { try Gazetteer.load(from: resourceFolder.appendingPathComponent("gazetteer"), outlines: false) }
        let outlines = try reportingErrors { try OutlineDerivation.derive(sharedData: URL(fileURLWithPath: shared), gazetteer: gazetteer) }
        try Data(outlines.cities.utf8).write(to: resourceFolder.appendingPathComponent("gazetteer/" + OutlineFile.citiesFile))
        try Data(outlines.provinces.utf8).write(to: resourceFolder.appendingPathComponent("gazetteer/" + OutlineFile.provincesFile))
        try Data(outlines.counties.utf8).write(to: resourceFolder.appendingPathComponent("gazetteer/" + OutlineFile.countiesFile))
        print("wrote gazetteer/cities.csv, gazetteer/counties.csv, gazetteer/history.csv, gazetteer/codes.csv, gazetteer/\(OutlineFile.citiesFile), gazetteer/\(OutlineFile.provincesFile), gazetteer/\(OutlineFile.countiesFile) and synth/townships.csv under \(resources)")
    }
}
