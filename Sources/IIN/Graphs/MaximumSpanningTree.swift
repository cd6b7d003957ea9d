/// The maximum spanning tree of a weighted undirected graph by Prim's
/// algorithm, O(n^2) over a dense weight matrix (n is at most the 367
/// cities). A forest when the graph is not connected: each part grows from
/// its first node in index order. Ties go to the lower index, so the tree
/// is the same on every run.
public enum MaximumSpanningTree {
    public struct Edge: Sendable, Equatable {
        /// The lower node index first.
        public var a: Int
        public var b: Int
        public var weight: Double
    }

    /// The nodes with the most tree edges, most first, ties by the lower
    /// code; `code` names node `i`. The backbone's hubs, as the report lists them.
    public static func hubs(_ tree: [Edge], code: (Int) -> Int, top: Int = 10) -> [(city: Int, treeDegree: Int)] {
        var degree: [Int: Int] = [:]
        for edge in tree {
            degree[code(edge.a), default: 0] += 1
            degree[code(edge.b), default: 0] += 1
        }
        return degree.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(top).map { ($0.key, $0.value) }
    }

    /// - Parameter weight: the weight between two nodes, nil for no edge;
    ///   asked for both orders, so it must be symmetric.
    public static func compute(count: Int, weight: (Int, Int) -> Double?) -> [Edge] {
        var inTree = [Bool](repeating: false, count: count)
        var best = [Double](repeating: -.infinity, count: count)
        var parent = [Int](repeating: -1, count: count)
        var tree: [Edge] = []
        for root in 0..<count where !inTree[root] {
            best[root] = .infinity
            while true {
                var next = -1
                for node in 0..<count where !inTree[node] && best[node] > -.infinity {
                    if next < 0 || best[node] > best[next] { next = node }
                }
                guard next >= 0 else { break }
                inTree[next] = true
                if parent[next] >= 0 {
                    tree.append(Edge(a: min(parent[next], next), b: max(parent[next], next), weight: best[next]))
                }
                for node in 0..<count where !inTree[node] {
                    if let value = weight(next, node), value > best[node] {
                        best[node] = value
                        parent[node] = next
                    }
                }
            }
        }
        return tree
    }
}
