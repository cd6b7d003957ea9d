import Foundation

/// Stage 7: checks the published tables, compares them with the optional
/// reference inputs and writes the validation report, as JSON and as one
/// HTML page rendered from that JSON alone. A broken invariant or a figure
/// below its floor fails the run (see stages/validate.json).
public struct ValidateStage: Stage {
    public static let kind = "validate"
    public static let codeVersion = 22
    public static let usesGazetteer = true
    public static let reads: [String] = [PublishStage.kind, AggregateStage.kind, GeocodeStage.kind, DedupeStage.kind]
    public static let reportFile = "validation.json"
    public static let pageFile = "validation.html"
    public static let mobilityInput = "mobility", gdpInput = "gdp", topListsInput = "top_lists", economicDistancesInput = "economic_distances"
    public static let anonymisationKeyInput = "anonymisation_key"
    /// Files under this folder of the artifact hold enterprise names: the
    /// release leaves them out and puts them in the audit folder.
    public static let auditSubfolder = "audit"
    public static let disagreementsFile = "geocoding-disagreements.json"

    public init() {}

    /// See stages/validate.json for the defaults and the meaning.
    public struct Parameters: StageParameters {
        public var seed: Int
        public var mobilityYear: Int
        /// Figure name to its floor.
        public var thresholds: [String: Double]

        enum CodingKeys: String, CodingKey { case seed, mobilityYear = "mobility_year", thresholds }

        public func problems() -> [ParameterProblem] {
            thresholds.keys.sorted().filter { FigurePath($0) == nil }.map { name in
                ParameterProblem(path: "thresholds.\(name)", problem: "no figure is called '\(name)'",
                                 fix: "Name a figure of one of these forms (YEAR a slice year, SOURCE a top-list source): \(FigurePath.forms.joined(separator: ", ")).")
            }
        }
    }

    /// Every year the validate stage's parameters name (a threshold's
    /// figure, `mobility_year`) is a slice of the aggregate stage it reads:
    /// a year that is no slice would only show as a figure never computed.
    public static func checkYears(_ pipeline: Pipeline) throws(IINError) {
        for validate in pipeline.stages where validate.kind == kind {
            guard let aggregate = validate.needs.compactMap(pipeline.stage(named:)).first(where: { $0.kind == AggregateStage.kind }) else { continue }
            let file = pipeline.file.path
            let aggregateParameters = try AggregateStage.decodeParameters(aggregate.parameters, file: file, jsonPath: aggregate.jsonPath + ".params")
            // Mobility, gravity, distance decay and other studies' lists
            // are about the national city network.
            let scope = aggregateParameters.scope
            guard scope.isNational else {
                throw IINError.pipeline(file: file, jsonPath: validate.jsonPath,
                                        problem: "stage '\(validate.name)' validates the national city network, but stage '\(aggregate.name)' counts the \(scope.folderName) network",
                                        fix: "Remove the validate stage from this pipeline (fixtures/guizhou/pipeline.json shows a scoped pipeline); the scoped release has its own report.")
            }
            let years = aggregateParameters.slices.years.sorted()
            let parameters = try decodeParameters(validate.parameters, file: file, jsonPath: validate.jsonPath + ".params")
            let named = [("mobility_year", parameters.mobilityYear)]
                + parameters.thresholds.keys.sorted().compactMap { name in FigurePath(name)?.year.map { ("thresholds.\(name)", $0) } }
            for (path, year) in named where !years.contains(year) {
                throw IINError.pipeline(file: file, jsonPath: "\(validate.jsonPath).params.\(path)",
                                        problem: "\(year) is no slice year of stage '\(aggregate.name)' (\(years.map(String.init).joined(separator: ", ")))",
                                        fix: "Name one of its slice years, or add \(year) to \(aggregate.jsonPath).params.slices.years.")
            }
        }
    }

    public func run(_ context: StageContext, parameters: Parameters) throws(IINError) -> StageOutcome {
        let publish = try context.upstreamFolder(kind: PublishStage.kind)
        let reader = ReleaseReader(folder: publish, preferWorkbooks: false)
        context.progress.begin("validate", total: 4, unit: "steps")
        defer { context.progress.finish() }
        // The invariants and the analyses read the same tables, each on a
        // thread of its own; the consistency sample's pass over every kept
        // record runs beside the analyses. The order of the errors thrown
        // stays that of a run on one thread.
        let gazetteer = context.gazetteer
        let reads = Parallel.map(count: 2, threads: context.threads) { index -> Result<TableReads, IINError> in
            do throws(IINError) {
                return index == 0 ? .success(.checks(try InvariantChecks(reader: reader, gazetteer: gazetteer).run()))
                    : .success(.networks(try ReleaseNetworks(reader: reader)))
            } catch {
                return .failure(error)
            }
        }
        guard case let .checks(checks) = try reads[0].get(), case let .networks(networks) = try reads[1].get() else {
            preconditionFailure("each job returns its own kind")
        }
        let aggregate = try context.upstreamFolder(kind: AggregateStage.kind)
        let accounting = try RecordAccounting.read(from: aggregate)
        let memo = GravityMemo(earlier: context.earlierParts)
        let jobs = Parallel.map(count: 2, threads: context.threads) { index -> Result<SampleOrAnalyses, IINError> in
            do throws(IINError) {
                if index == 0 {
                    return .success(.analyses(try analyses(reader: reader, networks: networks, context: context, parameters: parameters, memo: memo)))
                }
                let (section, rows) = try writeSample(accounting: accounting, aggregate: aggregate, context: context, parameters: parameters)
                return .success(.sample(section, rows))
            } catch {
                return .failure(error)
            }
        }
        guard case var .analyses(sections) = try jobs[0].get(), case let .sample(sample, fileRows) = try jobs[1].get() else {
            preconditionFailure("each job returns its own kind")
        }
        context.progress.advance(by: 2)
        try memo.write(into: context.output)

        sections["invariants"] = .array(checks.map(\.json))
        sections["consistency_sample"] = sample
        sections["accounting"] = try ReportFacts.accounting(accounting, networks: networks, geocoding: context.upstreamFolder(kind: GeocodeStage.kind))
        sections["table1"] = try ReportFacts.descriptiveStatistics(reader)
        let outcomes = try writeReport(sections: sections, checks: checks, networks: networks, context: context, parameters: parameters)
        return StageOutcome(counts: ["checks": checks.count, "failed": 0, "thresholds": outcomes.count, "gravity_fits_reused": memo.reused], fileRows: fileRows)
    }

    private enum TableReads: Sendable {
        case checks([CheckResult])
        case networks(ReleaseNetworks)
    }

    private enum SampleOrAnalyses: Sendable {
        case analyses([String: JSONValue])
        case sample(JSONValue, [String: Int])
    }

    /// Sections 4 to 8: the optional reference inputs read first (their
    /// errors raised before the work is spread over threads), then each
    /// analysis as its own job.
    private func analyses(reader: ReleaseReader, networks: ReleaseNetworks, context: StageContext, parameters: Parameters,
                          memo: GravityMemo) throws(IINError) -> [String: JSONValue] {
        let seed = UInt64(truncatingIfNeeded: parameters.seed)
        let gazetteer = context.gazetteer
        let mobilityYear = parameters.mobilityYear
        let mobilityFile = try single(ValidateStage.mobilityInput, context)
        let mobility = try mobilityFile.map { url throws(IINError) in try ReferenceInputs.mobility(url, gazetteer: gazetteer) }
        let gdpFile = try single(ValidateStage.gdpInput, context)
        let gdp = try gdpFile.map { url throws(IINError) in try ReferenceInputs.gdp(url, gazetteer: gazetteer) }
        let distanceFile = try single(ValidateStage.economicDistancesInput, context)
        let economicDistances = try distanceFile.map { url throws(IINError) in try ReferenceInputs.economicDistances(url, gazetteer: gazetteer) }
        let listsFile = try single(ValidateStage.topListsInput, context)
        let lists = try listsFile.map { url throws(IINError) in try ReferenceInputs.topLists(url, gazetteer: gazetteer) }
        let branch = reader.networks.contains { $0.0 == "branch" } ? try ReleaseNetworks(reader: reader, subfolder: "branch") : nil

        context.progress.advance(by: 1)
        let structure = StructureChecks(networks: networks)
        let comparison = ComparisonChecks(networks: networks)
        let threads = context.threads
        let jobs: [@Sendable () -> (String, JSONValue)] = [
            { ("gravity", gdp.map { comparison.gravity(gdp: $0, economicDistances: economicDistances, seed: seed, cities: gazetteer.cities, threads: threads, memo: memo) }
                .map { Self.naming($0, input: gdpFile!, extra: distanceFile) } ?? Self.skipped(ValidateStage.gdpInput)) },
            { ("communities", structure.communities(seed: seed)) },
            { ("mobility", mobility.map { Self.naming(comparison.mobility($0, year: mobilityYear), input: mobilityFile!) } ?? Self.skipped(ValidateStage.mobilityInput)) },
            { ("distance_decay", structure.distanceDecay()) },
            { ("backbone", structure.backbone()) },
            { ("localisation", structure.localisation()) },
            { ("top20", lists == nil ? comparison.topLists(nil).adding("skipped", .string(Self.skippedReason(ValidateStage.topListsInput)))
                : Self.naming(comparison.topLists(lists), input: listsFile!)) },
            { ("headquarters_branch", branch.map { StructureChecks(networks: $0).degreeTable() } ?? .object(["skipped": .string("the release has no branch records")])) },
        ]
        return Dictionary(uniqueKeysWithValues: Parallel.map(count: jobs.count, threads: threads) { jobs[$0]() })
    }

    /// Section 3: draws the consistency sample and writes it, named to the
    /// audit folder and, with the anonymisation key, hashed to the release.
    /// Enterprise names stay out of the release (the source paper withheld
    /// them). Returns the report section and the rows of each file written.
    private func writeSample(accounting: RecordAccounting, aggregate: URL, context: StageContext,
                             parameters: Parameters) throws(IINError) -> (section: JSONValue, fileRows: [String: Int]) {
        let drawn = try SampleDraw.Document.read(from: aggregate)
        let kept = try KeptRecords(geocode: context.upstreamFolder(kind: GeocodeStage.kind), dedupe: context.upstreamFolder(kind: DedupeStage.kind))
        let sample = try ConsistencySample.table(drawn.drawn, drawnFile: aggregate.appendingPathComponent(SampleDraw.fileName), kept: kept, fileNames: accounting.files.map(\.file), gazetteer: context.gazetteer)
        let auditFolder = context.output.appendingPathComponent(Self.auditSubfolder)
        try DiskWrites.makeFolder(auditFolder)
        _ = try sample.writeXLSX(to: auditFolder)
        var fileRows = [Self.auditSubfolder + "/" + ConsistencySample.name + ".xlsx": sample.rows.count]
        let keyFile = try single(ValidateStage.anonymisationKeyInput, context)
        if let keyFile {
            let anonymised = try ConsistencySample.anonymised(sample, keyFile: keyFile)
            _ = try anonymised.writeCSV(to: context.output)
            _ = try anonymised.writeXLSX(to: context.output)
            for suffix in [".csv", ".xlsx"] { fileRows[ConsistencySample.anonymisedName + suffix] = anonymised.rows.count }
        }
        let disagreements = try ReportFacts.disagreementSamples(geocoding: context.upstreamFolder(kind: GeocodeStage.kind))
        try DiskWrites.write(Data((disagreements.prettyPrinted() + "\n").utf8), to: auditFolder.appendingPathComponent(Self.disagreementsFile))
        var drawnPerSlice: [String: Int] = [:]
        for row in sample.rows { drawnPerSlice[row[0], default: 0] += 1 }
        let section = JSONValue.object([
            "file": .string(ConsistencySample.name + ".xlsx"), "where": .string("the audit folder (--audit, default .iin/audit); it holds enterprise names"),
            "anonymised_file": keyFile == nil ? .null : .string(ConsistencySample.anonymisedName + ".csv"),
            "anonymised": keyFile == nil ? .string("skipped: " + Self.skippedReason(Self.anonymisationKeyInput)) : .string("names replaced by HMAC-SHA256 keys"),
            "per_slice": .integer(drawn.perSlice), "seed": .integer(drawn.seed), "drawn": .object(drawnPerSlice.mapValues(JSONValue.integer))])
        return (section, fileRows)
    }

    /// Adds the map's cities, the figures and the thresholds' outcomes,
    /// writes the report and its page, and fails the run (keeping both in
    /// the reports folder) when an invariant broke or a figure is below
    /// its floor.
    private func writeReport(sections: [String: JSONValue], checks: [CheckResult], networks: ReleaseNetworks, context: StageContext,
                             parameters: Parameters) throws(IINError) -> [Thresholds.Outcome] {
        var sections = sections
        // The sections so far, read back as the report's readers see them:
        // the map takes the communities from there, the floors the figures.
        let typedSections = try ValidationReport.decode(ValidationReport.Sections.self, Data(JSONValue.object(sections).canonical.utf8), path: Self.reportFile)
        sections["cities"] = ReportFacts.cities(context.gazetteer, networks: networks, communities: typedSections.communities)
        let figures = Thresholds.figures(of: typedSections)
        let outcomes = try Thresholds.check(parameters.thresholds, figures: figures, pipelineFile: context.pipelineFile, thresholdsPath: context.parametersPath + ".thresholds")
        let failures = checks.filter { !$0.passed }
        let belowFloor = outcomes.filter { !$0.passed }
        let report = JSONValue.object([
            "valid": .bool(failures.isEmpty && belowFloor.isEmpty),
            "seed": .integer(parameters.seed),
            "sections": .object(sections),
            "figures": .object(figures.mapValues { $0.map(JSONValue.number) ?? .null }),
            "thresholds": .array(outcomes.map(\.json)),
        ])
        let text = report.prettyPrinted() + "\n"
        // The page is made from the JSON as written, so it can show nothing
        // the JSON does not hold.
        let page = ValidationPage.html(from: try ValidationReport.decode(Data(text.utf8), path: Self.reportFile), outlines: context.gazetteer.outlines)
        for (name, contents) in [(Self.reportFile, text), (Self.pageFile, page)] {
            try DiskWrites.write(Data(contents.utf8), to: context.output.appendingPathComponent(name))
        }
        guard failures.isEmpty && belowFloor.isEmpty else {
            try? FileManager.default.createDirectory(at: context.reportFolder, withIntermediateDirectories: true)
            let kept = context.reportFolder.appendingPathComponent("validation-failed.json")
            try? Data(text.utf8).write(to: kept)
            try? Data(page.utf8).write(to: context.reportFolder.appendingPathComponent("validation-failed.html"))
            if !failures.isEmpty {
                throw IINError.invariantsBroken(report: kept.path, failures: failures.flatMap { check in check.failures.map { "\(check.id): \($0)" } })
            }
            throw IINError.thresholdsNotMet(report: kept.path, failures: belowFloor.map(\.message))
        }
        return outcomes
    }

    /// The one file an optional input names, or nil when pipeline.json
    /// gives none.
    private func single(_ input: String, _ context: StageContext) throws(IINError) -> URL? {
        let files = context.inputFiles[input] ?? []
        guard files.count <= 1 else {
            throw IINError.pipeline(file: context.pipelineFile, jsonPath: "$.inputs.\(input)", problem: "matches \(files.count) files: \(files.map(\.lastPathComponent).joined(separator: ", "))",
                                    fix: "Name exactly one file.")
        }
        return files.first
    }

    static func skippedReason(_ input: String) -> String { "no '\(input)' input in pipeline.json" }

    static func skipped(_ input: String) -> JSONValue { .object(["skipped": .string(skippedReason(input))]) }

    static func naming(_ section: JSONValue, input: URL, extra: URL? = nil) -> JSONValue {
        var result = section.adding("input", .string(input.lastPathComponent))
        if let extra { result = result.adding("distances_input", .string(extra.lastPathComponent)) }
        return result
    }
}
