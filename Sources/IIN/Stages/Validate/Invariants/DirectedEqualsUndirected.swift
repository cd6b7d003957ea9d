import Foundation

/// Per network and slice, the directed table's weights add up to the
/// undirected table's, for intercity and for including-intracity tables.
struct DirectedEqualsUndirected: InvariantCheck {
    static let id = "directed_equals_undirected"
    static let title = "Directed sum equals undirected sum per slice"

    func run(_ release: InvariantInputs) throws(IINError) -> CheckResult {
        var result = result()
        for network in release.networks {
            for (label, first, second) in [("intercity", network.directed, network.undirected), ("including intracity", network.directedAll, network.undirectedAll)] {
                let left = InvariantInputs.sums(first)
                let right = InvariantInputs.sums(second)
                for year in Set(left.keys).union(right.keys).sorted() {
                    let line = "\(network.name) \(label) \(year): directed \(left[year, default: 0]), undirected \(right[year, default: 0])"
                    result.details.append(line)
                    if left[year, default: 0] != right[year, default: 0] { result.failures.append(line) }
                }
            }
        }
        return result
    }
}
