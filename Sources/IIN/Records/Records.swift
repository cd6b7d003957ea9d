/// The relation a record declares between its two enterprises.
public enum LinkType: Int, Sendable, CaseIterable, Codable {
    case investment = 0
    /// Headquarters to branch.
    case branch = 1

    public var name: String { self == .investment ? "investment" : "branch" }

    /// Reads the `link_type` column: empty, `investment` or `投资` mean
    /// investment; `branch`, `分支` or `分支机构` mean branch (ASCII case
    /// ignored); anything else is no link type.
    public init?(columnText: String) {
        let text = columnText.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        switch text {
        case "", "investment", "投资": self = .investment
        case "branch", "分支", "分支机构": self = .branch
        default: return nil
        }
    }
}

/// Why a row did not become a kept record. The raw values are the ids used
/// in reports, the rejects tables and the contract.
public enum RejectionReason: String, Sendable, CaseIterable, Codable {
    case malformed
    case missingName = "missing_name"
    case badDate = "bad_date"
    case badLinkType = "bad_link_type"
    case selfInvestment = "self_investment"
    case outsideMainland = "outside_mainland"
    case ungeocodable

    /// The column name in `Record accounting.csv`.
    public var accountingColumn: String {
        switch self {
        case .malformed: return "Malformed"
        case .missingName: return "MissingName"
        case .badDate: return "BadDate"
        case .badLinkType: return "BadLinkType"
        case .selfInvestment: return "SelfInvestment"
        case .outsideMainland: return "OutsideMainland"
        case .ungeocodable: return "Ungeocodable"
        }
    }
}

/// The geocoding methods, in the default order of the cascade.
public enum GeocodeMethod: Int, Sendable, CaseIterable, Codable {
    case overrides = 0
    case region
    case creditCode
    case address
    case name
    case external

    public var name: String {
        switch self {
        case .overrides: return "overrides"
        case .region: return "region"
        case .creditCode: return "credit_code"
        case .address: return "address"
        case .name: return "name"
        case .external: return "external"
        }
    }

    public init?(name: String) {
        guard let method = GeocodeMethod.allCases.first(where: { $0.name == name }) else { return nil }
        self = method
    }
}

extension GeocodeMethod {
    /// Decodes the name (`credit_code`) as pipeline.json writes it, for
    /// the stage's parameters; the stored raw value stays the number.
    struct ByName: Decodable {
        var method: GeocodeMethod

        init(from decoder: Decoder) throws {
            let name = try decoder.singleValueContainer().decode(String.self)
            guard let method = GeocodeMethod(name: name) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "no geocoding method '\(name)'"))
            }
            self.method = method
        }
    }
}

/// Where a row came from: the index of its file in input order and the
/// line its text starts on (1-based, the header being line 1), so a person
/// can open the file at that line.
public struct RowLocation: Sendable, Hashable, Comparable {
    public var file: Int
    public var line: Int

    public static func < (lhs: RowLocation, rhs: RowLocation) -> Bool {
        (lhs.file, lhs.line) < (rhs.file, rhs.line)
    }
}

/// The text a record gives about one side of the link.
public struct PartyText: Sendable, Equatable {
    public var name: String
    public var creditCode: String
    public var region: String
    public var address: String

    public init(name: String, creditCode: String, region: String, address: String) {
        self.name = name
        self.creditCode = creditCode
        self.region = region
        self.address = address
    }
}

/// A kept record with its strings, as the consistency sample and the
/// tests read it (`GeocodedRecordView.record()`).
public struct GeocodedRecord: Sendable, Equatable {
    public var location: RowLocation
    public var recordID: String
    public var investorName: String
    public var investeeName: String
    public var keyDigest: KeyDigest
    public var capital: PaidInCapital?
    public var year: Int
    public var linkType: LinkType
    public var investorCity: Int
    public var investeeCity: Int
    public var investorMethod: GeocodeMethod
    public var investeeMethod: GeocodeMethod
}
