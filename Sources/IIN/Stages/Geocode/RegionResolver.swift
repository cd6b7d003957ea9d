/// The answer of one geocoding method for one side of a record.
public enum PlaceAnswer: Sendable, Equatable {
    case city(Int)
    case outsideMainland
    /// No single city: the candidates weighed (empty when nothing matched).
    case none(candidates: [Int])
}

/// Reads a free-text place (the region field) as an address: province and
/// city names narrow county-level names; a name that fits several cities,
/// or a province alone (other than a municipality), is no answer.
public struct RegionResolver: Sendable {
    public let index: PlaceNameIndex

    public init(gazetteer: Gazetteer) {
        index = PlaceNameIndex(gazetteer: gazetteer)
    }

    public func resolve(_ text: String) -> PlaceAnswer {
        let matches = index.matches(in: text)
        if matches.isEmpty { return .none(candidates: []) }
        if matches.contains(where: { $0.meanings.contains { $0.level == .outsideMainland } }) { return .outsideMainland }

        var provinces = Set<Int>()
        var placeSets: [Set<Int>] = []
        var dual: [PlaceNameIndex.Match] = []
        for match in matches {
            let levels = Set(match.meanings.map(\.level))
            if levels == [.province] {
                provinces.formUnion(match.meanings.map(\.provinceCode))
            } else if levels.contains(.province) {
                // "吉林": the province or the city. It narrows as a province when
                // other places follow and stays no answer on its own.
                dual.append(match)
            } else {
                placeSets.append(Set(match.meanings.map(\.cityCode)))
            }
        }
        if !placeSets.isEmpty {
            for match in dual { provinces.formUnion(match.meanings.filter { $0.level == .province }.map(\.provinceCode)) }
        } else if let match = dual.first, dual.count == 1, provinces.isEmpty {
            let cities = Set(match.meanings.filter { $0.level != .province }.map(\.cityCode))
            let municipality = match.meanings.contains { $0.level == .province && GazetteerDerivation.municipalityCodes.contains($0.provinceCode) }
            if municipality, cities.count == 1 { return .city(cities.first!) }
            return .none(candidates: cities.sorted())
        }
        if placeSets.isEmpty {
            let municipalities = provinces.filter { GazetteerDerivation.municipalityCodes.contains($0) }
            if provinces.count == 1, let only = municipalities.first { return .city(only) }
            return .none(candidates: [])
        }
        var candidates: Set<Int>?
        for set in placeSets {
            let narrowed = provinces.isEmpty ? set : set.filter { provinces.contains($0 / 10000 * 10000) }
            candidates = candidates.map { $0.intersection(narrowed) } ?? narrowed
        }
        let final = candidates ?? []
        if final.count == 1 { return .city(final.first!) }
        return .none(candidates: final.sorted())
    }
}
