import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The text encodings a crawl file may use, and the detection between them.
public enum TextEncoding: String, Sendable {
    case utf8 = "utf-8"
    case gb18030

    /// Line feeds in `bytes` and whether the bytes are well-formed UTF-8
    /// (no overlong forms, no surrogates, nothing above U+10FFFF), in one
    /// pass. Words of eight ASCII bytes are handled at once; multi-byte
    /// sequences are checked by their lead and second byte ranges.
    public static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (newlines: Int, validUTF8: Bool) {
        guard let base = bytes.baseAddress else { return (0, true) }
        let raw = UnsafeRawPointer(base)
        let count = bytes.count
        var newlines = 0
        var index = 0
        while index < count {
            if index + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    newlines += newlineCount(word)
                    index += 8
                    continue
                }
            }
            let lead = base[index]
            if lead < 0x80 {
                if lead == 0x0A { newlines += 1 }
                index += 1
                continue
            }
            // Most of a Chinese crawl is three-byte sequences (U+0800..U+FFFF
            // minus the surrogates): check one with a single 32-bit load.
            if index + 4 <= count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian
                if word & 0x00C0_C0F0 == 0x0080_80E0 && lead != 0xE0 && lead != 0xED {
                    index += 3
                    continue
                }
            }
            let length: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondLow = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: length = 3
            case 0xED: length = 3; secondHigh = 0x9F
            case 0xF0: length = 4; secondLow = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondHigh = 0x8F
            default: return (newlines, false)
            }
            guard index + length <= count else { return (newlines, false) }
            let second = base[index + 1]
            guard second >= secondLow && second <= secondHigh else { return (newlines, false) }
            if length >= 3 && base[index + 2] & 0xC0 != 0x80 { return (newlines, false) }
            if length == 4 && base[index + 3] & 0xC0 != 0x80 { return (newlines, false) }
            index += length
        }
        return (newlines, true)
    }

    /// Line feeds in `bytes`, eight bytes at a time. A line feed never
    /// occurs inside a multi-byte UTF-8 or GB18030 character, so this holds
    /// whatever the encoding.
    public static func countNewlines(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        var newlines = 0
        var index = 0
        while index + 8 <= bytes.count {
            newlines += newlineCount(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            index += 8
        }
        while index < bytes.count {
            if base[index] == 0x0A { newlines += 1 }
            index += 1
        }
        return newlines
    }

    /// The number of 0x0A bytes in a word, exactly: a byte is zero
    /// after the XOR iff adding 0x7F to its low seven bits leaves the high
    /// bit clear and it had none.
    @inline(__always)
    static func newlineCount(_ word: UInt64) -> Int {
        let x = word ^ 0x0A0A_0A0A_0A0A_0A0A
        let low = 0x7F7F_7F7F_7F7F_7F7F as UInt64
        let zeroHighBits = ~(((x & low) &+ low) | x | low)
        return zeroHighBits.nonzeroBitCount
    }

    /// Converts a GB18030 file to UTF-8, streaming through iconv in 1 MiB
    /// blocks. Throws `unknownEncoding` when the bytes are not GB18030.
    public static func convertGB18030File(_ source: URL, to destination: URL) throws(IINError) {
        let converter = iconv_open("UTF-8", "GB18030")
        guard converter != iconv_t(bitPattern: -1) else { throw IINError.unknownEncoding(path: source.path) }
        defer { iconv_close(converter) }
        guard let input = FileHandle(forReadingAtPath: source.path) else { throw IINError.unreadableFile(path: source.path, reason: "cannot open") }
        defer { try? input.close() }
        let output = try BufferedFileWriter(url: destination)
        var pending: [UInt8] = []
        var outBuffer = [UInt8](repeating: 0, count: 4 << 20)
        while true {
            let block: Data
            do { block = try input.read(upToCount: 1 << 20) ?? Data() } catch {
                throw IINError.unreadableFile(path: source.path, reason: error.localizedDescription)
            }
            let atEnd = block.isEmpty
            pending.append(contentsOf: block)
            if pending.isEmpty { break }
            let inCount = pending.count
            let outCapacity = outBuffer.count
            let (consumed, produced, failed): (Int, Int, Bool) = pending.withUnsafeMutableBytes { inRaw in
                outBuffer.withUnsafeMutableBytes { outRaw in
                    var inPointer = inRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                    var inLeft = inCount
                    var outPointer = outRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                    var outLeft = outCapacity
                    let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                    // EINVAL: a character cut by the block end; E2BIG: output full.
                    let failed = result == -1 && errno != EINVAL && errno != E2BIG
                    return (inCount - inLeft, outCapacity - outLeft, failed)
                }
            }
            if failed || (atEnd && consumed < inCount) { throw IINError.unknownEncoding(path: source.path) }
            output.write(outBuffer[0..<produced])
            pending.removeFirst(consumed)
            if atEnd && pending.isEmpty { break }
        }
        try output.close()
    }
}
