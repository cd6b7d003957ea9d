import Foundation

/// Stage 2: resolves both sides of every record to one 2020 city, trying
/// the configured methods in order (see stages/geocode.json).
public struct GeocodeStage: Stage {
    public static let kind = "geocode"
    public static let codeVersion = 5
    public static let usesGazetteer = true
    public static let recordsFile = "geocoded.bin"
    /// Per record, in the same order, four little-endian UInt64: key digest
    /// high and low, year << 1 | link type, input file index. Fixed width so
    /// deduplication reads it in parallel without decoding records.
    public static let keysFile = "keys.bin"

    public init() {}

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        let ingest = try context.upstreamFolder(kind: IngestStage.kind)
        var accounting = try RecordAccounting.read(from: ingest)
        let methods = (context.parameter("methods")?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(GeocodeMethod.init(name:)) }
        let resolver = RegionResolver(gazetteer: context.gazetteer)
        var memo: [String: PlaceAnswer] = [:]
        func resolve(_ party: PartyText) -> (PlaceAnswer, GeocodeMethod?) {
            var lastNone = PlaceAnswer.none(candidates: [])
            for method in methods {
                switch method {
                case .region:
                    let answer: PlaceAnswer
                    if let known = memo[party.region] {
                        answer = known
                    } else {
                        answer = resolver.resolve(party.region)
                        memo[party.region] = answer
                    }
                    if case .none = answer {
                        lastNone = answer
                        continue
                    }
                    return (answer, method)
                }
            }
            return (lastNone, nil)
        }

        let output = try BufferedFileWriter(url: context.output.appendingPathComponent(Self.recordsFile))
        let keys = try BufferedFileWriter(url: context.output.appendingPathComponent(Self.keysFile))
        var keyBuffer: [UInt8] = []
        let rejects = try RejectsWriter(folder: context.output)
        var methodCounts: [String: Int] = [:]
        var written = 0
        var processed = 0
        context.progress.begin("geocode", total: accounting.total.rowsRead, unit: "records")
        try IngestedRecords(folder: ingest).forEach { record throws(IINError) in
            let (investor, investorMethod) = resolve(record.investor)
            let (investee, investeeMethod) = resolve(record.investee)
            for method in [investorMethod, investeeMethod] {
                if let method { methodCounts[method.name, default: 0] += 1 }
            }
            let fileName = accounting.files[record.location.file].file
            processed += 1
            if processed % 65536 == 0 { context.progress.advance(by: 65536) }
            if investor == .outsideMainland || investee == .outsideMainland {
                accounting.reject(.outsideMainland, file: record.location.file)
                let side = investor == .outsideMainland ? "investor region '\(record.investor.region)'" : "investee region '\(record.investee.region)'"
                try rejects.add(file: fileName, line: record.location.line, reason: .outsideMainland, detail: side + " is outside the mainland",
                            text: "\(record.investor.name) -> \(record.investee.name)")
                return
            }
            guard case let .city(investorCity) = investor, case let .city(investeeCity) = investee,
                  let investorMethod, let investeeMethod else {
                accounting.reject(.ungeocodable, file: record.location.file)
                var problems: [String] = []
                if case let .none(candidates) = investor { problems.append(Self.describe(side: "investor", region: record.investor.region, candidates: candidates)) }
                if case let .none(candidates) = investee { problems.append(Self.describe(side: "investee", region: record.investee.region, candidates: candidates)) }
                try rejects.add(file: fileName, line: record.location.line, reason: .ungeocodable, detail: problems.joined(separator: "; "),
                            text: "\(record.investor.name) -> \(record.investee.name)")
                return
            }
            RecordCodec.write(GeocodedRecord(location: record.location, recordID: record.recordID, investorName: record.investor.name,
                                             investeeName: record.investee.name, keyDigest: record.keyDigest, capital: record.capital,
                                             year: record.year, linkType: record.linkType, investorCity: investorCity, investeeCity: investeeCity,
                                             investorMethod: investorMethod, investeeMethod: investeeMethod), to: output)
            keyBuffer.removeAll(keepingCapacity: true)
            keyBuffer.appendFixed64(record.keyDigest.high)
            keyBuffer.appendFixed64(record.keyDigest.low)
            keyBuffer.appendFixed64(UInt64(record.year << 1 | record.linkType.rawValue))
            keyBuffer.appendFixed64(UInt64(record.location.file))
            keys.write(keyBuffer)
            written += 1
        }
        try output.close()
        try keys.close()
        try rejects.close()
        for (method, count) in methodCounts { accounting.geocodeMethods[method, default: 0] += count }
        try accounting.write(to: context.output)
        let total = accounting.total
        return StageOutcome(counts: ["records": written, "outside_mainland": total.rejections(.outsideMainland),
                                     "ungeocodable": total.rejections(.ungeocodable), "distinct_regions": memo.count])
    }

    static func describe(side: String, region: String, candidates: [Int]) -> String {
        if candidates.isEmpty { return "\(side) region '\(region)' names no city" }
        return "\(side) region '\(region)' fits \(candidates.count) cities (\(candidates.map(String.init).joined(separator: ", ")))"
    }
}
