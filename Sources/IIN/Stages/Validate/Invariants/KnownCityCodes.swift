import Foundation

/// Every code in the edge tables and the metric table is one of the
/// gazetteer's cities.
struct KnownCityCodes: InvariantCheck {
    static let id = "known_city_codes"
    static let title = "Every code is one of the \(Gazetteer.cityCount) cities"

    func run(_ release: InvariantInputs) throws(IINError) -> CheckResult {
        var result = result()
        func note(_ network: String, _ name: String, _ codes: Set<Int>) {
            let unknown = codes.subtracting(release.knownCodes)
            result.details.append("\(network) \(name): \(unknown.count) unknown codes")
            if !unknown.isEmpty { result.failures.append("\(network) \(name): unknown city codes \(unknown.sorted().prefix(10).map(String.init).joined(separator: ", "))") }
        }
        for network in release.networks {
            for (name, table) in [(PublishStage.directedName, network.directed), (PublishStage.undirectedName, network.undirected),
                                  (PublishStage.directedIntracityName, network.directedAll), (PublishStage.undirectedIntracityName, network.undirectedAll)] {
                note(network.name, name, Set(table.flatMap { [$0.a, $0.b] }))
            }
            note(network.name, PublishStage.metricName, network.metricCodes)
        }
        return result
    }
}
