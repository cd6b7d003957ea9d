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
    public static let codeVersion = 12
    public static let usesGazetteer = true
    public static let reads: [String] = [IngestStage.kind]
    public static let overridesInput = "overrides"

    static let batchSize = 1 << 18
    static let piecesPerThread = 4

    public init() {}

    /// See stages/geocode.json for the defaults and the meaning.
    public struct Parameters: StageParameters {
        /// In the order tried; the schema allows only known names.
        public var methods: [GeocodeMethod]
        public var compareEvery: Int
        public var external: AmapGeocoder.Settings

        enum CodingKeys: String, CodingKey { case methods, compareEvery = "compare_every", external }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            methods = try container.decode([GeocodeMethod.ByName].self, forKey: .methods).map(\.method)
            compareEvery = try container.decode(Int.self, forKey: .compareEvery)
            external = try container.decode(AmapGeocoder.Settings.self, forKey: .external)
        }

        public func problems() -> [ParameterProblem] {
            var problems: [ParameterProblem] = []
            for (position, method) in methods.enumerated() where methods[..<position].contains(method) {
                problems.append(ParameterProblem(path: "methods[\(position)]", problem: "'\(method.name)' is listed twice",
                                                 fix: "List each of \(GeocodeMethod.allCases.map(\.name).joined(separator: ", ")) at most once."))
            }
            // The service settings matter only when the service is asked.
            if methods.contains(.external) { problems += external.problems() }
            return problems
        }
    }

    /// The cascade the stage runs, from its parameters and overrides
    /// files: `iin geocode` builds its geocoder here too, so it answers as
    /// a run would.
    public static func makeGeocoder(_ parameters: Parameters, overridesFiles: [URL], gazetteer: Gazetteer) throws(IINError) -> Geocoder {
        var overrides = GeocodeOverrides()
        if parameters.methods.contains(.overrides) {
            for url in overridesFiles { overrides = overrides.merging(try GeocodeOverrides.load(url, gazetteer: gazetteer)) }
        }
        return Geocoder(gazetteer: gazetteer, methods: parameters.methods, overrides: overrides)
    }

    public func run(_ context: StageContext, parameters: Parameters) throws(IINError) -> StageOutcome {
        let ingest = try context.upstreamFolder(kind: IngestStage.kind)
        let accounting = try RecordAccounting.read(from: ingest)
        let methods = parameters.methods
        let geocoder = try Self.makeGeocoder(parameters, overridesFiles: context.inputFiles[Self.overridesInput] ?? [], gazetteer: context.gazetteer)
        // Asking every method is what the disagreement counts need, and
        // costs about six times the cascade; a deterministic sample of one
        // record in N keeps the stage fast (see docs/performance.md).
        let compareEvery = parameters.compareEvery
        let external: AmapGeocoder? = methods.contains(.external)
            ? try AmapGeocoder(settings: parameters.external, cache: parameters.external.cacheFile(workFolder: context.reportFolder.deletingLastPathComponent()),
                               gazetteer: context.gazetteer, codes: geocoder.codes)
            : nil

        let artifact = try IngestedRecordsArtifact(folder: ingest)
        // The views point into the artifact's maps until the last flush.
        defer { withExtendedLifetime(artifact) {} }
        guard artifact.manifest.parts.count == accounting.files.count else {
            throw IINError.corruptArtifact(path: ingest.path, reason: "\(artifact.manifest.parts.count) parts for \(accounting.files.count) input files")
        }
        let fileNames = accounting.files.map(\.file)
        let ingestFiles = Self.recordedFiles(of: ingest)
        let earlier = context.earlierParts.load(GeocodePart.self)
        let memos = MemoPool()
        let buffers = BufferPool()
        let viewBuffers = ViewBuffers(capacity: Self.batchSize)
        let finishInWorkers = external == nil
        var manifest = PartManifest<GeocodePart>(parts: [])
        var reused = 0
        context.progress.begin("geocode", total: accounting.total.rowsRead, unit: "records")

        // Each input file is a part keyed by its ingest part's key and this
        // stage's parameters, overrides and gazetteer; the compared sample
        // counts records from the file's start, so a part does not depend
        // on the files before it.
        for (part, ingestPart) in artifact.manifest.parts.enumerated() {
            let key = context.partKey(kind: Self.kind, codeVersion: Self.codeVersion, usesGazetteer: Self.usesGazetteer, perFileInputs: [],
                                      item: ingestPart.key)
            if let adopted = earlier.adopt(key: key, into: context.output, naming: { GeocodedRecordsArtifact.fileName(role: $0, part: part) }) {
                manifest.parts.append(adopted)
                reused += 1
                context.progress.advance(by: ingestPart.summary.account.rowsRead)
                continue
            }
            let sink = try GeocodedOutput(folder: context.output, part: part, fileName: fileNames[part])
            try sink.linkSource(ingestPart, from: ingest, recorded: ingestFiles, part: part)
            var tally = GeocodeTally()
            var parser = artifact.parser(part: part)

            // A pipeline of three batches: while the workers geocode one,
            // this thread writes the one before and reads the one after, so
            // reading and writing (a third of the stage's time) no longer
            // leave the workers idle. The three take turns in three fixed
            // buffers: a fresh 64 MB array per batch cost this thread a
            // page fault and a zeroed page per 4 KiB.
            var filling = 0, filled = 0
            var batchStart = 0
            var batchMark = parser
            var inFlight: InFlightBatch?
            // The workers read the mapped artifact and the buffers: never
            // leave (or throw) while a batch is still being geocoded.
            defer { _ = inFlight?.work.wait() }

            func launch() {
                let views = UncheckedViews(views: UnsafeBufferPointer(start: viewBuffers.base(filling), count: filled))
                let first = batchStart
                let threads = context.threads
                inFlight = InFlightBatch(views: views, mark: batchMark, work: BackgroundWork {
                    Self.geocodeInParallel(views, firstRecord: first, geocoder: geocoder, memos: memos, buffers: buffers, compareEvery: compareEvery,
                                           finish: finishInWorkers, fileNames: fileNames, threads: threads)
                })
                batchStart += filled
                batchMark = parser
                // The batch launched before this one is still being
                // written; the one before that is done with its buffer.
                filling = (filling + 1) % ViewBuffers.count
                filled = 0
            }

            func complete(_ flight: InFlightBatch) throws(IINError) {
                let results = flight.work.wait()
                for result in results {
                    tally.merge(result.tally)
                    if let external {
                        try Self.askExternal(external, for: result, views: flight.views.views, tally: &tally, geocoder: geocoder, fileNames: fileNames, into: sink)
                    } else {
                        try sink.apply(result)
                    }
                    buffers.recycle(result.geocoded)
                    buffers.recycle(result.keys)
                }
                context.progress.advance(by: flight.views.views.count)
                artifact.releasePages(before: flight.mark, part: part)
            }

            /// The batch just read goes to the workers while this thread
            /// writes the one before it.
            func launchAndWritePrevious() throws(IINError) {
                let previous = inFlight
                launch()
                if let previous { try complete(previous) }
            }

            while !parser.atEnd {
                (viewBuffers.base(filling) + filled).initialize(to: try parser.next())
                filled += 1
                if filled == Self.batchSize { try launchAndWritePrevious() }
            }
            if filled > 0 { try launchAndWritePrevious() }
            if let last = inFlight {
                inFlight = nil
                try complete(last)
            }
            try sink.close()
            // Rows ingest rejected never reach geocoding, but the bar counts rows.
            context.progress.advance(by: ingestPart.summary.account.rowsRead - ingestPart.summary.records)
            manifest.parts.append(.init(key: key, files: sink.files, summary: GeocodePart(written: sink.written, rejected: sink.rejected, tally: tally)))
        }
        try manifest.write(to: context.output)
        try RejectsWriter.combine(manifest.parts.compactMap { $0.files["rejects"].map(context.output.appendingPathComponent) }, into: context.output)
        var tally = GeocodeTally()
        var combined = accounting
        for (index, part) in manifest.parts.enumerated() {
            tally.merge(part.summary.tally)
            for (reason, count) in part.summary.rejected { combined.files[index].rejected[reason, default: 0] += count }
        }
        let (total, report) = try Self.writeReports(tally: tally, accounting: combined, methods: methods, external: external, to: context.output)
        return StageOutcome(counts: ["records": manifest.parts.reduce(0) { $0 + $1.summary.written }, "files_reused": reused,
                                     "outside_mainland": total.rejections(.outsideMainland), "ungeocodable": total.rejections(.ungeocodable),
                                     "sides": report.sides])
    }

    /// The files of an upstream artifact as its `artifact.json` records
    /// them, so a link to one takes its hash instead of reading it again.
    static func recordedFiles(of folder: URL) -> [String: ArtifactRecord.FileEntry] {
        Dictionary((ArtifactRecord.read(in: folder)?.files ?? []).map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// One batch over the threads, each piece with a region memo of its
    /// own, the results in input order.
    static func geocodeInParallel(_ views: UncheckedViews, firstRecord: Int, geocoder: Geocoder, memos: MemoPool, buffers: BufferPool, compareEvery: Int,
                                  finish: Bool, fileNames: [String], threads: Int) -> [BatchResult] {
        let pieces = max(1, min(views.views.count / 1024, threads * piecesPerThread))
        return Parallel.map(count: pieces, threads: threads) { piece -> BatchResult in
            var memo = memos.take()
            defer { memos.give(memo) }
            let range = (views.views.count * piece / pieces)..<(views.views.count * (piece + 1) / pieces)
            return geocode(views.views[range], firstRecord: firstRecord, geocoder: geocoder, memo: &memo, buffers: buffers, compareEvery: compareEvery,
                           finish: finish, fileNames: fileNames)
        }
    }

    /// A batch handed to the workers: its views, the parser where it
    /// began (pages before it may go once it is written) and the work.
    struct InFlightBatch {
        var views: UncheckedViews
        var mark: IngestedRecordParser
        var work: BackgroundWork<[BatchResult]>
    }

    /// Region memos lent to the workers, one per piece at a time. What a
    /// memo holds changes only how fast a text is answered, never the
    /// answer, so which memo a piece gets does not matter.
    final class MemoPool: Sendable {
        private let memos = Mutex<[RegionMemo<CompactAnswer>]>([])

        func take() -> RegionMemo<CompactAnswer> { memos.withLock { $0.popLast() } ?? RegionMemo() }

        func give(_ memo: consuming RegionMemo<CompactAnswer>) {
            let memo = memo
            memos.withLock { $0.append(memo) }
        }
    }

    /// The accounting with sides resolved per method, and the run report.
    static func writeReports(tally: GeocodeTally, accounting: RecordAccounting, methods: [GeocodeMethod], external: AmapGeocoder?,
                             to folder: URL) throws(IINError) -> (total: FileAccount, report: GeocodingReport) {
        var accounting = accounting
        var report = tally.report(methods: methods)
        if let external {
            report.externalRequests = external.requests
            report.externalCacheHits = external.cacheHits
        }
        for method in methods { accounting.geocodeMethods[method.name, default: 0] += report.resolvedBy[method.name, default: 0] }
        try accounting.write(to: folder)
        try report.write(to: folder)
        return (accounting.total, report)
    }

    /// Asks the external service for the sides every local method left
    /// open, in input order, then writes the batch's records one by one.
    static func askExternal(_ external: AmapGeocoder, for result: BatchResult, views: UnsafeBufferPointer<IngestedRecordView>, tally: inout GeocodeTally,
                            geocoder: Geocoder, fileNames: [String], into sink: GeocodedOutput) throws(IINError) {
        for (offset, outcomes) in result.outcomes.enumerated() {
            let view = views[result.range.lowerBound + offset]
            var investor = outcomes.0, investee = outcomes.1
            for (side, fields) in [(0, view.investor), (1, view.investee)] {
                let outcome = side == 0 ? investor : investee
                guard outcome.method == nil else { continue }
                let text = String(decoding: fields.address.isEmpty ? fields.region : fields.address, as: UTF8.self)
                let answer = try external.answer(for: text)
                guard answer.isResult else { continue }
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
            var single = BatchResult(range: 0..<0)
            finish(view, investor, investee, geocoder: geocoder, into: &single, fileNames: fileNames)
            try sink.apply(single)
        }
    }

    /// Where one file's results go, in input order: its record files, its
    /// rejects and their counts.
    final class GeocodedOutput {
        private let records: BufferedFileWriter
        private let keys: BufferedFileWriter
        private let rejects: RejectsWriter
        private let fileName: String
        private(set) var rejected: [String: Int] = [:]
        private(set) var written = 0
        /// The part's files by role, as `parts.json` lists them.
        private(set) var files: [String: String]
        private let folder: URL

        init(folder: URL, part: Int, fileName: String) throws(IINError) {
            files = Dictionary(uniqueKeysWithValues: ["records", "keys", "rejects"].map { ($0, GeocodedRecordsArtifact.fileName(role: $0, part: part)) })
            records = try BufferedFileWriter(url: folder.appendingPathComponent(files["records"]!))
            keys = try BufferedFileWriter(url: folder.appendingPathComponent(files["keys"]!))
            rejects = try RejectsWriter(url: folder.appendingPathComponent(files["rejects"]!))
            self.fileName = fileName
            self.folder = folder
        }

        /// Links the ingest part's records and text in as this part's
        /// source, which its records point into. A link writes no byte;
        /// its hash is the one the ingest artifact recorded, when the file
        /// is still as recorded (else the store hashes it on commit).
        func linkSource(_ ingestPart: PartManifest<IngestPart>.Part, from ingest: URL, recorded: [String: ArtifactRecord.FileEntry],
                        part: Int) throws(IINError) {
            for (role, ingestRole) in [("source", "records"), ("source-text", "text")] {
                guard let name = ingestPart.files[ingestRole] else { continue }
                let source = ingest.appendingPathComponent(name)
                let target = GeocodedRecordsArtifact.fileName(role: role, part: part)
                if let entry = recorded[name], FileIdentity.of(path: source.path) == entry.identity {
                    KnownDigests.record(entry.sha256, for: entry.identity)
                    try DiskWrites.copy(source, to: folder.appendingPathComponent(target), knownSHA256: entry.sha256, link: true)
                } else {
                    try DiskWrites.copy(source, to: folder.appendingPathComponent(target))
                }
                files[role] = target
            }
        }

        func apply(_ result: BatchResult) throws(IINError) {
            records.write(block: result.geocoded)
            keys.write(block: result.keys)
            written += result.written
            for reject in result.rejects {
                rejected[reject.reason.rawValue, default: 0] += 1
                try rejects.add(file: fileName, line: reject.line, reason: reject.reason, detail: reject.detail, text: reject.text)
            }
        }

        func close() throws(IINError) {
            try records.close()
            try keys.close()
            try rejects.close()
        }
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

    /// - Parameter firstRecord: the position in its input file of the
    ///   batch's first record, so the compared sample is the same for any
    ///   split.
    static func geocode(_ views: Slice<UnsafeBufferPointer<IngestedRecordView>>, firstRecord: Int, geocoder: Geocoder, memo: inout RegionMemo<CompactAnswer>,
                        buffers: BufferPool = BufferPool(), compareEvery: Int, finish: Bool, fileNames: [String]) -> BatchResult {
        var result = BatchResult(range: views.startIndex..<views.endIndex)
        result.geocoded = buffers.take(capacity: views.count * 160)
        result.keys = buffers.take(capacity: views.count * GeocodedRecordsArtifact.keyWidth)
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
                let explained = geocoder.explain(fields).explanations
                problems.append("\(label): " + explained.map { "\($0.method.name) \($0.detail)" }.joined(separator: "; "))
            }
            result.rejects.append(Reject(file: view.file, line: view.line, reason: .ungeocodable, detail: problems.joined(separator: " || "), text: text(view)))
            return
        }
        GeocodedRecordsArtifact.append(view, investorCity: investorCity, investeeCity: investeeCity, investorMethod: investorMethod,
                                       investeeMethod: investeeMethod, records: &result.geocoded, keys: &result.keys)
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
/// mapped for the whole stage and only read, and the buffer holding them
/// is not refilled before the batch is written, so sharing them is safe.
struct UncheckedViews: @unchecked Sendable {
    let views: UnsafeBufferPointer<IngestedRecordView>
}

/// The geocode stage's three batch buffers, allocated once. A view holds
/// only integers and pointers into mapped files, so a slot is overwritten
/// without deinitialising what it held.
final class ViewBuffers {
    static let count = 3
    private let storage: UnsafeMutablePointer<IngestedRecordView>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity * Self.count)
    }

    deinit { storage.deallocate() }

    func base(_ slot: Int) -> UnsafeMutablePointer<IngestedRecordView> { storage + slot * capacity }
}
