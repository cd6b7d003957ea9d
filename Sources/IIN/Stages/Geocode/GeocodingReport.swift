import Foundation

/// What geocoding did, for the run report (`geocoding.json` in the geocode
/// artifact): per method, the sides it answered first and the sides it
/// answered at all; how often two methods that both answered disagreed,
/// with the first such records in input order.
public struct GeocodingReport: Codable, Sendable, Equatable {
    public struct Pair: Codable, Sendable, Equatable {
        public var methods: [String]
        public var bothAnswered: Int
        public var disagreed: Int
    }

    public struct Sample: Codable, Sendable, Equatable {
        public var file: String
        public var line: Int
        public var side: String
        public var name: String
        /// Method name to its answer: a city code or "outside_mainland".
        public var answers: [String: String]
    }

    public var methods: [String] = []
    /// Sides of the rows that reached geocoding.
    public var sides = 0
    /// Sides per method that answered them (the first to answer).
    public var resolvedBy: [String: Int] = [:]
    /// Sides whose every local method was asked (one record in
    /// `compare_every`), which `answeredBy`, `pairs` and `samples` are over.
    public var comparedSides = 0
    /// Compared sides per method that gave an answer, first or not.
    public var answeredBy: [String: Int] = [:]
    public var outsideMainlandSides = 0
    public var unresolvedSides = 0
    /// Credit codes not used because their check character is wrong.
    public var wrongCheckCharacters = 0
    public var pairs: [Pair] = []
    public var samples: [Sample] = []
    /// Texts the external service was asked about, and answers it gave
    /// from its cache instead (zero when it is off).
    public var externalRequests = 0
    public var externalCacheHits = 0

    public static let fileName = "geocoding.json"
    public static let sampleLimit = 20

    public init() {}

    public func write(to folder: URL) throws(IINError) {
        try JSONFile.write(self, to: folder.appendingPathComponent(Self.fileName))
    }

    public static func read(from folder: URL) throws(IINError) -> GeocodingReport {
        try JSONFile.read(GeocodingReport.self, from: folder.appendingPathComponent(fileName))
    }

    /// A few lines for the end of a run.
    public var summaryLines: [String] {
        var lines: [String] = []
        let resolved = methods.map { "\($0) \(resolvedBy[$0, default: 0])" }.joined(separator: ", ")
        lines.append("geocoding: \(sides) sides: \(resolved), outside the mainland \(outsideMainlandSides), unresolved \(unresolvedSides)")
        if wrongCheckCharacters > 0 { lines.append("geocoding: \(wrongCheckCharacters) credit codes with a wrong check character were not used") }
        let disagreements = pairs.filter { $0.disagreed > 0 }
        if !disagreements.isEmpty {
            lines.append("geocoding: methods disagreed (on \(comparedSides) sides where all were asked): "
                         + disagreements.map { "\($0.methods.joined(separator: "/")) \($0.disagreed) of \($0.bothAnswered)" }.joined(separator: ", "))
        }
        if externalRequests + externalCacheHits > 0 {
            lines.append("geocoding: external service asked \(externalRequests) times, \(externalCacheHits) answers from its cache")
        }
        return lines
    }
}

/// Per-chunk tallies merged into the report in input order.
struct GeocodeTally: Codable, Sendable, Equatable {
    var resolvedBy = [Int](repeating: 0, count: GeocodeMethod.allCases.count)
    var answeredBy = [Int](repeating: 0, count: GeocodeMethod.allCases.count)
    /// [a * 6 + b] for a < b: both answered, and disagreed.
    var bothAnswered = [Int](repeating: 0, count: 36)
    var disagreed = [Int](repeating: 0, count: 36)
    var sides = 0
    var compared = 0
    var outside = 0
    var unresolved = 0
    var wrongCheckCharacters = 0
    var samples: [GeocodingReport.Sample] = []

    mutating func count(_ outcome: SideOutcome, compared isCompared: Bool, sample: () -> (file: String, line: Int, side: String, name: String)) {
        sides += 1
        if let method = outcome.method { resolvedBy[method.rawValue] += 1 }
        switch outcome.answer {
        case .outsideMainland: outside += 1
        case .none: unresolved += 1
        case .city: break
        }
        if outcome.wrongCheckCharacter { wrongCheckCharacters += 1 }
        guard isCompared else { return }
        compared += 1
        var disagreement = false
        for first in GeocodeMethod.allCases {
            let a = outcome.answers[first]
            if a == 0 { continue }
            answeredBy[first.rawValue] += 1
            for second in GeocodeMethod.allCases where second.rawValue > first.rawValue {
                let b = outcome.answers[second]
                if b == 0 { continue }
                bothAnswered[first.rawValue * 6 + second.rawValue] += 1
                if a != b {
                    disagreed[first.rawValue * 6 + second.rawValue] += 1
                    disagreement = true
                }
            }
        }
        if disagreement && samples.count < GeocodingReport.sampleLimit {
            let where_ = sample()
            var answers: [String: String] = [:]
            for method in GeocodeMethod.allCases where outcome.answers[method] != 0 {
                answers[method.name] = outcome.answers[method] < 0 ? "outside_mainland" : String(outcome.answers[method])
            }
            samples.append(GeocodingReport.Sample(file: where_.file, line: where_.line, side: where_.side, name: where_.name, answers: answers))
        }
    }

    mutating func merge(_ other: GeocodeTally) {
        for index in resolvedBy.indices {
            resolvedBy[index] += other.resolvedBy[index]
            answeredBy[index] += other.answeredBy[index]
        }
        for index in bothAnswered.indices {
            bothAnswered[index] += other.bothAnswered[index]
            disagreed[index] += other.disagreed[index]
        }
        sides += other.sides
        compared += other.compared
        outside += other.outside
        unresolved += other.unresolved
        wrongCheckCharacters += other.wrongCheckCharacters
        samples += other.samples.prefix(max(0, GeocodingReport.sampleLimit - samples.count))
    }

    func report(methods: [GeocodeMethod]) -> GeocodingReport {
        var report = GeocodingReport()
        report.methods = methods.map(\.name)
        report.sides = sides
        report.comparedSides = compared
        report.outsideMainlandSides = outside
        report.unresolvedSides = unresolved
        report.wrongCheckCharacters = wrongCheckCharacters
        for method in methods {
            report.resolvedBy[method.name] = resolvedBy[method.rawValue]
            report.answeredBy[method.name] = answeredBy[method.rawValue]
        }
        for (position, first) in methods.enumerated() {
            for second in methods[(position + 1)...] {
                let (a, b) = (min(first.rawValue, second.rawValue), max(first.rawValue, second.rawValue))
                report.pairs.append(GeocodingReport.Pair(methods: [first.name, second.name], bothAnswered: bothAnswered[a * 6 + b], disagreed: disagreed[a * 6 + b]))
            }
        }
        report.samples = samples
        return report
    }
}
