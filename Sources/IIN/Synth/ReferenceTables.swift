import Foundation

/// The comparison tables the validation stage reads, drawn from the same
/// city masses as the synthetic corpus so the checks have something real to
/// find: a population mobility table for one year, GDP per city and slice
/// year, and two reference top-20 lists. They are synthetic and say so in
/// their source names; real tables in the same format replace them through
/// pipeline.json (docs/validation.md).
public struct ReferenceTables {
    public static let mobilityFile = "mobility-2020.csv"
    public static let gdpFile = "gdp.csv"
    public static let topListsFile = "top-lists.csv"
    public static let mobilityYear = 2020
    /// Destinations kept per origin, as migration indices publish a top list
    /// per city rather than every pair.
    static let destinationsPerOrigin = 40

    let model: CityGravityModel
    let seed: UInt64

    init(model: CityGravityModel, seed: UInt64) {
        self.model = model
        self.seed = seed
    }

    public init(gazetteer: Gazetteer, seed: UInt64) {
        self.init(model: CityGravityModel(gazetteer: gazetteer), seed: seed)
    }

    /// Writes the three files into `folder`; their own random stream, so
    /// the corpus drawn with the same seed is unchanged by them.
    public func write(to folder: URL) throws(IINError) -> [String] {
        try DiskWrites.makeFolder(folder)
        var random = SeededRandom(seed: seed ^ 0x5EED_0F_2EF5)
        let files = [(Self.mobilityFile, mobility(&random)), (Self.gdpFile, gdp(&random)), (Self.topListsFile, topLists(&random))]
        for (name, rows) in files {
            let output = try BufferedFileWriter(url: folder.appendingPathComponent(name))
            var writer = CSVWriter(output: output)
            for row in rows { writer.writeRow(row) }
            try output.close()
        }
        return files.map(\.0)
    }

    /// A normal draw by Box-Muller.
    static func normal(_ random: inout SeededRandom) -> Double {
        let u = max(random.unit(), 1e-300)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * random.unit())
    }

    /// People moving from origin to destination in a year: a gravity flow
    /// on the masses with log-normal noise, the strongest destinations of
    /// each origin.
    func mobility(_ random: inout SeededRandom) -> [[String]] {
        var rows = [["origin_code", "destination_code", "flow"]]
        let cities = model.cities
        for origin in cities.indices {
            var flows: [(Int, Double)] = []
            for destination in cities.indices where destination != origin {
                let distance = cities[origin].distanceKilometres(to: cities[destination])
                let expected = 4000 * pow(model.masses[origin] * model.masses[destination], 0.9) / pow(distance + 30, 1.4)
                flows.append((destination, expected * exp(0.5 * Self.normal(&random))))
            }
            flows.sort { ($1.1, $0.0) < ($0.1, $1.0) }
            for (destination, flow) in flows.prefix(Self.destinationsPerOrigin) {
                rows.append([String(cities[origin].code), String(cities[destination].code), String(Int(flow.rounded(.up)))])
            }
        }
        return rows
    }

    /// GDP in 100 million yuan per city and slice year: proportional to
    /// mass^1.2, growing 6-12% a year per city.
    func gdp(_ random: inout SeededRandom) -> [[String]] {
        var rows = [["city_code", "year", "gdp"]]
        for (index, city) in model.cities.enumerated() {
            let base = 60 * pow(model.masses[index], 1.2) * exp(0.3 * Self.normal(&random))
            let growth = 1.06 + 0.06 * random.unit()
            for year in CityGravityModel.sliceYears {
                let value = base * pow(growth, Double(year - 2000)) * exp(0.05 * Self.normal(&random))
                rows.append([String(city.code), String(year), String(format: "%.1f", value)])
            }
        }
        return rows
    }

    /// Two studies' top-20 city lists: one naming cities in Chinese for
    /// 2020, one by code for 2010, each ranking the masses with noise.
    func topLists(_ random: inout SeededRandom) -> [[String]] {
        var rows = [["source", "year", "rank", "city"]]
        for (source, year, byName) in [("Synthetic study A (masses with noise)", 2020, true), ("Synthetic study B (masses with noise)", 2010, false)] {
            let scored = model.cities.indices.map { ($0, model.masses[$0] * exp(0.4 * Self.normal(&random))) }
            let top = scored.sorted { ($1.1, $0.0) < ($0.1, $1.0) }.prefix(20)
            for (rank, (index, _)) in top.enumerated() {
                let city = model.cities[index]
                rows.append([source, String(year), String(rank + 1), byName ? city.nameCN : String(city.code)])
            }
        }
        return rows
    }
}
