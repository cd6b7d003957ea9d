import Foundation

/// No row of an intercity table links a city to itself.
struct NoIntracityInIntercity: InvariantCheck {
    static let id = "no_intracity_in_intercity"
    static let title = "No intercity table holds a city linked to itself"

    func run(_ release: InvariantInputs) throws(IINError) -> CheckResult {
        var result = result()
        for network in release.networks {
            for (name, table) in [(PublishStage.directedName, network.directed), (PublishStage.undirectedName, network.undirected)] {
                let loops = table.filter { $0.a == $0.b }
                result.details.append("\(network.name) \(name): \(loops.count) self-links")
                if let first = loops.first { result.failures.append("\(network.name) \(name): \(loops.count) rows link a city to itself, e.g. \(first.a) in \(first.year)") }
            }
        }
        return result
    }
}
