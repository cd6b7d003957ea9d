import Foundation

/// `validation.json` as the readers of the report see it: the HTML page,
/// the thresholds, the map's communities and the release comparison read
/// these structs, decoded from the JSON as written, and never the JSON by
/// key. The checks build the JSON; its layout is documented in
/// docs/validation.md and stays byte for byte what it was.
///
/// Almost every field is optional: a section whose input is absent holds
/// only `skipped`, and a reader says "–" for what is not there.
public struct ValidationReport: Decodable, Sendable {
    public var valid: Bool
    public var seed: Int?
    public var sections: Sections
    /// Headline figure name to value; nil when the run could not compute it.
    public var figures: [String: Double?]
    public var thresholds: [Threshold]

    enum CodingKeys: String, CodingKey { case valid, seed, sections, figures, thresholds }

    /// A report missing its verdict reads as not valid: a page never says
    /// "valid" for what the JSON does not say.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        valid = try container.decodeIfPresent(Bool.self, forKey: .valid) ?? false
        seed = try container.decodeIfPresent(Int.self, forKey: .seed)
        sections = try container.decodeIfPresent(Sections.self, forKey: .sections) ?? Sections()
        figures = try container.decodeIfPresent([String: Double?].self, forKey: .figures) ?? [:]
        thresholds = try container.decodeIfPresent([Threshold].self, forKey: .thresholds) ?? []
    }

    public struct Threshold: Decodable, Sendable {
        public var figure: String
        public var floor: Double
        public var value: Double?
        public var passed: Bool
    }

    /// Reads the report from the bytes of `validation.json`.
    public static func decode(_ data: Data, path: String) throws(IINError) -> ValidationReport {
        try decode(ValidationReport.self, data, path: path)
    }

    static func decode<Part: Decodable>(_ type: Part.Type, _ data: Data, path: String) throws(IINError) -> Part {
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw IINError.corruptArtifact(path: path, reason: "not a validation report of this version (\(error))")
        }
    }

    public struct Sections: Decodable, Sendable {
        public var invariants: [Invariant]?
        public var accounting: Accounting?
        public var table1: Table1?
        public var consistencySample: ConsistencySampleSection?
        public var mobility: Mobility?
        public var gravity: Gravity?
        public var distanceDecay: DistanceDecay?
        public var top20: Top20?
        public var cities: Cities?
        public var communities: Communities?
        public var backbone: Backbone?
        public var localisation: Localisation?
        public var headquartersBranch: HeadquartersBranch?

        init() {}

        enum CodingKeys: String, CodingKey {
            case invariants, accounting, table1, mobility, gravity, top20, cities, communities, backbone, localisation
            case consistencySample = "consistency_sample", distanceDecay = "distance_decay", headquartersBranch = "headquarters_branch"
        }
    }

    // MARK: Shared pieces

    /// A least-squares line.
    public struct Fit: Decodable, Sendable {
        public var slope: Double?
        public var intercept: Double?
        public var rSquared: Double?
        enum CodingKeys: String, CodingKey { case slope, intercept, rSquared = "r_squared" }
    }

    /// Q-Q points of two z-score samples and the line through them.
    public struct QuantilePlot: Decodable, Sendable {
        public var line: Fit?
        public var points: [Point]?
    }

    /// An (x, y) pair, written as a two-element array.
    public struct Point: Decodable, Sendable {
        public var x: Double
        public var y: Double

        public init(from decoder: Decoder) throws {
            var container = try decoder.unkeyedContainer()
            x = try container.decode(Double.self)
            y = try container.decode(Double.self)
        }
    }

    public struct Hub: Decodable, Sendable {
        public var city: String
        public var treeDegree: Int?
        enum CodingKeys: String, CodingKey { case city, treeDegree = "tree_degree" }
    }

    // MARK: Sections

    public struct Invariant: Decodable, Sendable {
        public var id: String
        public var title: String
        public var passed: Bool
        public var skipped: Bool?
        public var details: [String]
        public var failures: [String]
    }

    public struct Accounting: Decodable, Sendable {
        public struct File: Decodable, Sendable {
            init() {}
            public var file: String?
            public var rowsRead: Double?
            public var kept: Double?
            public var duplicates: Double?
            public var rejected: [String: Int]?
            public var inSlice: Double?
            public var outOfSlice: Double?
            enum CodingKeys: String, CodingKey {
                case file, kept, duplicates, rejected, rowsRead = "rows_read", inSlice = "in_slice", outOfSlice = "out_of_slice"
            }
        }

        public struct Geocoding: Decodable, Sendable {
            public struct Pair: Decodable, Sendable {
                public var methods: [String]?
                public var bothAnswered: Double?
                public var disagreed: Double?
            }

            public struct Sample: Decodable, Sendable {
                public var file: String?
                public var line: Double?
                public var side: String?
                public var name: String?
                public var answers: [String: String]?
            }

            public var sides: Double?
            public var unresolvedSides: Double?
            public var outsideMainlandSides: Double?
            public var wrongCheckCharacters: Double?
            public var comparedSides: Double?
            public var methods: [String]?
            public var resolvedBy: [String: Double]?
            public var answeredBy: [String: Double]?
            public var pairs: [Pair]?
            public var samples: [Sample]?
        }

        public var files: [File]?
        public var total: File?
        public var keptPerSlice: [String: Double]?
        public var geocoding: Geocoding?
        enum CodingKeys: String, CodingKey { case files, total, geocoding, keptPerSlice = "kept_per_slice" }
    }

    public struct Table1: Decodable, Sendable {
        public var columns: [String]?
        public var rows: [[String]]?
    }

    public struct ConsistencySampleSection: Decodable, Sendable {
        public var file: String?
        public var perSlice: Double?
        public var seed: Double?
        public var drawn: [String: Double]?
        enum CodingKeys: String, CodingKey { case file, seed, drawn, perSlice = "per_slice" }
    }

    public struct Mobility: Decodable, Sendable {
        public struct Network: Decodable, Sendable {
            public struct Band: Decodable, Sendable {
                public var band: String?
                public var rSquared: Double?
                public var pairs: Double?
                enum CodingKeys: String, CodingKey { case band, pairs, rSquared = "r_squared" }
            }
            public var investmentPairs: Double?
            public var mobilityPairs: Double?
            public var matchedPairs: Double?
            public var loglog: Fit?
            public var qq: QuantilePlot?
            public var bands: [Band]?
            public var scatter: [Point]?
            enum CodingKeys: String, CodingKey {
                case loglog, qq, bands, scatter
                case investmentPairs = "investment_pairs", mobilityPairs = "mobility_pairs", matchedPairs = "matched_pairs"
            }
        }
        public var skipped: String?
        public var input: String?
        public var rows: Double?
        public var year: Double?
        public var directed: Network?
        public var undirected: Network?
    }

    public struct Gravity: Decodable, Sendable {
        public struct Estimate: Decodable, Sendable {
            public var k: Double?
            public var beta: Double?
            public var rmse: Double?
        }
        public struct Band: Decodable, Sendable {
            public var band: String?
            public var pearsonR: Double?
            enum CodingKeys: String, CodingKey { case band, pearsonR = "pearson_r" }
        }
        public struct BetaIdentification: Decodable, Sendable {
            public var tolerancePercent: Double?
            public var sentence: String?
            enum CodingKeys: String, CodingKey { case sentence, tolerancePercent = "tolerance_percent" }
        }
        public struct Slice: Decodable, Sendable {
            public var year: Int?
            public var skipped: String?
            public var pairs: Int?
            public var swarm: Estimate?
            public var profile: Estimate?
            public var rmseGapPercent: Double?
            public var pearsonR: Double?
            public var bands: [Band]?
            public var loglog: Fit?
            public var qq: QuantilePlot?
            public var scatter: [Point]?
            public var betaIdentification: BetaIdentification?
            enum CodingKeys: String, CodingKey {
                case year, skipped, pairs, swarm, profile, bands, loglog, qq, scatter
                case rmseGapPercent = "rmse_gap_percent", pearsonR = "pearson_r", betaIdentification = "beta_identification"
            }
        }
        public struct Backbone: Decodable, Sendable {
            public var cities: Double?
            public var year: Double?
            public var edges: Double?
            public var hubs: [Hub]?
        }
        public var skipped: String?
        public var input: String?
        public var distance: String?
        public var seed: Double?
        public var slices: [Slice]?
        public var backbone: Backbone?
    }

    public struct DistanceDecay: Decodable, Sendable {
        public struct Bin: Decodable, Sendable {
            public var fromKm: Double?
            public var toKm: Double?
            public var share: Double?
            enum CodingKeys: String, CodingKey { case share, fromKm = "from_km", toKm = "to_km" }
        }
        public struct Slice: Decodable, Sendable {
            public var year: Int?
            public var bins: [Bin]?
            public var slope: Double?
            public var intercept: Double?
            public var rSquared: Double?
            enum CodingKeys: String, CodingKey { case year, bins, slope, intercept, rSquared = "r_squared" }
        }
        public var binKm: Double?
        public var magnitudeShrinks: Bool?
        public var magnitudeTrendPerYear: Double?
        public var slices: [Slice]?
        enum CodingKeys: String, CodingKey {
            case slices, binKm = "bin_km", magnitudeShrinks = "magnitude_shrinks", magnitudeTrendPerYear = "magnitude_trend_per_year"
        }
    }

    public struct Top20: Decodable, Sendable {
        public struct Entry: Decodable, Sendable {
            public var city: String?
            public var nodeDegree: Double?
            enum CodingKeys: String, CodingKey { case city, nodeDegree = "node_degree" }
        }
        public struct Slice: Decodable, Sendable {
            public var year: Int?
            public var top: [Entry]?
        }
        public struct Comparison: Decodable, Sendable {
            public var source: String?
            public var year: Int?
            public var skipped: String?
            public var overlap: Double?
            public var overlapPercent: Double?
            public var shared: [String]?
            enum CodingKeys: String, CodingKey { case source, year, skipped, overlap, shared, overlapPercent = "overlap_percent" }
        }
        public var skipped: String?
        public var slices: [Slice]?
        public var comparisons: [Comparison]?
    }

    /// The cities of the last slice for the maps.
    public struct Cities: Decodable, Sendable {
        public struct City: Decodable, Sendable {
            public var code: String
            public var name: String?
            public var nameEN: String?
            public var lng: Double?
            public var lat: Double?
            public var nodeDegree: Int?
            public var community: Int?
            /// Per slice of `slices`: out-, in- and node degree.
            public var degrees: [[Int]]?
            enum CodingKeys: String, CodingKey { case code, name, lng, lat, community, degrees, nameEN = "name_en", nodeDegree = "node_degree" }
        }
        /// One of the strongest links: two codes and a weight, written as
        /// a three-element array.
        public struct Edge: Decodable, Sendable {
            public var a: String
            public var b: String
            public var weight: Int

            public init(from decoder: Decoder) throws {
                var container = try decoder.unkeyedContainer()
                a = try container.decode(String.self)
                b = try container.decode(String.self)
                weight = try container.decode(Int.self)
            }
        }
        public var skipped: String?
        public var year: Int?
        public var slices: [Int]?
        public var cities: [City]?
        public var edges: [Edge]?
    }

    public struct Communities: Decodable, Sendable {
        public struct Slice: Decodable, Sendable {
            public var year: Int?
            public var cities: Double?
            public var communities: Double?
            public var modularity: Double?
            public var passes: Double?
            public var converged: Bool?
            public var sizes: [Double]?
            /// City code to community number.
            public var membership: [String: Int]?
        }
        public var resolution: Double?
        public var seed: Double?
        public var slices: [Slice]?
    }

    public struct Backbone: Decodable, Sendable {
        public struct Slice: Decodable, Sendable {
            public var year: Int?
            public var cities: Double?
            public var edges: Double?
            public var parts: Double?
            public var totalWeight: Double?
            public var hubs: [Hub]?
            enum CodingKeys: String, CodingKey { case year, cities, edges, parts, hubs, totalWeight = "total_weight" }
        }
        public var slices: [Slice]?
    }

    public struct Localisation: Decodable, Sendable {
        public struct City: Decodable, Sendable {
            public var city: String?
            public var intracity: Int?
            public var outward: Int?
            public var intracityShare: Double?
            enum CodingKeys: String, CodingKey { case city, intracity, outward, intracityShare = "intracity_share" }
        }
        public struct Slice: Decodable, Sendable {
            public var year: Int?
            public var intracityShare: Double?
            public var cities: [City]?
            enum CodingKeys: String, CodingKey { case year, cities, intracityShare = "intracity_share" }
        }
        public var slices: [Slice]?
    }

    public struct HeadquartersBranch: Decodable, Sendable {
        public struct Row: Decodable, Sendable {
            public var city: String?
            public var outbound: Double?
            public var inbound: Double?
            public var nodeDegree: Double?
            public var degreeCentrality: Double?
            enum CodingKeys: String, CodingKey { case city, outbound, inbound, nodeDegree = "node_degree", degreeCentrality = "degree_centrality" }
        }
        public struct Slice: Decodable, Sendable {
            public var year: Int?
            public var cities: Double?
            public var top: [Row]?
        }
        public var skipped: String?
        public var slices: [Slice]?
    }
}
