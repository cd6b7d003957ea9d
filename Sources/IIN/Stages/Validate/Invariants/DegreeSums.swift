import Foundation

/// Per network and slice, the metric table's outdegrees and indegrees each
/// add up to the intercity directed sum.
struct DegreeSums: InvariantCheck {
    static let id = "degree_sums"
    static let title = "Sum of outdegrees equals sum of indegrees equals the intercity directed sum"

    func run(_ release: InvariantInputs) throws(IINError) -> CheckResult {
        var result = result()
        for network in release.networks {
            let directedSums = InvariantInputs.sums(network.directed)
            let (outSums, inSums) = (network.outdegreeSums, network.indegreeSums)
            for slice in Set(directedSums.keys).union(outSums.keys).sorted() {
                let line = "\(network.name) \(slice): outdegrees \(outSums[slice, default: 0]), indegrees \(inSums[slice, default: 0]), directed intercity \(directedSums[slice, default: 0])"
                result.details.append(line)
                if outSums[slice, default: 0] != inSums[slice, default: 0] || inSums[slice, default: 0] != directedSums[slice, default: 0] {
                    result.failures.append(line)
                }
            }
        }
        return result
    }
}
