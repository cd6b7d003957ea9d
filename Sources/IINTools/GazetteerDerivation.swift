import Foundation
import IIN

/// Rebuilds the gazetteer's data files from the reference data in
/// `../shared/data`, so every value in them can be traced to its source:
///
/// - codes, names, provinces and the county-to-city map: areacodes
///   `data/2020.txt` (CC0), the division codes in force at the end of 2020;
/// - coordinates: cpca `adcodes.csv` (MIT);
/// - English names, and coordinates for the six cities cpca lacks:
///   `curated.csv`, kept by this project (see docs/gazetteer.md).
public enum GazetteerDerivation {
    static let municipalityCodes = Gazetteer.municipalityCodes

    public struct Output: Sendable, Equatable {
        public var citiesCSV: String
        public var countiesCSV: String
        /// Up to `townshipsPerCounty` township names per county (mca2025,
        /// MIT), for realistic addresses in the synthetic corpus.
        public var townshipsCSV: String
        /// Names of 2000-2020 no longer in force in 2020, with the 2020
        /// cities holding their area (see `HistoryDerivation`).
        public var historyCSV: String
        /// Every code of the crosswalk (1981 on) not in the 2020 table,
        /// with its 2020 cities and how it reached them.
        public var codesCSV: String
    }

    public static let townshipsPerCounty = 6

    public static func derive(sharedData: URL, curated: URL) throws(IINError) -> Output {
        let divisionsURL = sharedData.appendingPathComponent("areacodes/data/2020.txt")
        let divisionsData = try FileBytes.read(divisionsURL)
        var divisions: [(code: Int, name: String)] = []
        let text = String(decoding: divisionsData, as: UTF8.self)
        for (offset, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\u{FEFF}")))
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let code = Int(parts[0]), parts[0].count == 6 else {
                throw IINError.gazetteer(file: divisionsURL.path, row: offset + 1, problem: "expected 'CODE NAME', found '\(trimmed)'")
            }
            divisions.append((code, String(parts[1])))
        }
        let names = Dictionary(divisions.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })

        let coordinateTable = try CSVTable.read(sharedData.appendingPathComponent("cpca/adcodes.csv"))
        let adcode = try coordinateTable.columnIndex("adcode")
        let longitude = try coordinateTable.columnIndex("longitude")
        let latitude = try coordinateTable.columnIndex("latitude")
        var coordinates: [Int: (String, String)] = [:]
        for row in coordinateTable.rows {
            guard let code = Int(row[adcode].prefix(6)), !row[longitude].isEmpty, !row[latitude].isEmpty else { continue }
            coordinates[code] = (row[longitude], row[latitude])
        }

        let curatedTable = try CSVTable.read(curated)
        let curatedCode = try curatedTable.columnIndex("code")
        let curatedName = try curatedTable.columnIndex("name_en")
        let curatedLongitude = try curatedTable.columnIndex("lng")
        let curatedLatitude = try curatedTable.columnIndex("lat")
        var englishNames: [Int: String] = [:]
        var fallbackCoordinates: [Int: (String, String)] = [:]
        for (row, line) in zip(curatedTable.rows, curatedTable.lines) {
            guard let code = Int(row[curatedCode]), !row[curatedName].isEmpty else {
                throw IINError.gazetteer(file: curated.path, row: line, problem: "needs a code and an English name")
            }
            englishNames[code] = row[curatedName]
            if !row[curatedLongitude].isEmpty { fallbackCoordinates[code] = (row[curatedLongitude], row[curatedLatitude]) }
        }

        func isCity(_ code: Int) -> Bool {
            if municipalityCodes.contains(code) { return true }
            if code % 10000 == 0 { return false }
            if code % 100 == 0 { return true }
            return (code / 100) % 100 == 90
        }
        func level(of code: Int, name: String) -> CityLevel {
            if municipalityCodes.contains(code) { return .municipality }
            if (code / 100) % 100 == 90 { return .provinceAdministeredCounty }
            if name.hasSuffix("自治州") { return .autonomousPrefecture }
            if name.hasSuffix("地区") { return .region }
            if name.hasSuffix("盟") { return .league }
            return .prefectureCity
        }

        var cityLines = [CSVWriter.line(["code", "name_cn", "name_en", "province_code", "province_name_cn", "level", "lng", "lat"])]
        var cityCodes = Set<Int>()
        for (code, name) in divisions where isCity(code) {
            let provinceCode = code / 10000 * 10000
            guard let provinceName = names[provinceCode] else {
                throw IINError.gazetteer(file: divisionsURL.path, row: 0, problem: "city \(code) has no province \(provinceCode)")
            }
            guard let english = englishNames[code] else {
                throw IINError.gazetteer(file: curated.path, row: 0, problem: "no English name for \(code) \(name); add it")
            }
            guard let (lng, lat) = coordinates[code] ?? fallbackCoordinates[code] else {
                throw IINError.gazetteer(file: curated.path, row: 0, problem: "no coordinates for \(code) \(name) in cpca; add them")
            }
            cityLines.append(CSVWriter.line([String(code), name, english, String(provinceCode), provinceName,
                                             level(of: code, name: name).rawValue, lng, lat]))
            cityCodes.insert(code)
        }

        // cpca has no point for 117 units (most created 2015-2020): they get
        // their outline's centroid, and the `point` column says which.
        let countyOutlines = try OutlineDerivation.features(sharedData.appendingPathComponent("boundaries/counties.geojson"))
        var countyLines = [CSVWriter.line(["code", "name", "city_code", "lng", "lat", "point"])]
        var countyCities: [Int: Int] = [:]
        for (code, name) in divisions where code % 100 != 0 {
            let city: Int
            if municipalityCodes.contains(code / 10000 * 10000) {
                city = code / 10000 * 10000
            } else if (code / 100) % 100 == 90 {
                city = code
            } else {
                city = code / 100 * 100
            }
            guard cityCodes.contains(city) else {
                throw IINError.gazetteer(file: divisionsURL.path, row: 0, problem: "county \(code) \(name) maps to \(city), which is not a city")
            }
            var (lng, lat, source) = coordinates[code].map { ($0.0, $0.1, "cpca") } ?? ("", "", "")
            if source.isEmpty, let polygons = OutlineDerivation.county(code, in: countyOutlines), let centre = OutlineDerivation.centroid(polygons) {
                (lng, lat, source) = (String(format: "%.6f", centre.longitude), String(format: "%.6f", centre.latitude), "outline")
            }
            countyLines.append(CSVWriter.line([String(code), name, String(city), lng, lat, source]))
            countyCities[code] = city
        }
        let history = try HistoryDerivation.derive(sharedData: sharedData, countyCities: countyCities, cityCodes: cityCodes)
        return Output(citiesCSV: cityLines.joined(), countiesCSV: countyLines.joined(),
                      townshipsCSV: try townships(sharedData.appendingPathComponent("mca2025/divisions.csv")),
                      historyCSV: history.historyCSV, codesCSV: history.codesCSV)
    }

    static func townships(_ url: URL) throws(IINError) -> String {
        let table = try CSVTable.read(url)
        let level = try table.columnIndex("level")
        let code = try table.columnIndex("code")
        let parent = try table.columnIndex("parent_code")
        let name = try table.columnIndex("name")
        var byCounty: [String: [(String, String)]] = [:]
        for row in table.rows where row[level] == "4" {
            byCounty[row[parent], default: []].append((row[code], row[name]))
        }
        var lines = [CSVWriter.line(["county_code", "name"])]
        for county in byCounty.keys.sorted() {
            for (_, township) in byCounty[county]!.sorted(by: { $0.0 < $1.0 }).prefix(townshipsPerCounty) {
                lines.append(CSVWriter.line([county, township]))
            }
        }
        return lines.joined()
    }
}
