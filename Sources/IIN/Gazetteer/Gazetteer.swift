import Crypto
import Foundation

/// The 2020 administrative divisions the network is built on: 367 cities,
/// every county-level unit of 2020 mapped to its city, and the names that
/// mean "outside the mainland".
///
/// It is loaded from the data files committed under
/// `Sources/IIN/Resources/gazetteer` (see docs/gazetteer.md for how they were
/// derived and under which licences), and its `digest` enters the
/// fingerprint of every stage that uses it, so correcting the data rebuilds
/// exactly what it affects.
public struct Gazetteer: Sendable {
    public let cities: [City]
    public let counties: [CountyUnit]
    public let provinces: [Province]
    public let outsideMainlandNames: [String]
    public let history: [HistoricalUnit]
    /// Every code of any era not in the 2020 table, for credit codes.
    public let historicalCodes: [HistoricalCode]
    /// City and province outlines, for polygon layers and maps.
    public let outlines: Outlines
    /// The county outline file as read, parsed only by the releases that
    /// draw counties (`countyOutlines()`): every run loads the gazetteer,
    /// and 2,800 outlines are not every run's.
    private let countyOutlineFile: Data
    /// SHA-256 over the data files, in hex.
    public let digest: String
    private let cityIndexByCode: [Int: Int]

    public static let cityCount = 367
    /// Beijing, Tianjin, Shanghai and Chongqing: provinces that are cities.
    public static let municipalityCodes: Set<Int> = [110000, 120000, 310000, 500000]

    public init(cities: [City], counties: [CountyUnit], provinces: [Province], outsideMainlandNames: [String], history: [HistoricalUnit],
                historicalCodes: [HistoricalCode], outlines: Outlines = .none, countyOutlineFile: Data = Data(), digest: String) {
        self.cities = cities.sorted { $0.code < $1.code }
        self.counties = counties.sorted { $0.code < $1.code }
        self.provinces = provinces.sorted { $0.code < $1.code }
        self.outsideMainlandNames = outsideMainlandNames
        self.history = history
        self.historicalCodes = historicalCodes
        self.outlines = outlines
        self.countyOutlineFile = countyOutlineFile
        self.digest = digest
        var index: [Int: Int] = [:]
        for (position, city) in self.cities.enumerated() { index[city.code] = position }
        self.cityIndexByCode = index
    }

    /// The nodes of a county-level network: every county-level unit of
    /// 2020, and the four cities that have none (Dongguan, Zhongshan,
    /// Danzhou, Jiayuguan govern their towns directly), each its own unit
    /// at its city's point. Sorted by code.
    public var countyLevelUnits: [CountyUnit] {
        let withCounties = Set(counties.map(\.cityCode))
        let lone = cities.filter { !withCounties.contains($0.code) }.map {
            CountyUnit(code: $0.code, name: $0.nameCN, cityCode: $0.code, longitude: $0.longitude, latitude: $0.latitude, pointSource: "city")
        }
        return (counties + lone).sorted { $0.code < $1.code }
    }

    public func city(code: Int) -> City? {
        cityIndexByCode[code].map { cities[$0] }
    }

    public func province(code: Int) -> Province? {
        provinces.first { $0.code == code }
    }

    /// The folder holding the committed data files.
    public static var resourceFolder: URL {
        Bundle.module.resourceURL!.appendingPathComponent("gazetteer")
    }

    /// The gazetteer shipped with the program; loaded once per process.
    public static func embedded() throws(IINError) -> Gazetteer {
        try embeddedResult.get()
    }

    private static let embeddedResult: Result<Gazetteer, IINError> = {
        do throws(IINError) {
            return .success(try load(from: resourceFolder))
        } catch {
            return .failure(error)
        }
    }()

    public static let dataFiles = ["cities.csv", "counties.csv", "history.csv", "codes.csv", "outside-mainland.csv", OutlineFile.citiesFile, OutlineFile.provincesFile,
                                   OutlineFile.countiesFile]

    /// Each county-level unit's outline (GCJ-02), by code; none for the
    /// units the source lacks.
    public func countyOutlines() throws(IINError) -> [Int: [OutlineFile.Polygon]] {
        countyOutlineFile.isEmpty ? [:] : try OutlineFile.parse(countyOutlineFile, path: Self.resourceFolder.appendingPathComponent(OutlineFile.countiesFile).path)
    }

    /// `outlines: false` reads the tables only: for `iin gazetteer`, which
    /// derives the outlines from the cities it has just written.
    public static func load(from folder: URL, outlines: Bool = true) throws(IINError) -> Gazetteer {
        var hasher = SHA256()
        var tables: [String: CSVTable] = [:]
        var outlineFiles: [String: [Int: [OutlineFile.Polygon]]] = [:]
        var countyOutlineFile = Data()
        for name in dataFiles where outlines || name.hasSuffix(".csv") {
            let url = folder.appendingPathComponent(name)
            let data = try FileBytes.read(url)
            hasher.update(data: Data(name.utf8))
            hasher.update(data: data)
            if name.hasSuffix(".csv") {
                tables[name] = try CSVTable.parse(data, path: url.path)
            } else if name == OutlineFile.countiesFile {
                countyOutlineFile = data
            } else {
                outlineFiles[name] = try OutlineFile.parse(data, path: url.path)
            }
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()

        let cityTable = tables["cities.csv"]!
        var cities: [City] = []
        var provinces: [Int: String] = [:]
        let columns = try ["code", "name_cn", "name_en", "province_code", "province_name_cn", "level", "lng", "lat"].map { name throws(IINError) in try cityTable.columnIndex(name) }
        for (row, line) in zip(cityTable.rows, cityTable.lines) {
            guard let code = Int(row[columns[0]]), let provinceCode = Int(row[columns[3]]),
                  let level = CityLevel(rawValue: row[columns[5]]),
                  let longitude = Double(row[columns[6]]), let latitude = Double(row[columns[7]])
            else {
                throw IINError.gazetteer(file: cityTable.path, row: line, problem: "unreadable city row \(row)")
            }
            cities.append(City(code: code, nameCN: row[columns[1]], nameEN: row[columns[2]], provinceCode: provinceCode,
                               provinceNameCN: row[columns[4]], level: level, longitude: longitude, latitude: latitude))
            provinces[provinceCode] = row[columns[4]]
        }
        let cityCodes = Set(cities.map(\.code))

        let countyTable = tables["counties.csv"]!
        let countyColumns = try ["code", "name", "city_code", "lng", "lat", "point"].map { name throws(IINError) in try countyTable.columnIndex(name) }
        var counties: [CountyUnit] = []
        for (row, line) in zip(countyTable.rows, countyTable.lines) {
            guard let code = Int(row[countyColumns[0]]), let cityCode = Int(row[countyColumns[2]]), cityCodes.contains(cityCode) else {
                throw IINError.gazetteer(file: countyTable.path, row: line, problem: "county row with an unknown city \(row)")
            }
            let (longitude, latitude) = (row[countyColumns[3]], row[countyColumns[4]])
            guard (longitude.isEmpty && latitude.isEmpty) || (Double(longitude) != nil && Double(latitude) != nil) else {
                throw IINError.gazetteer(file: countyTable.path, row: line, problem: "unreadable coordinates in \(row)")
            }
            counties.append(CountyUnit(code: code, name: row[countyColumns[1]], cityCode: cityCode, longitude: Double(longitude), latitude: Double(latitude),
                                       pointSource: row[countyColumns[5]].isEmpty ? nil : row[countyColumns[5]]))
        }

        let historyTable = tables["history.csv"]!
        let historyColumns = try ["code", "name", "first_year", "last_year", "cities", "county"].map { name throws(IINError) in try historyTable.columnIndex(name) }
        var history: [HistoricalUnit] = []
        for (row, line) in zip(historyTable.rows, historyTable.lines) {
            let cities = row[historyColumns[4]].split(separator: ";").compactMap { Int($0) }
            guard let code = Int(row[historyColumns[0]]), let first = Int(row[historyColumns[2]]), let last = Int(row[historyColumns[3]]),
                  cities.allSatisfy(cityCodes.contains) else {
                throw IINError.gazetteer(file: historyTable.path, row: line, problem: "unreadable history row, or a city not of 2020: \(row)")
            }
            history.append(HistoricalUnit(code: code, name: row[historyColumns[1]], firstYear: first, lastYear: last, cities: cities,
                                          county: Int(row[historyColumns[5]])))
        }

        let codeTable = tables["codes.csv"]!
        let codeColumns = try ["code", "name", "first_year", "last_year", "cities", "chain", "county"].map { name throws(IINError) in try codeTable.columnIndex(name) }
        var codes: [HistoricalCode] = []
        for (row, line) in zip(codeTable.rows, codeTable.lines) {
            let cities = row[codeColumns[4]].split(separator: ";").compactMap { Int($0) }
            let lastText = row[codeColumns[3]]
            guard let code = Int(row[codeColumns[0]]), let first = Int(row[codeColumns[2]]), lastText.isEmpty || Int(lastText) != nil,
                  cities.allSatisfy(cityCodes.contains) else {
                throw IINError.gazetteer(file: codeTable.path, row: line, problem: "unreadable code row, or a city not of 2020: \(row)")
            }
            codes.append(HistoricalCode(code: code, name: row[codeColumns[1]], firstYear: first, lastYear: Int(lastText), cities: cities,
                                        county: Int(row[codeColumns[6]]), chain: row[codeColumns[5]]))
        }

        let outsideTable = tables["outside-mainland.csv"]!
        let nameColumn = try outsideTable.columnIndex("name")
        let outside = outsideTable.rows.map { $0[nameColumn] }

        return Gazetteer(cities: cities, counties: counties,
                         provinces: provinces.map { Province(code: $0.key, name: $0.value) },
                         outsideMainlandNames: outside, history: history, historicalCodes: codes,
                         outlines: Outlines(cities: outlineFiles[OutlineFile.citiesFile] ?? [:], provinces: outlineFiles[OutlineFile.provincesFile] ?? [:]),
                         countyOutlineFile: countyOutlineFile, digest: digest)
    }
}
