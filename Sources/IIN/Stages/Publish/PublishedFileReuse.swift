import Crypto
import Foundation
import Synchronization

/// The release files of publish's last build that a rebuild takes as they
/// are, found by the digest of what they are made from. A nightly build
/// whose new rows leave the investment network as it was (a duplicate, a
/// rejected row, a change only the record accounting shows) links the
/// network's workbooks, CSVs, GeoJSON and GraphML from the last build
/// instead of writing 300 MB again; what changed is written afresh.
///
/// Each group of files (a table's CSV and workbook, one document) is a
/// part of `memo/publish/`, keyed by the network it shows, so the
/// lookup, the check of the earlier files against their recorded hashes
/// and the linking are the per-file stages' (`PartLibrary`). A file taken
/// from here is the file a cold build writes: its key names every input
/// of its bytes, publish's code version included, and the tests compare
/// the releases of both builds byte for byte.
final class PublishedFileReuse: Sendable {
    static let prefix = ReleaseFolder.memoPrefix + "publish/"

    /// Rows of each table file in the part (documents without rows have
    /// none).
    typealias Rows = [String: Int]

    private let earlier: EarlierParts<Rows>
    private let output: URL
    private let made = Mutex<(parts: [PartManifest<Rows>.Part], adopted: Int)>(([], 0))

    init(earlier library: PartLibrary, output: URL) {
        earlier = library.load(Rows.self, prefix: Self.prefix)
        self.output = output
    }

    /// The files `write` makes, linked from the last build when one made
    /// them under `key`. `files` names each file `write` writes with its
    /// rows (nil for a document), known from this build's tables: a count
    /// kept in the memo is never taken for the release's, so an edited
    /// memo cannot change what the manifest says. With no key the files
    /// are always written.
    func files(key: String?, files: [String: Int?], write: () throws(IINError) -> Void) throws(IINError) -> Rows {
        let rows = files.compactMapValues { $0 }
        guard let key else {
            try write()
            return rows
        }
        let output = self.output
        let adopted = earlier.adopt(key: key, into: output) { path in
            // A part's files may sit in a subfolder this run has not made.
            try? FileManager.default.createDirectory(at: output.appendingPathComponent(path).deletingLastPathComponent(),
                                                     withIntermediateDirectories: true)
            return path
        }
        if let adopted {
            if Set(adopted.files.values) == Set(files.keys) {
                made.withLock {
                    $0.parts.append(PartManifest<Rows>.Part(key: key, files: adopted.files, summary: rows))
                    $0.adopted += 1
                }
                return rows
            }
            for path in adopted.files.values { try? FileManager.default.removeItem(at: output.appendingPathComponent(path)) }
        }
        try write()
        made.withLock { $0.parts.append(PartManifest<Rows>.Part(key: key, files: Dictionary(uniqueKeysWithValues: files.keys.map { ($0, $0) }), summary: rows)) }
        return rows
    }

    /// How many parts were linked from the last build.
    var reused: Int { made.withLock { $0.adopted } }

    /// The parts of this build, in the order of their first file, so the
    /// memo's bytes do not depend on which thread finished first.
    func writeMemo() throws(IINError) {
        let parts = made.withLock { $0.parts }.sorted { ($0.files.keys.min() ?? "") < ($1.files.keys.min() ?? "") }
        try PartManifest(parts: parts).write(to: output, prefix: Self.prefix)
    }

    /// The key of a file group: what publish's bytes depend on besides
    /// the rows (its code, the program's version, which the data package
    /// names, and the gazetteer), the group's first path, and `content`,
    /// the digest of the rows it shows.
    static func key(path: String, content: String, gazetteer: Gazetteer) -> String {
        var hasher = SHA256()
        for text in [PublishStage.kind, String(PublishStage.codeVersion), IINVersion.current, gazetteer.digest, path, content] {
            hasher.update(data: Data(text.utf8))
            hasher.update(data: Data([0]))
        }
        return hasher.finalize().hexString
    }

    /// The digest of one link type's network: its links and degrees,
    /// every field, in their order. Every network file publishes from
    /// these and the gazetteer only.
    static func networkDigest(links: [LinkTable.Link], degrees: [CityDegree]) -> String {
        var hasher = SHA256()
        var numbers: [Int64] = []
        numbers.reserveCapacity(links.count * 5 + degrees.count * 8 + 2)
        numbers.append(Int64(links.count))
        for link in links {
            numbers.append(contentsOf: [Int64(link.linkType.rawValue), Int64(link.year), Int64(link.from), Int64(link.to), Int64(link.count)])
        }
        numbers.append(Int64(degrees.count))
        for degree in degrees {
            numbers.append(contentsOf: [Int64(degree.linkType.rawValue), Int64(degree.year), Int64(degree.city), Int64(degree.outdegree),
                                        Int64(degree.indegree), Int64(degree.rankOut), Int64(degree.rankIn), Int64(degree.rankNode)])
        }
        numbers.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().hexString
    }
}
