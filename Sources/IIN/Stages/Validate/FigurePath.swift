import Foundation

/// The name of one headline figure of the validation report, as a floor in
/// `thresholds` names it (`gravity.2020.pearson_r`). Parsing it when the
/// pipeline loads catches a misspelt name before any stage runs; whether
/// the figure exists for that year or source is known only once the report
/// is made, and is checked then.
public enum FigurePath: Hashable, Sendable, CustomStringConvertible {
    public enum Network: String, CaseIterable, Sendable { case directed, undirected }
    public enum MobilityFigure: String, CaseIterable, Sendable { case loglogR2 = "loglog_r2", qqR2 = "qq_r2" }
    public enum GravityFigure: String, CaseIterable, Sendable { case pearsonR = "pearson_r", loglogR2 = "loglog_r2", qqR2 = "qq_r2" }

    case mobility(Network, MobilityFigure)
    case gravity(year: Int, GravityFigure)
    case distanceDecayRSquared(year: Int)
    case communitiesModularity(year: Int)
    case top20Overlap(year: Int, source: String)

    public var description: String {
        switch self {
        case let .mobility(network, figure): return "mobility.\(network.rawValue).\(figure.rawValue)"
        case let .gravity(year, figure): return "gravity.\(year).\(figure.rawValue)"
        case let .distanceDecayRSquared(year): return "distance_decay.\(year).r_squared"
        case let .communitiesModularity(year): return "communities.\(year).modularity"
        case let .top20Overlap(year, source): return "top20.\(year).\(source).overlap_percent"
        }
    }

    /// The slice year the figure is of; nil for mobility, whose year is
    /// `mobility_year`.
    public var year: Int? {
        switch self {
        case .mobility: return nil
        case let .gravity(year, _), let .distanceDecayRSquared(year), let .communitiesModularity(year), let .top20Overlap(year, _): return year
        }
    }

    /// Every form a name may take, YEAR and SOURCE standing for a slice year
    /// and a top-list source: the choices an error offers.
    public static let forms: [String] =
        Network.allCases.flatMap { network in MobilityFigure.allCases.map { "mobility.\(network.rawValue).\($0.rawValue)" } }
        + GravityFigure.allCases.map { "gravity.YEAR.\($0.rawValue)" }
        + ["distance_decay.YEAR.r_squared", "communities.YEAR.modularity", "top20.YEAR.SOURCE.overlap_percent"]

    /// - Returns: nil when `name` has none of the `forms`.
    public init?(_ name: String) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let section = parts.first else { return nil }
        let year = parts.count > 1 ? Int(parts[1]) : nil
        switch (section, parts.count) {
        case ("mobility", 3):
            guard let network = Network(rawValue: parts[1]), let figure = MobilityFigure(rawValue: parts[2]) else { return nil }
            self = .mobility(network, figure)
        case ("gravity", 3):
            guard let year, let figure = GravityFigure(rawValue: parts[2]) else { return nil }
            self = .gravity(year: year, figure)
        case ("distance_decay", 3):
            guard let year, parts[2] == "r_squared" else { return nil }
            self = .distanceDecayRSquared(year: year)
        case ("communities", 3):
            guard let year, parts[2] == "modularity" else { return nil }
            self = .communitiesModularity(year: year)
        case ("top20", 4...):
            // A source may itself hold dots ("Zhang et al. 2019").
            guard let year, parts.last == "overlap_percent" else { return nil }
            let source = parts[2..<(parts.count - 1)].joined(separator: ".")
            guard !source.isEmpty else { return nil }
            self = .top20Overlap(year: year, source: source)
        default:
            return nil
        }
        // "gravity.02020.pearson_r" would never match a figure.
        guard description == name else { return nil }
    }
}
