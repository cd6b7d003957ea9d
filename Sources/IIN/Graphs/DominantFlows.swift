/// Nystuen and Dacey's dominant flows, on one slice of a network: each
/// node's strongest tie, and the hierarchy those ties make.
///
/// A tie's strength is the undirected intercity weight S(i,j) = N(i->j) +
/// N(j->i); a node's size is its node degree, the sum of its ties. A node's
/// dominant partner is its strongest tie (the lower code among equals). A
/// node whose dominant partner is larger is subordinate to it; a node whose
/// partner is not larger is a centre. Following partners from a node while
/// they are larger ends at its centre (sizes grow strictly, so the walk
/// ends); a centre's hinterland is every node whose walk ends there, and
/// the nodes whose strongest tie goes to it directly are its first order.
public struct DominantFlows: Sendable, Equatable {
    public struct Flow: Sendable, Equatable {
        public var node: Int
        public var nodeDegree: Int
        public var partner: Int
        public var weight: Int
        public var partnerDegree: Int
        public var partnerLarger: Bool { partnerDegree > nodeDegree }
        /// Where following larger partners ends: the node itself for a centre.
        public var centre: Int
    }

    /// One per node with an intercity tie, by code.
    public var flows: [Flow]

    public init(links: [LinkTable.Link]) {
        var ties: [Int: [Int: Int]] = [:]
        for link in links where link.from != link.to {
            ties[link.from, default: [:]][link.to, default: 0] += link.count
            ties[link.to, default: [:]][link.from, default: 0] += link.count
        }
        var degree: [Int: Int] = [:]
        for (node, partners) in ties { degree[node] = partners.values.reduce(0, +) }
        var partnerOf: [Int: (partner: Int, weight: Int)] = [:]
        for (node, partners) in ties {
            let strongest = partners.min { ($1.value, $0.key) < ($0.value, $1.key) }!
            partnerOf[node] = (strongest.key, strongest.value)
        }
        func centre(_ node: Int) -> Int {
            var current = node
            while let next = partnerOf[current], degree[next.partner]! > degree[current]! { current = next.partner }
            return current
        }
        flows = partnerOf.keys.sorted().map { node in
            let (partner, weight) = partnerOf[node]!
            return Flow(node: node, nodeDegree: degree[node]!, partner: partner, weight: weight, partnerDegree: degree[partner]!, centre: centre(node))
        }
    }

    /// A centre, or a node that dominates others, with what it dominates.
    public struct Centre: Sendable, Equatable {
        public var node: Int
        public var nodeDegree: Int
        public var isCentre: Bool
        /// Nodes whose strongest tie goes to it and which are smaller.
        public var firstOrder: [Int]
        /// Every node whose walk ends at it (a centre only), itself excluded.
        public var hinterland: [Int]
    }

    /// Every node that is a centre or dominates another, by code.
    public var centres: [Centre] {
        var firstOrder: [Int: [Int]] = [:]
        var hinterland: [Int: [Int]] = [:]
        for flow in flows {
            if flow.partnerLarger { firstOrder[flow.partner, default: []].append(flow.node) }
            if flow.centre != flow.node { hinterland[flow.centre, default: []].append(flow.node) }
        }
        return flows.compactMap { flow in
            let isCentre = flow.centre == flow.node
            let direct = firstOrder[flow.node] ?? []
            guard isCentre || !direct.isEmpty else { return nil }
            return Centre(node: flow.node, nodeDegree: flow.nodeDegree, isCentre: isCentre, firstOrder: direct,
                          hinterland: isCentre ? hinterland[flow.node] ?? [] : [])
        }
    }
}
