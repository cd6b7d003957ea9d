import Foundation

/// Reads a whole file for byte-level scanning.
///
/// Files are memory-mapped where the system allows, so a large crawl file is
/// paged in as it is scanned instead of being copied up front.
public enum FileBytes {
    public static func read(_ url: URL) throws(IINError) -> Data {
        do {
            return try Data(contentsOf: url, options: [.alwaysMapped])
        } catch {
            throw IINError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
    }
}
