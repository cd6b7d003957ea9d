import Foundation

/// A kind of pipeline stage: the code behind one `stages/<kind>.json`.
///
/// A stage reads only what its context gives it (parameters, input files,
/// the artifacts of the stages it needs) and writes only into its output
/// folder, which is what makes its artifact cacheable by fingerprint.
public protocol Stage: Sendable {
    static var kind: String { get }
    /// Bump whenever a change to the code changes any output byte: it is part
    /// of the fingerprint, so old artifacts stop matching.
    static var codeVersion: Int { get }
    /// Whether the gazetteer's digest is part of the fingerprint.
    static var usesGazetteer: Bool { get }

    func run(_ context: StageContext) throws(IINError) -> StageOutcome
}

/// What a stage run produced besides its files: figures for the run log
/// (row counts and the like), kept in the artifact so cached runs show them.
public struct StageOutcome: Sendable {
    public var counts: [String: Int]
    public init(counts: [String: Int]) { self.counts = counts }
}

public struct StageContext: Sendable {
    public var stageName: String
    public var parameters: JSONValue
    /// Input name to its files, in input order.
    public var inputFiles: [String: [URL]]
    /// Kind of each needed stage to its artifact folder.
    public var upstream: [String: URL]
    public var output: URL
    /// Room for temporary files (a decompressed crawl, say); deleted after
    /// the stage, never part of the artifact.
    public var scratch: URL
    /// Where reports of failed runs go (they are not artifacts).
    public var reportFolder: URL
    public var gazetteer: Gazetteer
    public var progress: ProgressReporter
    public var threads: Int

    /// The artifact folder of the needed stage of this kind.
    public func upstreamFolder(kind: String) throws(IINError) -> URL {
        guard let folder = upstream[kind] else {
            throw IINError.pipeline(file: "pipeline.json", jsonPath: "$.stages (\(stageName)).needs", problem: "stage '\(stageName)' needs a stage of kind '\(kind)'",
                                    fix: "Add the name of the \(kind) stage to its needs.")
        }
        return folder
    }

    public func parameter(_ path: String...) -> JSONValue? {
        var value: JSONValue? = parameters
        for key in path { value = value?[key] }
        return value
    }
}

/// The stage kinds this program knows.
public enum StageCatalog {
    public static let all: [any Stage] = [
        IngestStage(), GeocodeStage(), DedupeStage(), AggregateStage(), DegreesStage(), PublishStage(), ValidateStage(),
    ]

    public static var kinds: Set<String> { Set(all.map { type(of: $0).kind }) }

    public static func stage(kind: String) -> (any Stage)? {
        all.first { type(of: $0).kind == kind }
    }
}

/// The program's version, recorded in every release manifest.
public enum IINVersion {
    public static let current = "0.1.0"
}
