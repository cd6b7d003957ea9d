import ArgumentParser
import Foundation
import IIN

struct GeocodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geocode",
        abstract: "Geocode one text, or one side of a record, to its 2020 city, and say why.",
        discussion: """
            TEXT is read by every method that reads text (region, address, name) or, when it has the form of a credit code \
            (18 characters of the USCC alphabet, or 15 digits), as a credit code only. --region, --address, --name and --credit-code \
            give a record's fields one by one instead. The methods, their order and the overrides table come from the pipeline file's \
            geocode stage, built as a run builds it; without a pipeline file, from the defaults of geocode.json in --stages. \
            The external service is never asked from here.
            """)

    @Argument(help: "A place text, such as 贵州省遵义市红花岗区中华南路.")
    var text: String?

    @Option(name: .long, help: "The region field.") var region: String?
    @Option(name: .long, help: "The address field.") var address: String?
    @Option(name: .long, help: "The enterprise name.") var name: String?
    @Option(name: .customLong("credit-code"), help: "The credit code or registration number.") var creditCode: String?

    @Flag(name: .long, help: "Show every method's answer, not only the one that answered.")
    var explain = false

    @OptionGroup var options: PipelineOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if text == nil && region == nil && address == nil && name == nil && creditCode == nil {
            throw ValidationError("give a TEXT or at least one of --region, --address, --name, --credit-code")
        }
    }

    func run() throws {
        let inputOverrides = try options.overrides()
        let geocoder = try reportingErrors { () throws(IINError) -> Geocoder in try makeGeocoder(inputOverrides: inputOverrides) }
        let text = text ?? ""
        let isCode = geocoder.hasCreditCodeForm(text)
        let party = PartyText(name: name ?? (isCode ? "" : text), creditCode: creditCode ?? (isCode ? text : ""),
                              region: region ?? (isCode ? "" : text), address: address ?? (isCode ? "" : text))
        let (outcome, explanations) = geocoder.explain(party)
        let gazetteer = try reportingErrors { () throws(IINError) in try Gazetteer.embedded() }
        switch outcome.method == nil ? nil : outcome.answer {
        case let .city(code):
            let city = gazetteer.city(code: code)
            output.say("city: \(code) \(city?.nameCN ?? "") (\(city?.nameEN ?? ""))")
        case .outsideMainland:
            output.say("city: none: outside the mainland")
        default:
            output.say("city: none: no method gave exactly one city")
        }
        output.say("method: \(outcome.method?.name ?? "none")")
        if case .city = outcome.answer, outcome.method != nil {
            let unit = gazetteer.countyLevelUnits.first { $0.code == outcome.county }
            output.say(outcome.county == 0 ? "county: none: no method names one county-level unit of the city" : "county: \(outcome.county) \(unit?.name ?? "")")
        }
        let winner = explanations.first { $0.method == outcome.method }
        if explain {
            let width = explanations.map { $0.method.name.count }.max() ?? 0
            for explanation in explanations {
                output.say("  \(explanation.method.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(explanation.detail)")
            }
        } else if let winner {
            output.say("\(winner.method.name): \(winner.detail)")
        } else {
            for explanation in explanations where explanation.answer != nil {
                output.say("weighed by \(explanation.method.name): \(explanation.detail)")
            }
        }
        try output.emit(CommandReports.geocode(outcome: outcome, explanations: explanations, gazetteer: gazetteer))
    }

    /// The geocoder of the pipeline's geocode stage, built by the stage's
    /// own factory; the stage definition's defaults when the pipeline has
    /// no geocode stage, or when there is no pipeline file but a stages
    /// folder.
    private func makeGeocoder(inputOverrides: [String: String]) throws(IINError) -> Geocoder {
        let gazetteer = try Gazetteer.embedded()
        let pipelineFile = URL(fileURLWithPath: options.pipeline)
        let stagesFolder = options.stages.map { URL(fileURLWithPath: $0) } ?? Workspace.stagesFolder(near: pipelineFile.deletingLastPathComponent())
        guard FileManager.default.fileExists(atPath: pipelineFile.path) else {
            if options.pipelineOption != nil {
                throw IINError.invalidArgument(name: "--pipeline", value: options.pipeline, expected: "an existing pipeline file: there is no such file")
            }
            guard FileManager.default.fileExists(atPath: stagesFolder.appendingPathComponent("\(GeocodeStage.kind).json").path) else {
                if options.stages != nil {
                    throw IINError.invalidArgument(name: "--stages", value: stagesFolder.path, expected: "a folder holding geocode.json")
                }
                throw IINError.invalidArgument(name: "--pipeline", value: options.pipeline,
                                               expected: "a pipeline file, or --stages DIR holding geocode.json: the methods and their order come from there")
            }
            return try GeocodeStage.makeGeocoder(GeocodeStage.defaultParameters(stagesFolder: stagesFolder), overridesFiles: [], gazetteer: gazetteer)
        }
        let pipeline = try Workspace(pipelineFile: pipelineFile, stagesFolder: options.stages.map { URL(fileURLWithPath: $0) }, inputOverrides: inputOverrides).pipeline
        guard let stage = pipeline.stages.first(where: { $0.kind == GeocodeStage.kind }) else {
            return try GeocodeStage.makeGeocoder(GeocodeStage.defaultParameters(stagesFolder: stagesFolder), overridesFiles: [], gazetteer: gazetteer)
        }
        let parameters = try GeocodeStage.decodeParameters(stage.parameters, file: pipelineFile.path, jsonPath: stage.jsonPath + ".params")
        let overridesFiles = stage.inputs.contains(GeocodeStage.overridesInput) ? try pipeline.files(forInput: GeocodeStage.overridesInput) : []
        return try GeocodeStage.makeGeocoder(parameters, overridesFiles: overridesFiles, gazetteer: gazetteer)
    }
}
