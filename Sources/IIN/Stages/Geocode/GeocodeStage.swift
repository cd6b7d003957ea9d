import Foundation
import Synchronization

/// Stage 2: resolves both sides of every record to one 2020 city, trying
/// the configured methods in order (see stages/geocode.json).
///
/// It reads the ingest artifact as bytes, in batches; each batch is split
/// across threads, each with its own memo of region texts, and the results
/// are written in input order, so the output does not depend on the thread
/// count.
public struct GeocodeStage: Stage {
    public static let kind = "geocode"
    public static let codeVersion = 8
    public static let usesGazetteer = true
    public static let recordsFile = "geocoded.bin"
    /// Per record, in the same order, four little-endian UInt64: key digest
    /// high and low, year << 1 | link type, input file index. Fixed width so
    /// deduplication reads it in parallel without decoding records.
    public static let keysFile = "keys.bin"
    public static let overridesInput = "overrides"

    static let batchSize = 1 << 18
    static let piecesPerThread = 4

    public init() {}

    /// Reads the `methods` parameter: known names, each once.
    public static func methods(from parameters: JSONValue?) throws(IINError) -> [GeocodeMethod] {
        guard let list = parameters?.arrayValue else { return Geocoder.defaultMethods }
        var methods: [GeocodeMethod] = []
        for (position, item) in list.enumerated() {
            guard let name = item.stringValue, let method = GeocodeMethod(name: name), !methods.contains(method) else {
                throw IINError.pipeline(file: "pipeline.json", jsonPath: "$.stages (geocode).params.methods[\(position)]",
                                        problem: "'\(item)' is not a geocoding method, or is listed twice",
                                        fix: "Use each of \(GeocodeMethod.allCases.map(\.name).joined(separator: ", ")) at most once.")
            }
            methods.append(method)
        }
        return methods
    }

    public func run(_ context: StageContext) throws(IINError) -> StageOutcome {
        let ingest = try context.upstreamFolder(kind: IngestStage.kind)
        var accounting = try RecordAccounting.read(from: ingest)
        let methods = try Self.methods(from: context.parameter("methods"))
        var overrides = GeocodeOverrides()
        if methods.contains(.overrides) {
            for url in context.inputFiles[Self.overridesInput] ?? [] {
                let loaded = try GeocodeOverrides.load(url, gazetteer: context.gazetteer)
                overrides = overrides.merging(loaded)
            }
        }
        let geocoder = Geocoder(gazetteer: context.gazetteer, methods: methods, overrides: overrides)
        // Asking every method is what the disagreement counts need, and
        // costs about six times the cascade; a deterministic sample of one
        // record in N keeps the stage fast (see docs/performance.md).
        let compareEvery = context.parameter("compare_every")?.intValue ?? 16
        let external: AmapGeocoder? = methods.contains(.external)
            ? try AmapGeocoder(settings: AmapGeocoder.Settings(parameters: context.parameter("external"), workFolder: context.reportFolder.deletingLastPathComponent()),
                               gazetteer: context.gazetteer, codes: geocoder.codes)
            : nil

        let artifact = try MappedIngestArtifact(folder: ingest, fileCount: accounting.files.count)
        var parser = artifact.parser()
        let fileNames = accounting.files.map(\.file)

        let output = try BufferedFileWriter(url: context.output.appendingPathComponent(Self.recordsFile))
        let keys = try BufferedFileWriter(url: context.output.appendingPathComponent(Self.keysFile))
        let rejects = try RejectsWriter(folder: context.output)
        let memos = Mutex<[RegionMemo]>([])
        let finishInWorkers = external == nil
        var tally = GeocodeTally()
        var written = 0
        var batch: [IngestedRecordView] = []
        var batchStart = 0
        batch.reserveCapacity(Self.batchSize)
        context.progress.begin("geocode", total: accounting.total.rowsRead, unit: "records")

        func flush() throws(IINError) {
            let views = UncheckedViews(views: batch)
            let firstRecord = batchStart
            let pieces = max(1, min(batch.count / 1024, context.threads * Self.piecesPerThread))
            let results = Parallel.map(count: pieces, threads: context.threads) { piece -> BatchResult in
                var memo = memos.withLock { $0.popLast() } ?? RegionMemo()
                defer { memos.withLock { [memo] in $0.append(memo) } }
                let range = (views.views.count * piece / pieces)..<(views.views.count * (piece + 1) / pieces)
                return Self.geocode(views.views[range], firstRecord: firstRecord, geocoder: geocoder, memo: &memo, compareEvery: compareEvery,
                                    finish: finishInWorkers, fileNames: fileNames)
            }
            for result in results {
                tally.merge(result.tally)
                if let external {
                    for (offset, outcomes) in result.outcomes.enumerated() {
                        let view = views.views[result.range.lowerBound + offset]
                        var investor = outcomes.0, investee = outcomes.1
                        for (side, fields) in [(0, view.investor), (1, view.investee)] {
                            let outcome = side == 0 ? investor : investee
                            guard outcome.method == nil else { continue }
                            let text = String(decoding: fields.address.isEmpty ? fields.region : fields.address, as: UTF8.self)
                            let answer = try external.answer(for: text)
                            if answer.isResult {
                                tally.resolvedBy[GeocodeMethod.external.rawValue] += 1
                                tally.answeredBy[GeocodeMethod.external.rawValue] += 1
                                tally.unresolved -= 1
                                if answer == .outsideMainland { tally.outside += 1 }
                                var resolved = outcome
                                resolved.answer = answer
                                resolved.method = .external
                                resolved.answers[.external] = MethodAnswers.encode(answer)
                                if side == 0 { investor = resolved } else { investee = resolved }
                            }
                        }
                        var single = BatchResult(range: 0..<0)
                        Self.finish(view, investor, investee, geocoder: geocoder, into: &single, fileNames: fileNames)
                        try apply(single)
                    }
                } else {
                    try apply(result)
                }
            }
            context.progress.advance(by: batch.count)
            batchStart += batch.count
            batch.removeAll(keepingCapacity: true)
        }

        func apply(_ result: BatchResult) throws(IINError) {
            output.write(block: result.geocoded)
            keys.write(block: result.keys)
            written += result.written
            for reject in result.rejects {
                accounting.reject(reject.reason, file: reject.file)
                try rejects.add(file: fileNames[reject.file], line: reject.line, reason: reject.reason, detail: reject.detail, text: reject.text)
            }
        }

        while !parser.atEnd {
            batch.append(try parser.next())
            if batch.count == Self.batchSize {
                try flush()
                artifact.releasePages(before: parser)
            }
        }
        if !batch.isEmpty { try flush() }
        try output.close()
        try keys.close()
        try rejects.close()

        var report = tally.report(methods: methods)
        if let external {
            report.externalRequests = external.requests
            report.externalCacheHits = external.cacheHits
        }
        for method in methods { accounting.geocodeMethods[method.name, default: 0] += report.resolvedBy[method.name, default: 0] }
        try accounting.write(to: context.output)
        try report.write(to: context.output)
        let total = accounting.total
        return StageOutcome(counts: ["records": written, "outside_mainland": total.rejections(.outsideMainland),
                                     "ungeocodable": total.rejections(.ungeocodable), "sides": report.sides,
                                     "distinct_regions": memos.withLock { $0.map(\.count).max() ?? 0 }])
    }

    struct Reject: Sendable {
        var file: Int
        var line: Int
        var reason: RejectionReason
        var detail: String
        var text: String
    }

    struct BatchResult: Sendable {
        var range: Range<Int>
        var geocoded: [UInt8] = []
        var keys: [UInt8] = []
        var written = 0
        var rejects: [Reject] = []
        var tally = GeocodeTally()
        /// Both sides' outcomes, kept only when the external service must
        /// still be asked (then nothing is encoded here).
        var outcomes: [(SideOutcome, SideOutcome)] = []
    }

    /// - Parameter firstRecord: the position in the input of the batch's
    ///   first record, so the compared sample is the same for any split.
    static func geocode(_ views: ArraySlice<IngestedRecordView>, firstRecord: Int, geocoder: Geocoder, memo: inout RegionMemo, compareEvery: Int,
                        finish: Bool, fileNames: [String]) -> BatchResult {
        var result = BatchResult(range: views.startIndex..<views.endIndex)
        result.geocoded.reserveCapacity(views.count * 160)
        result.keys.reserveCapacity(views.count * 32)
        for (position, view) in zip(views.indices, views) {
            let compare = compareEvery > 0 && (firstRecord + position) % compareEvery == 0
            let investor = geocoder.resolve(view.investor, memo: &memo, compareAll: compare)
            let investee = geocoder.resolve(view.investee, memo: &memo, compareAll: compare)
            result.tally.count(investor, compared: compare) { (fileNames[view.file], view.line, "investor", String(decoding: view.investor.name, as: UTF8.self)) }
            result.tally.count(investee, compared: compare) { (fileNames[view.file], view.line, "investee", String(decoding: view.investee.name, as: UTF8.self)) }
            if finish {
                Self.finish(view, investor, investee, geocoder: geocoder, into: &result, fileNames: fileNames)
            } else {
                result.outcomes.append((investor, investee))
            }
        }
        return result
    }

    /// Writes a record whose sides both resolved, or rejects it.
    static func finish(_ view: IngestedRecordView, _ investor: SideOutcome, _ investee: SideOutcome, geocoder: Geocoder,
                       into result: inout BatchResult, fileNames: [String]) {
        if investor.answer == .outsideMainland || investee.answer == .outsideMainland {
            let side = investor.answer == .outsideMainland ? ("investor", investor, view.investor) : ("investee", investee, view.investee)
            let detail = "\(side.0) is outside the mainland by its \(side.1.method?.name ?? "?"): " + describe(side.2, method: side.1.method)
            result.rejects.append(Reject(file: view.file, line: view.line, reason: .outsideMainland, detail: detail, text: text(view)))
            return
        }
        guard case let .city(investorCity) = investor.answer, case let .city(investeeCity) = investee.answer,
              let investorMethod = investor.method, let investeeMethod = investee.method else {
            var problems: [String] = []
            for (label, outcome, fields) in [("investor", investor, view.investor), ("investee", investee, view.investee)] where outcome.method == nil {
                let explained = geocoder.explain(name: string(fields.name), creditCode: string(fields.creditCode), region: string(fields.region),
                                                 address: string(fields.address))
                problems.append("\(label): " + explained.map { "\($0.method.name) \($0.detail)" }.joined(separator: "; "))
            }
            result.rejects.append(Reject(file: view.file, line: view.line, reason: .ungeocodable, detail: problems.joined(separator: " || "), text: text(view)))
            return
        }
        result.geocoded.appendVarint(UInt64(view.file))
        result.geocoded.appendVarint(UInt64(view.line))
        result.geocoded.appendLengthPrefixed(view.recordID)
        result.geocoded.appendLengthPrefixed(view.investor.name)
        result.geocoded.appendLengthPrefixed(view.investee.name)
        result.geocoded.appendFixed64(view.digestHigh)
        result.geocoded.appendFixed64(view.digestLow)
        result.geocoded.append(contentsOf: view.capital)
        result.geocoded.appendVarint(UInt64(view.year))
        result.geocoded.appendVarint(UInt64(view.linkType))
        result.geocoded.appendVarint(UInt64(investorCity))
        result.geocoded.appendVarint(UInt64(investeeCity))
        result.geocoded.appendVarint(UInt64(investorMethod.rawValue))
        result.geocoded.appendVarint(UInt64(investeeMethod.rawValue))
        result.keys.appendFixed64(view.digestHigh)
        result.keys.appendFixed64(view.digestLow)
        result.keys.appendFixed64(UInt64(view.year << 1 | view.linkType))
        result.keys.appendFixed64(UInt64(view.file))
        result.written += 1
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    static func text(_ view: IngestedRecordView) -> String { string(view.investor.name) + " -> " + string(view.investee.name) }

    static func describe(_ fields: SideFields, method: GeocodeMethod?) -> String {
        switch method {
        case .region: return "region '\(string(fields.region))'"
        case .address: return "address '\(string(fields.address))'"
        case .name: return "name '\(string(fields.name))'"
        case .creditCode: return "credit code '\(string(fields.creditCode))'"
        case .overrides: return "overrides table entry for '\(string(fields.name))'"
        case .external: return "external service on '\(string(fields.address.isEmpty ? fields.region : fields.address))'"
        case nil: return ""
        }
    }
}

/// A batch of record views for worker threads: the views point into files
/// mapped for the whole stage and only read, so sharing them is safe.
struct UncheckedViews: @unchecked Sendable {
    let views: [IngestedRecordView]
}
