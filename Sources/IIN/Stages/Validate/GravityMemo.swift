import Crypto
import Foundation
import Synchronization

/// The gravity fits of the validate stage's last build, by the digest of
/// what each slice's fit reads: its pairs' mass products, distances and
/// frequencies, the seed and the fit's code. A nightly rebuild whose new
/// records leave a slice's edges as they were takes that slice's fit
/// from here instead of running its swarm again (2.3 s of a 3.2 s
/// validation at 12M records, all five slices). The fit is deterministic,
/// so a fit taken from here is the one a cold build computes; the tests
/// compare the two releases byte for byte.
///
/// Kept in the validate artifact as `memo/gravity.json`, which stays in
/// the work folder: neither the release nor the audit folder gets it.
final class GravityMemo: Sendable {
    static let file = ReleaseFolder.memoPrefix + "gravity.json"

    struct Entry: Codable, Sendable {
        /// The slice's section, as canonical JSON.
        var section: String
        var profile: [Double]?
    }

    private let earlier: [String: Entry]
    private let made = Mutex<[String: Entry]>([:])

    /// An empty memo: every fit is computed.
    init() {
        earlier = [:]
    }

    /// The memo of the newest earlier artifact that has one intact.
    init(earlier library: PartLibrary) {
        var found: [String: Entry] = [:]
        for url in library.intactFiles(named: Self.file) {
            guard let data = try? Data(contentsOf: url),
                  let decoded = try? JSONDecoder().decode([String: Entry].self, from: data) else { continue }
            found = decoded
            break
        }
        earlier = found
    }

    /// The key of one slice's fit.
    static func key(year: Int, seed: UInt64, withoutMass: Int, withoutDistance: Int, columns: [[Double]]) -> String {
        var hasher = SHA256()
        // The stage's code version: a memo of other code is never read.
        for number in [ValidateStage.codeVersion, year, Int(truncatingIfNeeded: seed), withoutMass, withoutDistance, columns.count] {
            withUnsafeBytes(of: Int64(number).littleEndian) { hasher.update(bufferPointer: $0) }
        }
        for column in columns {
            withUnsafeBytes(of: Int64(column.count).littleEndian) { hasher.update(bufferPointer: $0) }
            column.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return hasher.finalize().hexString
    }

    /// The fit under `key`, from the earlier build or computed now, and
    /// remembered for the next build either way.
    func fit(key: String, compute: () -> (json: JSONValue, profile: GravityFit.Parameters?)) -> (json: JSONValue, profile: GravityFit.Parameters?) {
        if let entry = earlier[key], let section = try? JSONValue.parse(Data(entry.section.utf8)) {
            let profile = entry.profile.flatMap { $0.count == 3 ? GravityFit.Parameters(k: $0[0], beta: $0[1], rmse: $0[2]) : nil }
            if entry.profile == nil || profile != nil {
                made.withLock { $0[key] = entry }
                return (section, profile)
            }
        }
        let computed = compute()
        let entry = Entry(section: computed.json.canonical, profile: computed.profile.map { [$0.k, $0.beta, $0.rmse] })
        made.withLock { $0[key] = entry }
        // What is returned is what a later build will read back, so a
        // reused fit and a computed one render the same bytes.
        return ((try? JSONValue.parse(Data(entry.section.utf8))) ?? computed.json, computed.profile)
    }

    /// How many fits were taken from the earlier build.
    var reused: Int { made.withLock { $0.keys.filter { earlier[$0] != nil }.count } }

    func write(into folder: URL) throws(IINError) {
        let entries = made.withLock { $0 }
        try DiskWrites.makeFolder(folder.appendingPathComponent(ReleaseFolder.memoPrefix))
        try JSONFile.write(entries, to: folder.appendingPathComponent(Self.file))
    }
}
