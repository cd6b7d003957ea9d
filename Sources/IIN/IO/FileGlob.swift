#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Expands a shell glob (`*`, `?`, `[...]`) to existing paths.
public enum FileGlob {
    /// Matching paths in byte order, which is the contract's input order.
    public static func expand(_ pattern: String) -> [String] {
        expandChecked(pattern).paths
    }

    /// The matching paths, and apart those whose bytes are not UTF-8 (a
    /// name written in GBK, say), spelled with U+FFFD where a byte is not:
    /// such a path cannot be opened through a Swift string, so a caller
    /// says so rather than report the file missing.
    public static func expandChecked(_ pattern: String) -> (paths: [String], notUTF8: [String]) {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return ([], []) }
        var paths: [String] = [], notUTF8: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            guard let cString = result.gl_pathv[index] else { continue }
            if let path = String(validatingCString: cString) { paths.append(path) } else { notUTF8.append(String(cString: cString)) }
        }
        return (paths.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }, notUTF8.sorted())
    }
}
