import CIINZlib
import Foundation

/// Decompresses gzip files with zlib, streaming, so a compressed crawl of
/// any size needs only a few megabytes of buffer.
public enum Gzip {
    /// A crawl export compresses 4 to 10 times; a stream that inflates to
    /// more than this multiple of its size (and past the floor) is a bomb.
    public static let inflationRatio = 100
    public static let inflationFloor = 64 << 20
    /// The inflate loop's own status for "past the limit" (zlib's are 2 to -6).
    private static let overLimit: Int32 = -1000

    /// Writes the decompressed content of `source` to `destination`.
    public static func decompress(_ source: URL, to destination: URL) throws(IINError) {
        guard let input = FileHandle(forReadingAtPath: source.path) else {
            throw IINError.unreadableFile(path: source.path, reason: "cannot open")
        }
        let compressedSize = (try? FileManager.default.attributesOfItem(atPath: source.path)[.size] as? Int) ?? 0
        let (bound, overflow) = compressedSize.multipliedReportingOverflow(by: inflationRatio)
        let allowed = max(inflationFloor, overflow ? Int.max : bound)
        var inflated = 0
        defer { try? input.close() }
        let output = try BufferedFileWriter(url: destination)
        var stream = z_stream()
        guard iin_inflate_init_gzip(&stream) == Z_OK else {
            throw IINError.unreadableFile(path: source.path, reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var outBuffer = [UInt8](repeating: 0, count: 1 << 20)
        // A member that ended exactly at the end of a block: the next
        // block, if there is one, starts the next member.
        var memberEnded = false
        while true {
            let block: Data
            do { block = try input.read(upToCount: 1 << 20) ?? Data() } catch {
                throw IINError.unreadableFile(path: source.path, reason: error.localizedDescription)
            }
            if block.isEmpty {
                if memberEnded { break }
                throw IINError.unsupportedFile(path: source.path, reason: "the gzip stream ends early (truncated .gz file)")
            }
            if memberEnded {
                inflateReset(&stream)
                memberEnded = false
            }
            var inBuffer = [UInt8](block)
            let status: Int32 = inBuffer.withUnsafeMutableBufferPointer { inPointer in
                stream.next_in = inPointer.baseAddress
                stream.avail_in = UInt32(inPointer.count)
                var result = Z_OK
                repeat {
                    result = outBuffer.withUnsafeMutableBufferPointer { outPointer in
                        stream.next_out = outPointer.baseAddress
                        stream.avail_out = UInt32(outPointer.count)
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    let produced = outBuffer.count - Int(stream.avail_out)
                    inflated += produced
                    if inflated > allowed { return overLimit }
                    if produced > 0 { output.write(outBuffer[0..<produced]) }
                    if result == Z_STREAM_END {
                        // Concatenated gzip members continue the same file.
                        if stream.avail_in > 0 {
                            inflateReset(&stream)
                            result = Z_OK
                            continue
                        }
                        return Z_STREAM_END
                    }
                    if result != Z_OK && result != Z_BUF_ERROR { return result }
                } while stream.avail_in > 0 || stream.avail_out == 0
                return Z_OK
            }
            switch status {
            case overLimit:
                try? output.close()
                throw IINError.limitExceeded(path: source.path, part: "the gzip stream (\(ByteCount.text(compressedSize)) compressed)",
                                             limit: "\(ByteCount.text(allowed)) inflated, \(inflationRatio) times its size (a gzip bomb?)")
            case Z_OK: continue
            case Z_STREAM_END:
                // The block is used up at a member's end: the file ends
                // here, or the next block holds another member (anything
                // else there fails as "not a valid gzip file").
                memberEnded = true
            default:
                throw IINError.unsupportedFile(path: source.path, reason: "not a valid gzip file (zlib error \(status))")
            }
        }
        try output.close()
    }
}
