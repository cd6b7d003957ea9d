import Foundation
import Testing
@testable import IIN

@Suite("Fingerprints and rerun reasons")
struct FingerprintTests {
    func components(parameters: String = "{\"a\":1}", files: [InputFileDigest] = [InputFileDigest(name: "a.csv", size: 3, sha256: "aa")],
                    upstream: [String: String] = [:], version: Int = 1) -> FingerprintComponents {
        FingerprintComponents(schema: 1, kind: "ingest", codeVersion: version, parameters: parameters, upstream: upstream,
                              inputs: ["raw": files], gazetteer: nil)
    }

    @Test func canonicalParametersIgnoreOrderAndSpacing() throws {
        let one = try JSONValue.parse(Data("{\"b\": [1, 2], \"a\": {\"y\": true, \"x\": \"s\"}}".utf8))
        let two = try JSONValue.parse(Data("{\"a\":{\"x\":\"s\",\"y\":true},\"b\":[1,2]}".utf8))
        #expect(one.canonical == two.canonical)
        #expect(one.canonical == "{\"a\":{\"x\":\"s\",\"y\":true},\"b\":[1,2]}")
    }

    @Test func everyComponentChangesTheFingerprint() {
        let base = components()
        #expect(base.fingerprint == components().fingerprint)
        #expect(base.fingerprint != components(parameters: "{\"a\":2}").fingerprint)
        #expect(base.fingerprint != components(version: 2).fingerprint)
        #expect(base.fingerprint != components(upstream: ["x": "1"]).fingerprint)
        #expect(base.fingerprint != components(files: [InputFileDigest(name: "a.csv", size: 3, sha256: "ab")]).fingerprint)
    }

    @Test func everyReasonIsListed() {
        let before = components(parameters: "{\"a\":1,\"s\":{\"mode\":\"point\"}}",
                                files: [InputFileDigest(name: "a.csv", size: 1, sha256: "1"), InputFileDigest(name: "b.csv", size: 1, sha256: "2")],
                                upstream: ["ingest": "x"])
        let after = components(parameters: "{\"a\":2,\"s\":{\"mode\":\"window\"}}",
                               files: [InputFileDigest(name: "a.csv", size: 1, sha256: "9"), InputFileDigest(name: "c.csv", size: 1, sha256: "3")],
                               upstream: ["ingest": "y"], version: 2)
        let reasons = RerunReason.differences(previous: before, current: after)
        #expect(reasons.contains(.codeVersionChanged(from: 1, to: 2)))
        #expect(reasons.contains(.parameterChanged(path: "a", from: "1", to: "2")))
        #expect(reasons.contains(.parameterChanged(path: "s.mode", from: "\"point\"", to: "\"window\"")))
        #expect(reasons.contains(.inputFileChanged(input: "raw", file: "a.csv")))
        #expect(reasons.contains(.inputFileAdded(input: "raw", file: "c.csv")))
        #expect(reasons.contains(.inputFileRemoved(input: "raw", file: "b.csv")))
        #expect(reasons.contains(.upstreamChanged(stage: "ingest")))
        #expect(reasons.count == 7)
    }

    /// The same file content in another folder is the same input: paths are
    /// not part of the fingerprint, and unchanged files are not re-read.
    @Test func contentNotPathIsHashedAndHashesAreCached() throws {
        let folder = TestSupport.temporaryFolder()
        let first = folder.appendingPathComponent("one/records.csv")
        let second = folder.appendingPathComponent("two/records.csv")
        try TestSupport.write("a,b\n1,2\n", to: first)
        try TestSupport.write("a,b\n1,2\n", to: second)
        let cache = FileHashCache(storeURL: folder.appendingPathComponent("hashes.json"))
        #expect(try cache.digest(of: first) == cache.digest(of: second))
        #expect(cache.filesHashed == 2)
        _ = try cache.digest(of: first)
        #expect(cache.filesHashed == 2)
        cache.save()
        let reloaded = FileHashCache(storeURL: folder.appendingPathComponent("hashes.json"))
        _ = try reloaded.digest(of: first)
        #expect(reloaded.filesHashed == 0)
        try TestSupport.write("a,b\n1,3\n", to: first)
        _ = try reloaded.digest(of: first)
        #expect(reloaded.filesHashed == 1)
    }
}
