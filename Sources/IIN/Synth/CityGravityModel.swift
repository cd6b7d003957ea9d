import Foundation

/// Where synthetic investments go: investor cities drawn by size, investee
/// cities by size and distance decay (a gravity-like process), so the
/// corpus has the heavy-tailed, distance-bound structure of the real network.
struct CityGravityModel: Sendable {
    let cities: [City]
    /// Per city, the size proxy that drives everything drawn here.
    let masses: [Double]
    private let investorChoice: WeightedChoice
    private let investeeChoices: [WeightedChoice]

    /// The source paper's kept investments per slice (2000..2020).
    static let sliceYears = [2000, 2005, 2010, 2015, 2020]
    static let sliceSizes: [Double] = [754_438, 1_103_421, 1_551_400, 2_649_989, 5_894_787]

    /// City mass: county-level units held (a proxy for size), boosted for
    /// municipalities and provincial capitals, where investment concentrates.
    static func mass(of city: City, counties: Int) -> Double {
        var mass = Double(max(counties, 1))
        if city.level == .municipality { mass *= 8 } else if city.code % 10000 == 100 { mass *= 3 }
        return mass
    }

    init(gazetteer: Gazetteer) {
        let cities = gazetteer.cities
        self.cities = cities
        var countiesPerCity: [Int: Int] = [:]
        for county in gazetteer.counties { countiesPerCity[county.cityCode, default: 0] += 1 }
        let masses = cities.map { Self.mass(of: $0, counties: countiesPerCity[$0.code, default: 0]) }
        self.masses = masses
        investorChoice = WeightedChoice(weights: masses.map { pow($0, 1.3) })
        investeeChoices = cities.indices.map { origin in
            WeightedChoice(weights: cities.indices.map { target in
                guard target != origin else { return 0 }
                let distance = cities[origin].distanceKilometres(to: cities[target])
                return masses[target] / pow(distance + 50, 1.2)
            })
        }
    }

    func investorCity(_ random: inout SeededRandom) -> Int { investorChoice.draw(&random) }

    /// The investee city index: the investor's own city, or with probability
    /// `intercityShare(year)` another one by gravity.
    func investeeCity(of investor: Int, year: Int, _ random: inout SeededRandom) -> Int {
        random.chance(Self.intercityShare(year)) ? investeeChoices[investor].draw(&random) : investor
    }

    /// About 10% in 2000 rising linearly to about 31% in 2020, as in the
    /// source paper.
    static func intercityShare(_ year: Int) -> Double {
        min(0.4, max(0.05, 0.10 + 0.21 * Double(year - 2000) / 20))
    }
}
