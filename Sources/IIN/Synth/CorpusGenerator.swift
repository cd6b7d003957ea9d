import Foundation

/// Writes a synthetic raw corpus in the contract's format, with a truth file
/// saying what each record is: the true city of each side, how its region
/// names the place, and which defect (if any) it carries.
///
/// Memory stays bounded at any size: records are written as they are made,
/// and duplicates copy from a fixed-size ring of recent records.
public struct CorpusGenerator {
    public struct Options: Sendable {
        public var records: Int
        public var seed: UInt64
        public var files: Int

        public init(records: Int, seed: UInt64, files: Int) {
            self.records = records
            self.seed = seed
            self.files = max(1, files)
        }
    }

    public struct Summary: Sendable, Equatable {
        public var records = 0
        public var files: [String] = []
        public var defects: [String: Int] = [:]
        public var bytes = 0
    }

    /// Rates of the defects injected, per record.
    static let defectRates: [(Defect, Double)] = [
        (.duplicate, 0.020), (.variantDuplicate, 0.010), (.malformed, 0.003), (.missingName, 0.003), (.badDate, 0.003),
        (.badLinkType, 0.001), (.selfInvestment, 0.002), (.outsideMainland, 0.005),
    ]

    enum Defect: String {
        case none, duplicate, variantDuplicate = "variant_duplicate", malformed, missingName = "missing_name", badDate = "bad_date"
        case badLinkType = "bad_link_type", selfInvestment = "self_investment", outsideMainland = "outside_mainland"
        case ungeocodable
    }

    /// Share of records whose investee is given only by ambiguous clues.
    static let ambiguousOnlyRate = 0.004

    public static let header = ["记录编号", "投资方名称", "投资方统一社会信用代码", "投资方所属地区", "投资方地址", "被投资方名称", "被投资方统一社会信用代码",
                                "被投资方所属地区", "被投资方地址", "实缴出资额", "出资日期", "关系类型", "备注"]
    public static let truthHeader = ["record_id", "file", "defect", "duplicate_of", "investor_city", "investee_city", "investor_clue", "investee_clue", "year", "link_type",
                                     "investor_evidence", "investee_evidence", "investor_county", "investee_county"]

    /// Share of records that are a head office's branch inside one
    /// province, so a county-level study of that province (Guizhou, as in
    /// fixtures/guizhou) has a network to measure.
    static let provincialBranchRate = 0.06
    static let branchProvince = 520000

    let options: Options
    let model: CityGravityModel
    let factory: EnterpriseFactory
    /// The branch province's cities (by model index) and counties, each
    /// with its weight: the capital's districts draw head offices most.
    let provinceCities: WeightedChoice
    let provinceCityIndices: [Int]
    let provinceCounties: [Int: (counties: [CountyUnit], headOffices: WeightedChoice)]

    public init(options: Options, gazetteer: Gazetteer) throws(IINError) {
        self.options = options
        self.model = CityGravityModel(gazetteer: gazetteer)
        let townships = try CSVTable.read(Bundle.module.resourceURL!.appendingPathComponent("synth/townships.csv"))
        let crosswalk = Bundle.module.resourceURL!.appendingPathComponent("synth/areacodes-result.csv")
        let crosswalkCSV = String(decoding: try FileBytes.read(crosswalk), as: UTF8.self)
        self.factory = EnterpriseFactory(gazetteer: gazetteer, townships: townships, crosswalkCSV: crosswalkCSV)
        let indices = gazetteer.cities.indices.filter { gazetteer.cities[$0].provinceCode == Self.branchProvince }
        let capital = indices.first { gazetteer.cities[$0].code % 10000 == 100 }
        provinceCityIndices = indices
        provinceCities = WeightedChoice(weights: indices.map { $0 == capital ? 4.0 : 1.0 })
        var counties: [Int: (counties: [CountyUnit], headOffices: WeightedChoice)] = [:]
        for index in indices {
            let city = gazetteer.cities[index]
            let units = factory.countiesByCity[city.code] ?? []
            counties[index] = (units, WeightedChoice(weights: units.map { unit in
                (index == capital ? 3.0 : 1.0) * (unit.name.hasSuffix("区") ? 3.0 : 1.0)
            }))
        }
        provinceCounties = counties
    }

    /// The county-level unit a side's clues name, as the truth file gives
    /// it: a city's only unit, else the first of region, credit code and
    /// address (the cascade's order) to name one inside its city.
    func expectedCounty(_ enterprise: SyntheticEnterprise, regionNamesCounty: Bool) -> Int? {
        let city = model.cities[enterprise.cityIndex]
        let units = factory.countiesByCity[city.code] ?? []
        if units.isEmpty { return city.code }
        if units.count == 1 { return units[0].code }
        let regionCounty = regionNamesCounty ? factory.truth.county(named: enterprise.county.name, in: city.code) : nil
        return regionCounty ?? enterprise.codeCounty ?? enterprise.addressCounty
    }

    struct Row {
        var fields: [String]
        var truth: [String]
    }

    public func write(to folder: URL, progress: ProgressReporter) throws(IINError) -> Summary {
        let raw = folder.appendingPathComponent("raw")
        try DiskWrites.makeFolder(raw)
        var random = SeededRandom(seed: options.seed)
        var summary = Summary()
        let truthOutput = try BufferedFileWriter(url: folder.appendingPathComponent("truth.csv"))
        var truth = CSVWriter(output: truthOutput)
        truth.writeRow(Self.truthHeader)

        let perFile = (options.records + options.files - 1) / options.files
        var ring: [Row] = []
        let ringSize = 4096
        var investorPools = [[SyntheticEnterprise]](repeating: [], count: model.cities.count)
        let yearChoice = WeightedChoice(weights: CityGravityModel.sliceSizes)
        let otherYears = (1990...2024).filter { !CityGravityModel.sliceYears.contains($0) }

        var keptKeys = Set<UInt64>()
        progress.begin("synth", total: options.records, unit: "records")
        var serial = 0
        for fileNumber in 1...options.files {
            let name = String(format: "records-%03d.csv", fileNumber)
            let output = try BufferedFileWriter(url: raw.appendingPathComponent(name))
            output.write(CSVWriter.line(Self.header))
            summary.files.append(name)
            let count = min(perFile, options.records - serial)
            for _ in 0..<max(0, count) {
                serial += 1
                let defect = Self.drawDefect(&random)
                var row: Row
                if (defect == .duplicate || defect == .variantDuplicate) && !ring.isEmpty {
                    let original = random.pick(ring)
                    row = original
                    let id = "R" + String(format: "%09d", serial)
                    row.fields[0] = id
                    row.fields[10] = Self.reformatDate(original.fields[10], &random)
                    if defect == .variantDuplicate {
                        row.fields[1] = Self.variant(of: row.fields[1], &random)
                        row.fields[5] = Self.variant(of: row.fields[5], &random)
                    }
                    row.truth[0] = id
                    row.truth[2] = defect.rawValue
                    row.truth[3] = original.truth[0]
                } else {
                    let year = random.chance(0.1) ? random.pick(otherYears) : CityGravityModel.sliceYears[yearChoice.draw(&random)]
                    repeat {
                        row = makeRecord(serial: serial, year: year, defect: defect == .duplicate || defect == .variantDuplicate ? .none : defect,
                                         pools: &investorPools, &random)
                        // Drawn names can repeat by chance: a fresh record
                        // that duplicates an earlier kept one is drawn again,
                        // so every duplicate is one the truth file names.
                    } while row.truth[2] == Defect.none.rawValue && !keptKeys.insert(Self.dedupeKey(row)).inserted
                }
                row.truth[1] = name
                summary.defects[row.truth[2], default: 0] += 1
                if row.truth[2] == Defect.malformed.rawValue {
                    // A stray trailing comma, or a bare quote in a field.
                    var line = CSVWriter.line(row.fields)
                    line.removeLast()
                    let broken = line.replacingOccurrences(of: "有限", with: "有\"限")
                    output.write(random.chance(0.5) || broken == line ? line + ",\n" : broken + "\n")
                } else {
                    output.write(CSVWriter.line(row.fields))
                    if row.truth[2] == Defect.none.rawValue {
                        if ring.count < ringSize { ring.append(row) } else { ring[random.below(ringSize)] = row }
                    }
                }
                if random.chance(0.001) { output.write("\n") }
                truth.writeRow(row.truth)
                summary.records += 1
                if serial % 50_000 == 0 { progress.advance(by: 50_000) }
            }
            try output.close()
            summary.bytes += output.bytesWritten
        }
        try truthOutput.close()
        return summary
    }

    /// The contract's duplicate key (investor, investee, link type, year),
    /// hashed with FNV-1a so the set costs 8 bytes a record. Fresh names
    /// are written plainly (no full-width forms or spaces), so the names
    /// themselves stand for the enterprise keys.
    static func dedupeKey(_ row: Row) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for field in [row.fields[1], row.fields[5], row.truth[9], row.truth[8]] {
            for byte in field.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0x1F) &* 0x100_0000_01b3
        }
        return hash
    }

    static func drawDefect(_ random: inout SeededRandom) -> Defect {
        var roll = random.unit()
        for (defect, rate) in defectRates {
            if roll < rate { return defect }
            roll -= rate
        }
        return .none
    }

    private func makeRecord(serial: Int, year: Int, defect: Defect, pools: inout [[SyntheticEnterprise]], _ random: inout SeededRandom) -> Row {
        let provincial = !provinceCityIndices.isEmpty && random.chance(Self.provincialBranchRate)
        let investorIndex = provincial ? provinceCityIndices[provinceCities.draw(&random)] : model.investorCity(&random)
        let poolSlot: Int
        if pools[investorIndex].count >= 8 && random.chance(0.6) {
            poolSlot = random.below(pools[investorIndex].count)
        } else {
            let fresh: SyntheticEnterprise
            if provincial, let (units, weights) = provinceCounties[investorIndex], !units.isEmpty {
                fresh = factory.makeEnterprise(cityIndex: investorIndex, county: units[weights.draw(&random)], year: year, &random)
            } else {
                fresh = factory.makeEnterprise(cityIndex: investorIndex, year: year, &random)
            }
            if pools[investorIndex].count < 64 {
                pools[investorIndex].append(fresh)
                poolSlot = pools[investorIndex].count - 1
            } else {
                poolSlot = random.below(64)
                pools[investorIndex][poolSlot] = fresh
            }
        }
        let branch = provincial || random.chance(0.06)
        var investeeIndex: Int
        var investee: SyntheticEnterprise
        if provincial {
            // In another city of the province as often as any investment
            // leaves its city that year (the paper's intercity share).
            investeeIndex = random.chance(CityGravityModel.intercityShare(year)) ? provinceCityIndices[random.below(provinceCityIndices.count)] : investorIndex
            investee = factory.makeEnterprise(cityIndex: investeeIndex, year: year, &random)
        } else {
            investeeIndex = model.investeeCity(of: investorIndex, year: year, &random)
            investee = factory.makeEnterprise(cityIndex: investeeIndex, year: year, &random)
        }
        var ambiguousRegion: String?
        if !branch && defect == .none && random.chance(Self.ambiguousOnlyRate) {
            let (made, region) = factory.makeAmbiguousEnterprise(year: year, &random)
            investee = made
            investeeIndex = made.cityIndex
            ambiguousRegion = region
        }
        if branch {
            // Numbered per head office, as registrations are, so two branches
            // of one company are never the same enterprise by accident.
            pools[investorIndex][poolSlot].branches += 1
            let number = pools[investorIndex][poolSlot].branches
            let place = factory.cityShortName(model.cities[investeeIndex])
            investee.name = pools[investorIndex][poolSlot].name + place + (number == 1 ? "" : "第\(number)") + "分公司"
        }
        let investor = pools[investorIndex][poolSlot]
        if defect == .selfInvestment { investee = investor }

        var (investorRegion, investorClue, investorRegionCounty) = factory.region(for: investor, year: year, &random)
        var (investeeRegion, investeeClue, investeeRegionCounty) = factory.region(for: investee, year: year, &random)
        if let ambiguousRegion {
            (investeeRegion, investeeClue) = random.chance(0.5) ? (ambiguousRegion, .countyAmbiguous) : ("", .empty)
            investeeRegionCounty = !investeeRegion.isEmpty
        }
        if defect == .outsideMainland {
            investorRegion = random.pick(["香港", "中国香港", "香港特别行政区", "澳门", "台湾省台北市", "开曼群岛", "英属维尔京群岛", "新加坡", "美国", "日本"])
            investorClue = .outside
            investorRegionCounty = false
        }
        let linkText: String
        if defect == .badLinkType {
            linkText = random.pick(["joint", "合资", "loan"])
        } else if branch {
            linkText = random.pick(["branch", "分支机构", "分支", "Branch"])
        } else {
            linkText = random.pick(["", "", "", "investment", "投资"])
        }
        var dateText = Self.formatDate(year: year, &random)
        if defect == .badDate { dateText = random.pick(["2010-02-30", "2011-13-01", "不详", "", "1899-05-01", "2099-01-01", "20100231"]) }
        var investorName = investor.name
        var investeeName = investee.name
        if defect == .missingName {
            if random.chance(0.5) { investorName = random.pick(["", " "]) } else { investeeName = "" }
        }
        // A branch's name ends with its own city ("…南京分公司").
        let investeeNameIsClear = branch || investee.nameIsClear
        let investorClear = investorClue.isClear || investor.codeIsClear || investor.addressIsClear || investor.nameIsClear
        let investeeClear = investeeClue.isClear || investee.codeIsClear || investee.addressIsClear || investeeNameIsClear
        var defect = defect
        if defect == .none && (!investorClear || !investeeClear) { defect = .ungeocodable }
        let id = "R" + String(format: "%09d", serial)
        let fields = [id, investorName, investor.creditCode, investorRegion, investor.address, investeeName, investee.creditCode,
                      investeeRegion, investee.address, Self.capital(&random), dateText, linkText, random.chance(0.05) ? "备注:抽样" : ""]
        let truthRow = [id, "", defect.rawValue, "", defect == .outsideMainland ? "" : String(model.cities[investorIndex].code),
                        String(model.cities[investeeIndex].code), investorClue.rawValue, investeeClue.rawValue, String(year), branch ? "branch" : "investment",
                        investorClear ? "clear" : "ambiguous_only", investeeClear ? "clear" : "ambiguous_only",
                        defect == .outsideMainland ? "" : expectedCounty(investor, regionNamesCounty: investorRegionCounty).map(String.init) ?? "",
                        expectedCounty(investee, regionNamesCounty: investeeRegionCounty).map(String.init) ?? ""]
        return Row(fields: fields, truth: truthRow)
    }

    static func capital(_ random: inout SeededRandom) -> String {
        switch random.below(10) {
        case 0: return "-"
        case 1: return ""
        case 2: return String(format: "%.1f万美元", Double(random.below(10_000)) / 10)
        case 3: return String(1 + random.below(50)) + "亿元人民币"
        case 4: return String(10_000 + random.below(5_000_000)) + "元"
        default: return String(1 + random.below(9_999)) + "万元人民币"
        }
    }

    static func formatDate(year: Int, _ random: inout SeededRandom) -> String {
        let month = 1 + random.below(12)
        let day = 1 + random.below(28)
        let mm = String(format: "%02d", month)
        let dd = String(format: "%02d", day)
        switch random.below(12) {
        case 0: return "\(year)/\(month)/\(day)"
        case 1: return "\(year).\(mm).\(dd)"
        case 2: return "\(year)\(mm)\(dd)"
        case 3: return "\(year)年\(month)月\(day)日"
        case 4: return "\(year)年\(month)月"
        case 5: return "\(year)年"
        case 6: return "\(year)-\(month)"
        case 7: return "\(year)"
        case 8: return "\(year)-\(mm)-\(dd) 00:00:00"
        case 9: return "\(year)-\(mm)-\(dd)T08:30"
        default: return "\(year)-\(mm)-\(dd)"
        }
    }

    /// The same date (same year) written another way, as re-crawled rows are.
    static func reformatDate(_ text: String, _ random: inout SeededRandom) -> String {
        guard let year = DateParser.year(text) else { return text }
        return formatDate(year: year, &random)
    }

    /// The same name as another crawl might spell it: full-width letters,
    /// digits and brackets, and stray spaces. NFKC and white-space removal
    /// undo every change, so its key is the original's.
    static func variant(of name: String, _ random: inout SeededRandom) -> String {
        var out = ""
        for character in name {
            switch character {
            case "(": out.append("（")
            case ")": out.append("）")
            case "A"..."Z", "0"..."9":
                out.unicodeScalars.append(Unicode.Scalar(character.unicodeScalars.first!.value + 0xFEE0)!)
            default: out.append(character)
            }
            if random.chance(0.08) { out.append(random.chance(0.5) ? " " : "\u{3000}") }
        }
        return out
    }
}
