import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The text encodings a crawl file may use, and the detection between them.
public enum TextEncoding: String, Sendable {
    case utf8 = "utf-8"
    case gb18030

    /// Whether the bytes are well-formed UTF-8 (no overlongs, no surrogates).
    public static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            switch lead {
            case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(lead & 0x1F)
            case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(lead & 0x0F)
            case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(lead & 0x07)
            default: return false
            }
            guard index + length <= count else { return false }
            for offset in 1..<length {
                let byte = bytes[index + offset]
                guard byte & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(byte & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return false }
            index += length
        }
        return true
    }

    /// GB18030 to UTF-8 through glibc's iconv; nil when the bytes are not
    /// valid GB18030.
    public static func utf8FromGB18030(_ data: Data) -> Data? {
        let converter = iconv_open("UTF-8", "GB18030")
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var output = Data(count: data.count * 2 + 16)
        var input = data
        let inputCount = input.count
        let outputCapacity = output.count
        let written: Int? = input.withUnsafeMutableBytes { inputRaw in
            output.withUnsafeMutableBytes { outputRaw in
                var inPointer = inputRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                var inLeft = inputCount
                var outPointer = outputRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                var outLeft = outputCapacity
                let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                if result == -1 || inLeft != 0 { return nil }
                return outputCapacity - outLeft
            }
        }
        guard let written else { return nil }
        output.count = written
        return output
    }
}
