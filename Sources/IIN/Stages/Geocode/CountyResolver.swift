/// What each place name of the index can mean at county level, as the
/// county reading needs it: per sense, the (unit, city) pairs of its
/// meanings, where unit is a county-level unit of 2020, 0 a former unit
/// whose area was split between units, and -1 a city (the name names the
/// city itself there, so it names no county of it).
public struct CountySenses: Sendable {
    private let pairs: [[(unit: Int32, city: Int32)]]

    init(index: PlaceNameIndex, gazetteer: Gazetteer) {
        var countyOfFormer: [Int: Int] = [:]
        for unit in gazetteer.history { if let county = unit.county { countyOfFormer[unit.code] = county } }
        pairs = index.meanings.map { meanings in
            var found: [(unit: Int32, city: Int32)] = []
            for meaning in meanings {
                switch meaning.level {
                case .city:
                    found += meaning.cities.map { (-1, Int32($0)) }
                case .county where !meaning.historical:
                    found += meaning.cities.map { (Int32(meaning.code), Int32($0)) }
                case .county:
                    let county = Int32(countyOfFormer[meaning.code] ?? 0)
                    found += meaning.cities.map { (county, Int32($0)) }
                default:
                    continue
                }
            }
            return found
        }
    }

    /// The unit a name (by sense) names inside `city`, 0 for none; with
    /// `city` 0, the unit it names wherever it is, -1 when that depends
    /// on the city.
    @inline(__always)
    func unit(_ sense: Int, city: Int32) -> Int32 {
        guard sense >= 0 else { return 0 }
        var unit: Int32 = 0
        var mixed = false
        for pair in pairs[sense] where city == 0 || pair.city == city {
            if pair.unit <= 0 || (unit != 0 && unit != pair.unit) { mixed = true } else { unit = pair.unit }
        }
        if city != 0 { return mixed ? 0 : unit }
        // Without the city: a name with no county meaning names none in
        // any city (a city's name, "贵州省贵阳市": read once per text, not
        // once per side); one unit and nothing else names it anywhere.
        return unit == 0 ? 0 : mixed ? -1 : unit
    }
}

/// What the county cascade (`Geocoder.county`) looks up once a side's city
/// is known: the unit a division code stands for, each unit's city, the
/// name senses, and each city's only unit. A side no method places below
/// its city has no county (0): the county network leaves it out as
/// `county_unresolved`, never spreads it over the city's units or guesses.
///
/// A city with a single unit (and Dongguan, Zhongshan, Danzhou and
/// Jiayuguan, which have none: the city is its own unit) needs no reading.
public struct CountyResolver: Sendable {
    let senses: CountySenses
    /// Per six-digit division code: the county-level unit of 2020 it
    /// stands for (itself when in the 2020 table; a former code's one
    /// successor unit), 0 for none.
    private let unitOfCode: [Int32]
    /// Per unit code: its 2020 city.
    private let cityOfUnit: [Int32]
    /// Per city code: its only unit, 0 when it has several.
    private let loneUnit: [Int32]

    public init(gazetteer: Gazetteer, index: PlaceNameIndex) {
        senses = CountySenses(index: index, gazetteer: gazetteer)
        var unitOfCode = [Int32](repeating: 0, count: 1_000_000)
        var cityOfUnit = [Int32](repeating: 0, count: 1_000_000)
        var unitsOfCity: [Int: [Int]] = [:]
        for county in gazetteer.counties {
            unitOfCode[county.code] = Int32(county.code)
            cityOfUnit[county.code] = Int32(county.cityCode)
            unitsOfCity[county.cityCode, default: []].append(county.code)
        }
        var loneUnit = [Int32](repeating: 0, count: 1_000_000)
        for city in gazetteer.cities {
            let own = unitsOfCity[city.code] ?? []
            if own.isEmpty {
                cityOfUnit[city.code] = Int32(city.code)
                loneUnit[city.code] = Int32(city.code)
            } else if own.count == 1 {
                loneUnit[city.code] = Int32(own[0])
            }
        }
        for code in gazetteer.historicalCodes where unitOfCode[code.code] == 0 {
            if let county = code.county { unitOfCode[code.code] = Int32(county) }
        }
        self.unitOfCode = unitOfCode
        self.cityOfUnit = cityOfUnit
        self.loneUnit = loneUnit
    }

    /// The unit a credit code's division code stands for inside `city`.
    @inline(__always)
    func unit(creditCode: UnsafeBufferPointer<UInt8>, city: Int32) -> Int32 {
        guard case let .divisionCode(code) = AdministrativeCodes.field(creditCode), code > 0, code < unitOfCode.count else { return 0 }
        let unit = unitOfCode[code]
        return unit != 0 && cityOfUnit[Int(unit)] == city ? unit : 0
    }

    /// A city's only unit, 0 when it has several.
    @inline(__always)
    func loneUnit(ofCity city: Int32) -> Int32 { city > 0 && Int(city) < loneUnit.count ? loneUnit[Int(city)] : 0 }

    @inline(__always)
    func isUnit(_ unit: Int32, of city: Int32) -> Bool { unit > 0 && cityOfUnit[Int(unit)] == city }
}
