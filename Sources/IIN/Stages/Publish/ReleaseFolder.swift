import Crypto
import Foundation

/// Puts a finished build's release in place: the publish and validate
/// artifacts' files plus `manifest.json`, swapped in whole so a reader (or a
/// killed run) never sees half of one release and half of another.
public enum ReleaseFolder {
    public static let manifestName = "manifest.json"
    static let releasedKinds: Set<String> = [PublishStage.kind, ValidateStage.kind]

    /// A release put in place, and how it compares with the one before.
    public struct Placed: Sendable {
        public var folder: URL?
        /// ReleaseComparison's report, when there was a release to compare
        /// with and the release changed.
        public var comparison: JSONValue?
        /// Why the comparison could not be made (the run still succeeds).
        public var comparisonProblem: String?
    }

    /// - Parameter compareWith: the previous release to compare with;
    ///   nil for the release the destination already holds, if any.
    public static func materialize(results: [StageResult], pipeline: Pipeline, store: ArtifactStore, destination: URL,
                                   compareWith: URL? = nil) throws(IINError) -> Placed {
        var placed = Placed()
        func compare(_ previous: URL, _ current: URL) {
            do { placed.comparison = try ReleaseComparison.compare(previous: previous, current: current) } catch {
                placed.comparisonProblem = "could not compare with \(previous.path): \(error.description)"
            }
        }
        let released = results.filter { releasedKinds.contains($0.kind) }
        guard !released.isEmpty else { return placed }
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            let contents = (try? manager.contentsOfDirectory(atPath: destination.path)) ?? []
            if !isDirectory.boolValue || (!contents.isEmpty && !contents.contains(manifestName)) {
                throw IINError.releaseFolderNotOurs(path: destination.path)
            }
        }
        var sources: [(from: URL, path: String)] = []
        var files: [JSONValue] = []
        for result in released {
            guard case let .hit(record, folder) = store.lookup(stage: result.stage, fingerprint: result.fingerprint, verifyContent: false) else {
                throw IINError.corruptArtifact(path: result.artifact.path, reason: "artifact vanished before the release was written")
            }
            for entry in record.files {
                sources.append((folder.appendingPathComponent(entry.path), entry.path))
                var item: [String: JSONValue] = ["path": .string(entry.path), "size": .integer(entry.size), "sha256": .string(entry.sha256)]
                if let rows = record.counts["rows:" + entry.path] { item["rows"] = .integer(rows) }
                files.append(.object(item))
            }
        }
        files.sort { ($0["path"]?.stringValue ?? "") < ($1["path"]?.stringValue ?? "") }

        var inputs: [String: JSONValue] = [:]
        var stages: [String: JSONValue] = [:]
        for result in results {
            stages[result.stage] = .string(result.fingerprint)
            if case let .hit(record, _) = store.lookup(stage: result.stage, fingerprint: result.fingerprint, verifyContent: false) {
                for (name, digests) in record.components.inputs {
                    inputs[name] = .array(digests.map { .object(["name": .string($0.name), "size": .integer($0.size), "sha256": .string($0.sha256)]) })
                }
            }
        }
        let pipelineHash = (try? FileHashCache.sha256(of: pipeline.file)) ?? ""
        let manifest = JSONValue.object([
            "program": .object(["name": .string("iin"), "version": .string(IINVersion.current)]),
            "pipeline": .object(["sha256": .string(pipelineHash)]),
            "inputs": .object(inputs),
            "stages": .object(stages),
            "files": .array(files),
        ])
        let manifestBytes = Data((manifest.prettyPrinted() + "\n").utf8)
        placed.folder = destination
        if isCurrent(destination, manifest: manifestBytes, files: files) {
            if let compareWith { compare(compareWith, destination) }
            return placed
        }

        let parent = destination.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
        let retired = parent.appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
        do {
            try manager.createDirectory(at: parent, withIntermediateDirectories: true)
            try? manager.removeItem(at: staging)
            try manager.createDirectory(at: staging, withIntermediateDirectories: true)
            for source in sources {
                let target = staging.appendingPathComponent(source.path)
                try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try manager.copyItem(at: source.from, to: target)
            }
            try manifestBytes.write(to: staging.appendingPathComponent(manifestName))
            if let compareWith {
                compare(compareWith, staging)
            } else if manager.fileExists(atPath: destination.appendingPathComponent(manifestName).path) {
                compare(destination, staging)
                // Paths in the report name where the release ends up.
                if let comparison = placed.comparison {
                    placed.comparison = ValidateStage.adding(comparison, "current", destination.path)
                }
            }
            if manager.fileExists(atPath: destination.path) {
                try? manager.removeItem(at: retired)
                try manager.moveItem(at: destination, to: retired)
            }
            try manager.moveItem(at: staging, to: destination)
            try? manager.removeItem(at: retired)
        } catch {
            throw IINError.unwritableFile(path: destination.path, reason: error.localizedDescription)
        }
        return placed
    }

    /// Whether the folder already holds exactly this release: the same
    /// manifest (which lists every file's hash) and every file at its size.
    /// Then nothing is copied, so a cached rebuild of a large release costs
    /// nothing.
    static func isCurrent(_ folder: URL, manifest: Data, files: [JSONValue]) -> Bool {
        guard let existing = try? Data(contentsOf: folder.appendingPathComponent(manifestName)), existing == manifest else { return false }
        for file in files {
            guard let path = file["path"]?.stringValue, let size = file["size"]?.intValue,
                  let actual = try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(path).path)[.size] as? Int,
                  actual == size else { return false }
        }
        return true
    }

    /// The stage fingerprints recorded in a release folder's manifest.
    public static func stageFingerprints(in folder: URL) -> [String: String]? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(manifestName)),
              let manifest = try? JSONValue.parse(data), let stages = manifest["stages"]?.objectValue else { return nil }
        return stages.compactMapValues(\.stringValue)
    }
}
