/// The canonical columns of the raw-records contract.
public enum CanonicalColumn: String, Sendable, CaseIterable {
    case recordID = "record_id"
    case investorName = "investor_name"
    case investorCreditCode = "investor_credit_code"
    case investorRegion = "investor_region"
    case investorAddress = "investor_address"
    case investeeName = "investee_name"
    case investeeCreditCode = "investee_credit_code"
    case investeeRegion = "investee_region"
    case investeeAddress = "investee_address"
    case paidInCapital = "paid_in_capital"
    case investmentDate = "investment_date"
    case linkType = "link_type"

    /// Position in `allCases`, without a search.
    @inline(__always)
    var ordinal: Int {
        switch self {
        case .recordID: return 0
        case .investorName: return 1
        case .investorCreditCode: return 2
        case .investorRegion: return 3
        case .investorAddress: return 4
        case .investeeName: return 5
        case .investeeCreditCode: return 6
        case .investeeRegion: return 7
        case .investeeAddress: return 8
        case .paidInCapital: return 9
        case .investmentDate: return 10
        case .linkType: return 11
        }
    }

    public var isRequired: Bool { self == .investorName || self == .investeeName || self == .investmentDate }

    /// The Chinese headers that mean this column by default.
    public var defaultHeaders: [String] {
        switch self {
        case .recordID: return ["记录编号"]
        case .investorName: return ["投资方名称", "投资企业名称"]
        case .investorCreditCode: return ["投资方统一社会信用代码"]
        case .investorRegion: return ["投资方所属地区", "投资方登记地"]
        case .investorAddress: return ["投资方地址", "投资方注册地址"]
        case .investeeName: return ["被投资方名称", "被投资企业名称"]
        case .investeeCreditCode: return ["被投资方统一社会信用代码"]
        case .investeeRegion: return ["被投资方所属地区", "被投资方登记地"]
        case .investeeAddress: return ["被投资方地址", "被投资方注册地址"]
        case .paidInCapital: return ["实缴出资额"]
        case .investmentDate: return ["出资日期", "实缴出资日期"]
        case .linkType: return ["关系类型"]
        }
    }
}

/// Which field of a file's rows holds each canonical column.
public struct ColumnMap: Sendable {
    /// Field index per canonical column, in `CanonicalColumn.allCases` order.
    public private(set) var fieldIndex: [Int?]
    public let fieldCount: Int

    /// Maps a file's header. `extraHeaders` (pipeline.json `columns`) adds
    /// header-to-canonical names beyond the defaults.
    public init(header: [String], extraHeaders: [String: String], path: String) throws(IINError) {
        var lookup: [String: CanonicalColumn] = [:]
        for column in CanonicalColumn.allCases {
            lookup[column.rawValue] = column
            for name in column.defaultHeaders { lookup[name] = column }
        }
        for (name, canonical) in extraHeaders {
            if let column = CanonicalColumn(rawValue: canonical) { lookup[name.trimmingCharacters(in: .whitespaces)] = column }
        }
        let trimmed = header.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        var indices = [Int?](repeating: nil, count: CanonicalColumn.allCases.count)
        var headerOf: [CanonicalColumn: String] = [:]
        for (position, name) in trimmed.enumerated() {
            guard let column = lookup[name] else { continue }
            if let earlier = headerOf[column] {
                throw IINError.duplicateColumn(path: path, canonical: column.rawValue, headers: [earlier, name], found: trimmed)
            }
            headerOf[column] = name
            indices[column.ordinal] = position
        }
        let missing = CanonicalColumn.allCases.enumerated().filter { $0.element.isRequired && indices[$0.offset] == nil }.map(\.element.rawValue)
        if !missing.isEmpty {
            throw IINError.missingColumns(path: path, missing: missing, found: trimmed)
        }
        fieldIndex = indices
        fieldCount = header.count
    }

    @inline(__always)
    public func index(of column: CanonicalColumn) -> Int? {
        fieldIndex[column.ordinal]
    }
}
