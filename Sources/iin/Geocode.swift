import ArgumentParser
import Foundation
import IIN

struct GeocodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geocode",
        abstract: "Geocode one text, or one side of a record, to its 2020 city, and say why.",
        discussion: """
            TEXT is read by every method that reads text (region, address, name) and, when it has the form of one, as a credit code. \
            --region, --address, --name and --credit-code give a record's fields one by one instead. The methods, their order and \
            the overrides table come from the pipeline file when there is one (its geocode stage), else the default order. \
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

    func validate() throws {
        if text == nil && region == nil && address == nil && name == nil && creditCode == nil {
            throw ValidationError("give a TEXT or at least one of --region, --address, --name, --credit-code")
        }
    }

    func run() throws {
        let inputOverrides = try options.overrides()
        let geocoder = try reportingErrors { () throws(IINError) -> Geocoder in
            let gazetteer = try Gazetteer.embedded()
            guard FileManager.default.fileExists(atPath: options.pipeline) else { return Geocoder(gazetteer: gazetteer) }
            let pipeline = try Workspace(pipelineFile: URL(fileURLWithPath: options.pipeline), stagesFolder: options.stages.map { URL(fileURLWithPath: $0) },
                                         inputOverrides: inputOverrides).pipeline
            guard let stage = pipeline.stages.first(where: { $0.kind == GeocodeStage.kind }) else { return Geocoder(gazetteer: gazetteer) }
            let methods = try GeocodeStage.methods(from: stage.parameters["methods"]).filter { $0 != .external }
            var overrides = GeocodeOverrides()
            if stage.inputs.contains(GeocodeStage.overridesInput) {
                for url in try pipeline.files(forInput: GeocodeStage.overridesInput) {
                    overrides = overrides.merging(try GeocodeOverrides.load(url, gazetteer: gazetteer))
                }
            }
            return Geocoder(gazetteer: gazetteer, methods: methods, overrides: overrides)
        }
        let looksLikeCode = text.map { ($0.count == 15 || $0.count == 18) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } } ?? false
        let explanations = geocoder.explain(name: name ?? (looksLikeCode ? "" : text ?? ""), creditCode: creditCode ?? (looksLikeCode ? text ?? "" : ""),
                                            region: region ?? (looksLikeCode ? "" : text ?? ""), address: address ?? (looksLikeCode ? "" : text ?? ""))
        let gazetteer = try reportingErrors { () throws(IINError) in try Gazetteer.embedded() }
        let winner = explanations.first { $0.answer?.isResult ?? false }
        switch winner?.answer {
        case let .city(code):
            let city = gazetteer.city(code: code)
            print("city: \(code) \(city?.nameCN ?? "") (\(city?.nameEN ?? ""))")
        case .outsideMainland:
            print("city: none: outside the mainland")
        default:
            print("city: none: no method gave exactly one city")
        }
        print("method: \(winner?.method.name ?? "none")")
        if explain {
            let width = explanations.map { $0.method.name.count }.max() ?? 0
            for explanation in explanations {
                print("  \(explanation.method.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(explanation.detail)")
            }
        } else if let winner {
            print("\(winner.method.name): \(winner.detail)")
        } else {
            for explanation in explanations where explanation.answer != nil {
                print("weighed by \(explanation.method.name): \(explanation.detail)")
            }
        }
    }
}
