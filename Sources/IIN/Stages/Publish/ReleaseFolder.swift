import Crypto
import Foundation

/// Puts a finished build's release in place: the publish and validate
/// artifacts' files plus `manifest.json`, swapped in whole so a reader (or a
/// killed run) never sees half of one release and half of another.
public enum ReleaseFolder {
    public static let manifestName = "manifest.json"
    static let releasedKinds: Set<String> = [PublishStage.kind, ValidateStage.kind]

    public static func materialize(results: [StageResult], pipeline: Pipeline, store: ArtifactStore, destination: URL) throws(IINError) -> URL? {
        let released = results.filter { releasedKinds.contains($0.kind) }
        guard !released.isEmpty else { return nil }
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            let contents = (try? manager.contentsOfDirectory(atPath: destination.path)) ?? []
            if !isDirectory.boolValue || (!contents.isEmpty && !contents.contains(manifestName)) {
                throw IINError.releaseFolderNotOurs(path: destination.path)
            }
        }
        let parent = destination.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())")
        let retired = parent.appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
        do {
            try manager.createDirectory(at: parent, withIntermediateDirectories: true)
            try? manager.removeItem(at: staging)
            try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw IINError.unwritableFile(path: staging.path, reason: error.localizedDescription)
        }

        var files: [JSONValue] = []
        for result in released {
            guard case let .hit(record, folder) = store.lookup(stage: result.stage, fingerprint: result.fingerprint, verifyContent: false) else {
                throw IINError.corruptArtifact(path: result.artifact.path, reason: "artifact vanished before the release was written")
            }
            for entry in record.files {
                let target = staging.appendingPathComponent(entry.path)
                do {
                    try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try manager.copyItem(at: folder.appendingPathComponent(entry.path), to: target)
                } catch {
                    throw IINError.unwritableFile(path: target.path, reason: error.localizedDescription)
                }
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
        do {
            try Data((manifest.prettyPrinted() + "\n").utf8).write(to: staging.appendingPathComponent(manifestName))
            if manager.fileExists(atPath: destination.path) {
                try? manager.removeItem(at: retired)
                try manager.moveItem(at: destination, to: retired)
            }
            try manager.moveItem(at: staging, to: destination)
            try? manager.removeItem(at: retired)
        } catch {
            throw IINError.unwritableFile(path: destination.path, reason: error.localizedDescription)
        }
        return destination
    }
}
