import Foundation

/// Communities by the Leiden algorithm (Traag, Waltman and van Eck, 2019)
/// maximising modularity with a resolution parameter, on a weighted
/// undirected graph: fast local moving, refinement within each community
/// (so every community is connected), aggregation of the refined partition,
/// repeated until local moving changes nothing; such passes are repeated,
/// each from the last one's partition, until a pass changes nothing. Random
/// choices come from a seeded generator, so a seed gives one answer.
public enum Leiden {
    public struct Result: Sendable, Equatable {
        /// Community per node, numbered 0... by falling total strength,
        /// ties to the community holding the lower node.
        public var membership: [Int]
        public var communityCount: Int
        public var modularity: Double
        /// Leiden passes run, the last one changing nothing unless the cap
        /// was reached (then `converged` is false and the report says so).
        public var passes = 1
        public var converged = true
    }

    /// A weighted graph in adjacency-list form. Self loops carry the
    /// weight inside an aggregated node; `strength` is each node's total
    /// weighted degree in the original graph (a loop counts twice).
    struct Graph {
        var neighbours: [[(node: Int, weight: Double)]]
        var loops: [Double]
        var strength: [Double]
        var count: Int { strength.count }
    }

    /// - Parameters:
    ///   - count: nodes 0..<count.
    ///   - edges: undirected weighted edges (a, b, weight); parallel edges
    ///     add up; self loops are allowed.
    public static func communities(count: Int, edges: [(Int, Int, Double)], resolution: Double = 1, seed: UInt64,
                                   randomness: Double = 0.01) -> Result {
        var lists = [[Int: Double]](repeating: [:], count: count)
        var loops = [Double](repeating: 0, count: count)
        var strength = [Double](repeating: 0, count: count)
        for (a, b, weight) in edges where weight > 0 {
            if a == b {
                loops[a] += weight
                strength[a] += 2 * weight
            } else {
                lists[a][b, default: 0] += weight
                lists[b][a, default: 0] += weight
                strength[a] += weight
                strength[b] += weight
            }
        }
        let original = Graph(neighbours: lists.map { $0.sorted { $0.key < $1.key }.map { (node: $0.key, weight: $0.value) } }, loops: loops, strength: strength)
        let totalWeight = strength.reduce(0, +) / 2
        guard totalWeight > 0 else {
            return Result(membership: Array(0..<count), communityCount: count, modularity: 0)
        }
        var random = SeededRandom(seed: seed)
        let run = Run(twoM: 2 * totalWeight, resolution: resolution, randomness: randomness)

        // One pass ends on a partition no aggregate node can improve, but a
        // single original node may still gain by moving (leidenalg, started
        // from it, raised the modularity every year of a 12M release). So
        // passes repeat, each starting from the last one's partition, until
        // one changes nothing: then its first local moving, over the
        // original nodes, found no move that raises the modularity. Every
        // change raises it strictly, so this ends; the cap is a safety net.
        var membership = Array(0..<count)
        var passes = 0, converged = false, unchanged = 0
        while passes < Self.maximumPasses {
            passes += 1
            var next = run.pass(original, from: membership, &random)
            if Self.samePartition(next, membership) {
                // No node moves; whole communities may still gain by
                // merging, as each of their refined parts alone would not.
                next = run.mergeCommunities(original, membership, &random)
            }
            if Self.samePartition(next, membership) {
                // A pass's refinement is random: a community part that
                // would move may not have formed this time (leidenalg,
                // started from the default release's 2020 partition after
                // one quiet pass, moved three cities and merged two
                // communities). Several quiet passes in a row end it.
                unchanged += 1
                if unchanged == Self.quietPasses {
                    converged = true
                    break
                }
            } else {
                unchanged = 0
                membership = next
            }
        }
        var result = number(membership, strength: strength, modularity: modularity(original, membership, twoM: 2 * totalWeight, resolution: resolution))
        result.passes = passes
        result.converged = converged
        return result
    }

    static let maximumPasses = 1000
    static let quietPasses = 8

    /// Whether two memberships group the nodes alike, whatever the labels.
    static func samePartition(_ left: [Int], _ right: [Int]) -> Bool {
        var forward: [Int: Int] = [:], backward: [Int: Int] = [:]
        for (a, b) in zip(left, right) {
            if forward[a, default: b] != b || backward[b, default: a] != a { return false }
            forward[a] = b
            backward[b] = a
        }
        return true
    }

    /// Modularity of a membership: sum over communities of
    /// L_c / m - resolution (K_c / 2m)^2.
    static func modularity(_ graph: Graph, _ membership: [Int], twoM: Double, resolution: Double) -> Double {
        var inside: [Int: Double] = [:], total: [Int: Double] = [:]
        for node in 0..<graph.count {
            total[membership[node], default: 0] += graph.strength[node]
            inside[membership[node], default: 0] += 2 * graph.loops[node]
            for (other, weight) in graph.neighbours[node] where membership[other] == membership[node] {
                inside[membership[node], default: 0] += weight
            }
        }
        return total.keys.sorted().reduce(0) { sum, community in
            sum + inside[community, default: 0] / twoM - resolution * pow(total[community]! / twoM, 2)
        }
    }

    private static func number(_ membership: [Int], strength: [Double], modularity: Double) -> Result {
        var weight: [Int: Double] = [:], lowest: [Int: Int] = [:]
        for (node, community) in membership.enumerated() {
            weight[community, default: 0] += strength[node]
            lowest[community] = min(lowest[community] ?? node, node)
        }
        let order = weight.keys.sorted { (weight[$1]!, lowest[$0]!) < (weight[$0]!, lowest[$1]!) }
        let renumber = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return Result(membership: membership.map { renumber[$0]! }, communityCount: order.count, modularity: modularity)
    }

    private struct Run {
        let twoM: Double
        let resolution: Double
        let randomness: Double

        /// One Leiden pass from a partition of the original nodes: local
        /// moving, refinement, aggregation, repeated while aggregation still
        /// shrinks the graph and leaves some community with several nodes.
        func pass(_ original: Graph, from start: [Int], _ random: inout SeededRandom) -> [Int] {
            var graph = original
            var partition = start
            // Which aggregate node each original node sits in.
            var nodeOf = Array(0..<original.count)
            while true {
                partition = moveNodesFast(graph, partition, &random)
                if Set(partition).count == graph.count { break }
                let refined = refine(graph, partition, &random)
                let (aggregate, aggregateNode) = self.aggregate(graph, refined)
                // Refinement merged nothing: aggregating again would loop.
                if aggregate.count == graph.count { break }
                nodeOf = nodeOf.map { aggregateNode[$0] }
                // The aggregate starts from the unrefined communities.
                var next = [Int](repeating: 0, count: aggregate.count)
                for node in 0..<graph.count { next[aggregateNode[node]] = partition[node] }
                partition = next
                graph = aggregate
            }
            return nodeOf.map { partition[$0] }
        }

        /// Local moving on the graph of whole communities (each its own
        /// node), as Louvain's aggregation does: merges that raise the
        /// modularity though no part of a community would move alone.
        func mergeCommunities(_ original: Graph, _ membership: [Int], _ random: inout SeededRandom) -> [Int] {
            let (communities, communityOf) = aggregate(original, membership)
            let merged = moveNodesFast(communities, Array(0..<communities.count), &random)
            return communityOf.map { merged[$0] }
        }

        /// Weight from node to each community among its neighbours.
        func links(_ graph: Graph, _ node: Int, _ partition: [Int]) -> [Int: Double] {
            var result: [Int: Double] = [:]
            for (other, weight) in graph.neighbours[node] { result[partition[other], default: 0] += weight }
            return result
        }

        /// Fast local moving: nodes visited from a queue in random order;
        /// a node moves to the community of greatest gain (an empty one
        /// included), and its neighbours outside that community rejoin the
        /// queue.
        func moveNodesFast(_ graph: Graph, _ start: [Int], _ random: inout SeededRandom) -> [Int] {
            // Labels 0..<count, so an empty one is always at hand.
            let labels = Dictionary(uniqueKeysWithValues: Array(Set(start)).sorted().enumerated().map { ($1, $0) })
            var partition = start.map { labels[$0]! }
            var total = [Double](repeating: 0, count: graph.count)
            var size = [Int](repeating: 0, count: graph.count)
            for node in 0..<graph.count {
                total[partition[node]] += graph.strength[node]
                size[partition[node]] += 1
            }
            var queue = Array(0..<graph.count)
            shuffle(&queue, &random)
            var queued = [Bool](repeating: true, count: graph.count)
            var head = 0
            while head < queue.count {
                let node = queue[head]
                head += 1
                queued[node] = false
                let current = partition[node]
                let strength = graph.strength[node]
                let toCommunity = links(graph, node, partition)
                total[current] -= strength
                size[current] -= 1
                var best = current
                var bestGain = toCommunity[current, default: 0] - resolution * strength * total[current] / twoM
                for (community, weight) in toCommunity.sorted(by: { $0.key < $1.key }) where community != current {
                    let gain = weight - resolution * strength * total[community] / twoM
                    if gain > bestGain { (best, bestGain) = (community, gain) }
                }
                // Alone in an empty community: gain 0.
                if bestGain < 0, let empty = size.firstIndex(of: 0) { (best, bestGain) = (empty, 0) }
                total[best] += strength
                size[best] += 1
                guard best != current else { continue }
                partition[node] = best
                for (other, _) in graph.neighbours[node] where partition[other] != best && !queued[other] {
                    queued[other] = true
                    queue.append(other)
                }
            }
            return partition
        }

        /// Refinement: within each community, every node starts alone;
        /// well-connected singletons merge into well-connected refined
        /// communities of the same community, chosen at random with
        /// probability rising steeply (exp(gain / randomness)) with the gain.
        func refine(_ graph: Graph, _ partition: [Int], _ random: inout SeededRandom) -> [Int] {
            var refined = Array(0..<graph.count)
            var members: [Int: [Int]] = [:]
            for node in 0..<graph.count { members[partition[node], default: []].append(node) }
            var total = graph.strength
            var singleton = [Bool](repeating: true, count: graph.count)
            // Weight from each refined community to the rest of its community.
            var external = [Double](repeating: 0, count: graph.count)
            for community in members.keys.sorted() {
                let nodes = members[community]!
                let communityStrength = nodes.reduce(0) { $0 + graph.strength[$1] }
                for node in nodes {
                    external[node] = graph.neighbours[node].reduce(0) { partition[$1.node] == community ? $0 + $1.weight : $0 }
                }
                var order = nodes
                shuffle(&order, &random)
                for node in order {
                    let strength = graph.strength[node]
                    guard singleton[node], external[node] >= resolution * strength * (communityStrength - strength) / twoM else { continue }
                    let toRefined = links(graph, node, refined)
                    var candidates: [(community: Int, gain: Double)] = []
                    // Staying alone is a candidate with gain 0.
                    candidates.append((refined[node], 0))
                    for (target, weight) in toRefined.sorted(by: { $0.key < $1.key }) where target != refined[node] && partition[target] == community {
                        guard external[target] >= resolution * total[target] * (communityStrength - total[target]) / twoM else { continue }
                        let gain = weight - resolution * strength * total[target] / twoM
                        if gain >= 0 { candidates.append((target, gain)) }
                    }
                    let top = candidates.map(\.gain).max()!
                    let weights = candidates.map { exp(($0.gain - top) / randomness) }
                    var pick = random.unit() * weights.reduce(0, +)
                    var chosen = candidates.last!.community
                    for (candidate, weight) in zip(candidates, weights) {
                        if pick < weight { chosen = candidate.community; break }
                        pick -= weight
                    }
                    guard chosen != refined[node] else { continue }
                    // Refined communities are named by a member node, and
                    // partition[target] above relies on it: the name stays a
                    // node of the same community.
                    let old = refined[node]
                    refined[node] = chosen
                    singleton[node] = false
                    singleton[chosen] = false
                    total[chosen] += strength
                    total[old] -= strength
                    let toChosen = toRefined[chosen, default: 0]
                    external[chosen] += external[node] - 2 * toChosen
                }
            }
            return refined
        }

        /// The graph whose nodes are the refined communities, and the new
        /// node of each node.
        func aggregate(_ graph: Graph, _ refined: [Int]) -> (Graph, [Int]) {
            let names = Array(Set(refined)).sorted()
            let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            var lists = [[Int: Double]](repeating: [:], count: names.count)
            var loops = [Double](repeating: 0, count: names.count)
            var strength = [Double](repeating: 0, count: names.count)
            let aggregateNode = refined.map { index[$0]! }
            for node in 0..<graph.count {
                let a = aggregateNode[node]
                strength[a] += graph.strength[node]
                loops[a] += graph.loops[node]
                for (other, weight) in graph.neighbours[node] {
                    let b = aggregateNode[other]
                    // Each internal edge is seen from both ends.
                    if a == b { loops[a] += weight / 2 } else { lists[a][b, default: 0] += weight }
                }
            }
            let aggregate = Graph(neighbours: lists.map { $0.sorted { $0.key < $1.key }.map { (node: $0.key, weight: $0.value) } }, loops: loops, strength: strength)
            return (aggregate, aggregateNode)
        }

        func shuffle(_ items: inout [Int], _ random: inout SeededRandom) {
            guard items.count > 1 else { return }
            for index in stride(from: items.count - 1, to: 0, by: -1) {
                items.swapAt(index, random.below(index + 1))
            }
        }
    }
}
