import Crypto
import Foundation

/// One input file as the fingerprint sees it: its name (not its folder, so
/// moving a crawl folder or the work tree rebuilds nothing; the name stays in
/// because the accounting table reports it) and its content hash.
public struct InputFileDigest: Codable, Sendable, Equatable {
    public var name: String
    public var size: Int
    public var sha256: String
}

/// Everything a stage's output depends on, and nothing else.
///
/// The list is explicit and documented in docs/pipeline.md: the stage kind
/// and its code version, the canonical (sorted) parameters with defaults
/// filled in, the content digests of the artifacts of the stages it needs
/// (not their fingerprints: a stage that reruns and writes the same bytes
/// leaves everything after it cached), the ordered content
/// hashes of its input files, and the gazetteer's digest for stages that use
/// it. Paths, thread counts, the work folder and comments are deliberately
/// absent: they do not change a single output byte.
public struct FingerprintComponents: Codable, Sendable, Equatable {
    /// Bump when the hashing itself or the artifact record changes, so old
    /// artifacts miss. 2: the record keeps row counts per file apart from
    /// the run-log figures (`fileRows`). 3: stages are keyed on the
    /// content digest of the artifacts they need, not on those artifacts'
    /// fingerprints (early cutoff), and records keep each file's identity.
    public static let schemaVersion = 3

    public var schema: Int
    public var kind: String
    public var codeVersion: Int
    public var parameters: String
    public var upstream: [String: String]
    public var inputs: [String: [InputFileDigest]]
    public var gazetteer: String?

    /// SHA-256 of a text, in hex.
    public static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).hexString
    }

    public var fingerprint: String {
        var text = "iin-fingerprint\nschema=\(schema)\nkind=\(kind)\ncode=\(codeVersion)\nparams=\(parameters)\n"
        for name in upstream.keys.sorted() { text += "upstream:\(name)=\(upstream[name]!)\n" }
        for name in inputs.keys.sorted() {
            for (position, file) in inputs[name]!.enumerated() {
                text += "input:\(name):\(position):\(file.name):\(file.size):\(file.sha256)\n"
            }
        }
        if let gazetteer { text += "gazetteer=\(gazetteer)\n" }
        return SHA256.hash(data: Data(text.utf8)).hexString
    }
}

/// Why a stage is not up to date. Every reason is listed, not only the first.
public enum RerunReason: Sendable, Equatable, CustomStringConvertible {
    case neverBuilt
    case forced
    case codeVersionChanged(from: Int, to: Int)
    case parameterChanged(path: String, from: String, to: String)
    case inputFileAdded(input: String, file: String)
    case inputFileRemoved(input: String, file: String)
    case inputFileChanged(input: String, file: String)
    case inputOrderChanged(input: String)
    case upstreamChanged(stage: String)
    case gazetteerChanged
    case artifactMissing
    /// `file`: the damaged file's path, when one file is.
    case artifactDamaged(detail: String, file: String?)

    public var description: String {
        switch self {
        case .neverBuilt: return "no earlier build"
        case .forced: return "forced with --force"
        case let .codeVersionChanged(from, to): return "code version changed (\(from) -> \(to))"
        case let .parameterChanged(path, from, to): return "parameter \(path) changed (\(from) -> \(to))"
        case let .inputFileAdded(input, file): return "input \(input): file \(file) added"
        case let .inputFileRemoved(input, file): return "input \(input): file \(file) removed"
        case let .inputFileChanged(input, file): return "input \(input): file \(file) changed"
        case let .inputOrderChanged(input): return "input \(input): file order changed"
        case let .upstreamChanged(stage): return "the output of upstream stage \(stage) changed"
        case .gazetteerChanged: return "gazetteer data changed"
        case .artifactMissing: return "its artifact is missing from the work folder"
        case let .artifactDamaged(detail, _): return "its artifact was damaged (\(detail)) and is rebuilt"
        }
    }

    /// Every difference between what was last built and what would be built now.
    public static func differences(previous: FingerprintComponents, current: FingerprintComponents) -> [RerunReason] {
        var reasons: [RerunReason] = []
        if previous.codeVersion != current.codeVersion || previous.schema != current.schema || previous.kind != current.kind {
            reasons.append(.codeVersionChanged(from: previous.codeVersion, to: current.codeVersion))
        }
        if previous.parameters != current.parameters {
            let before = (try? JSONValue.parse(Data(previous.parameters.utf8))) ?? .null
            let after = (try? JSONValue.parse(Data(current.parameters.utf8))) ?? .null
            var changes: [RerunReason] = []
            diffParameters(before, after, path: "", into: &changes)
            reasons += changes.isEmpty ? [.parameterChanged(path: "(all)", from: previous.parameters, to: current.parameters)] : changes
        }
        for input in Set(previous.inputs.keys).union(current.inputs.keys).sorted() {
            let old = previous.inputs[input] ?? []
            let new = current.inputs[input] ?? []
            let oldByName = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let newByName = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            var fileReasons: [RerunReason] = []
            for file in new where oldByName[file.name] == nil { fileReasons.append(.inputFileAdded(input: input, file: file.name)) }
            for file in old where newByName[file.name] == nil { fileReasons.append(.inputFileRemoved(input: input, file: file.name)) }
            for file in new {
                if let before = oldByName[file.name], before != file { fileReasons.append(.inputFileChanged(input: input, file: file.name)) }
            }
            if fileReasons.isEmpty && old != new { fileReasons.append(.inputOrderChanged(input: input)) }
            reasons += fileReasons
        }
        for stage in Set(previous.upstream.keys).union(current.upstream.keys).sorted() where previous.upstream[stage] != current.upstream[stage] {
            reasons.append(.upstreamChanged(stage: stage))
        }
        if previous.gazetteer != current.gazetteer { reasons.append(.gazetteerChanged) }
        return reasons
    }

    private static func diffParameters(_ old: JSONValue, _ new: JSONValue, path: String, into reasons: inout [RerunReason]) {
        if case let .object(oldMembers) = old, case let .object(newMembers) = new {
            for key in Set(oldMembers.keys).union(newMembers.keys).sorted() {
                diffParameters(oldMembers[key] ?? .null, newMembers[key] ?? .null, path: path.isEmpty ? key : "\(path).\(key)", into: &reasons)
            }
        } else if old != new {
            reasons.append(.parameterChanged(path: path, from: old.canonical, to: new.canonical))
        }
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SHA256.Digest {
    public var hexString: String { Array(self).hexString }
}
