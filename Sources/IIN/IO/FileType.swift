import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a path is, by stat(2): inputs and release folders refuse a FIFO or
/// a device by name, because reading one would block the run for ever.
public enum FileType: Equatable, Sendable {
    case file, folder, link, fifo, socket, characterDevice, blockDevice, other
    /// stat failed; the reason is strerror's.
    case unreadable(String)

    /// - Parameter followingLinks: stat the link's target (an input named
    ///   through a link is read through it) or the link itself (lstat).
    public static func of(_ path: String, followingLinks: Bool) -> FileType {
        var info = stat()
        guard (followingLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { return .unreadable(String(cString: strerror(errno))) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .folder
        case S_IFLNK: return .link
        case S_IFIFO: return .fifo
        case S_IFSOCK: return .socket
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        default: return .other
        }
    }
}
