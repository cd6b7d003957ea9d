import Foundation

/// Which network an aggregate stage counts: at which resolution its nodes
/// are (the 367 cities, or the county-level units of 2020) and inside which
/// region (provinces and cities; the whole country when none). The default,
/// cities of the whole country, is the published release; any other scope
/// is published in a folder of its own inside the release (`folderName`).
public struct NetworkScope: Sendable, Equatable, Codable {
    public enum Resolution: String, Sendable, Codable, CaseIterable { case city, county }

    /// A named set of province and city codes: a link counts when both its
    /// ends lie in it.
    public struct Region: Sendable, Equatable, Codable {
        public var name: String
        public var codes: [Int]

        public init(name: String, codes: [Int]) {
            self.name = name
            self.codes = codes
        }
    }

    public var resolution: Resolution
    /// nil for the whole country.
    public var region: Region?

    public init(resolution: Resolution, region: Region?) {
        self.resolution = resolution
        self.region = region.flatMap { $0.codes.isEmpty ? nil : $0 }
    }

    public static let national = NetworkScope(resolution: .city, region: nil)
    public var isNational: Bool { self == .national }

    /// "county-guizhou", "city-yrd", "county" (the whole country).
    public var folderName: String {
        [resolution.rawValue, region?.name].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "-")
    }

    /// What the region names read as, from the gazetteer: every city in
    /// it, by code.
    public func cities(in gazetteer: Gazetteer) -> Set<Int> {
        guard let region else { return Set(gazetteer.cities.map(\.code)) }
        let codes = Set(region.codes)
        return Set(gazetteer.cities.filter { codes.contains($0.code) || codes.contains($0.provinceCode) }.map(\.code))
    }

    /// The artifact file a scoped aggregate stage writes beside its links;
    /// the national network writes none, so its artifact is as it was.
    public static let fileName = "scope.json"

    public func write(to folder: URL) throws(IINError) {
        if isNational { return }
        try JSONFile.write(self, to: folder.appendingPathComponent(Self.fileName))
    }

    public static func read(from folder: URL) throws(IINError) -> NetworkScope {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return .national }
        return try JSONFile.read(NetworkScope.self, from: url)
    }
}

/// Why a kept record is outside a scoped network: counted so the
/// accounting identity holds for it too.
public enum ScopeExclusion: String, Sendable, CaseIterable, Codable {
    /// A side placed in its city but in none of its county-level units.
    case countyUnresolved = "county_unresolved"
    /// An end outside the region.
    case outsideRegion = "outside_region"

    public var accountingColumn: String {
        switch self {
        case .countyUnresolved: return "CountyUnresolved"
        case .outsideRegion: return "OutsideRegion"
        }
    }
}

extension Pipeline {
    /// The network the release holds: the scope of the aggregate stage the
    /// publish stage reads (the national city network when there is none).
    public var scope: NetworkScope {
        let publish = stages.first { $0.kind == PublishStage.kind }
        let aggregate = stages.last { $0.kind == AggregateStage.kind && (publish?.needs.contains($0.name) ?? true) }
        // Loading decoded these parameters already, so this cannot fail.
        guard let aggregate, let parameters = try? AggregateStage.decodeParameters(aggregate.parameters, file: file.path, jsonPath: aggregate.jsonPath)
        else { return .national }
        return parameters.scope
    }
}
