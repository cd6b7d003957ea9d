import _FoundationICU

/// The identity of an enterprise name for deduplication and the
/// self-investment check: Unicode NFKC, all white space removed, ASCII
/// letters upper-cased.
///
/// NFKC comes from ICU (the copy inside the toolchain's Foundation), because
/// Foundation's own compatibility mapping is not strict NFKC on Linux: it
/// leaves half-width katakana with voiced marks decomposed. Keys are tested
/// byte for byte against Python's `unicodedata` (fixtures/ingest/nfkc-keys).
public enum EnterpriseKey {
    public static func make(_ name: String) -> String {
        String(decoding: make(bytes: Array(name.utf8)), as: UTF8.self)
    }

    /// The key of a UTF-8 name.
    public static func make<Bytes: RandomAccessCollection>(bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        append(bytes: bytes, to: &out)
        return out
    }

    /// Appends the key of a UTF-8 name to `out`. Names of only ASCII, CJK
    /// unified ideographs and full-width ASCII forms (most enterprise names)
    /// take a byte-only path; the rest go through ICU.
    public static func append<Bytes: RandomAccessCollection>(bytes: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
        let start = out.count
        if appendFastPath(bytes, to: &out) { return }
        out.removeSubrange(start...)
        let normalized = normalizeNFKC(Array(String(decoding: bytes, as: UTF8.self).utf16))
        for scalar in String(decoding: normalized, as: UTF16.self).unicodeScalars where !scalar.properties.isWhitespace {
            if scalar.value >= 0x61 && scalar.value <= 0x7A {
                out.append(UInt8(scalar.value - 0x20))
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
    }

    /// Appends the key of names made only of ASCII, CJK unified ideographs
    /// (U+4E00..U+9FFF, unchanged by NFKC), full-width ASCII forms
    /// (U+FF01..U+FF5E, which NFKC maps to U+0021..U+007E) and the
    /// ideographic space U+3000 (NFKC: a space, so dropped). False as soon
    /// as any other character appears; the caller then normalises fully.
    @inline(__always)
    static func appendFastPath<Bytes: RandomAccessCollection>(_ bytes: Bytes, to out: inout [UInt8]) -> Bool where Bytes.Element == UInt8 {
        @inline(__always) func appendASCII(_ byte: UInt8) {
            switch byte {
            case 0x09...0x0D, 0x20: break
            case 0x61...0x7A: out.append(byte - 0x20)
            default: out.append(byte)
            }
        }
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte < 0x80 {
                appendASCII(byte)
                index = bytes.index(after: index)
                continue
            }
            guard byte >= 0xE3 && byte <= 0xEF else { return false }
            let second = bytes.index(after: index)
            guard second != bytes.endIndex else { return false }
            let third = bytes.index(after: second)
            guard third != bytes.endIndex else { return false }
            let b1 = bytes[second]
            let b2 = bytes[third]
            guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return false }
            switch byte {
            case 0xE4 where b1 >= 0xB8, 0xE5...0xE9:
                // U+4E00..U+9FFF is E4 B8 80 .. E9 BF BF.
                out.append(byte)
                out.append(b1)
                out.append(b2)
            case 0xE3 where b1 == 0x80 && b2 == 0x80:
                break // U+3000
            case 0xEF where (b1 == 0xBC && b2 >= 0x81) || (b1 == 0xBD && b2 <= 0x9E):
                // U+FF01..U+FF5E: EF BC 81 .. EF BD 9E, minus 0xFEE0.
                let scalar = (UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F)) + 0xF000 - 0xFEE0
                appendASCII(UInt8(scalar))
            default:
                return false
            }
            index = bytes.index(after: third)
        }
        return true
    }

    static func normalizeNFKC(_ input: [UInt16]) -> [UInt16] {
        var status = U_ZERO_ERROR
        guard let normalizer = swift_unorm2_getNFKCInstance(&status), status.rawValue <= U_ZERO_ERROR.rawValue else { return input }
        var capacity = max(16, input.count * 3)
        while true {
            var output = [UInt16](repeating: 0, count: capacity)
            status = U_ZERO_ERROR
            let length = swift_unorm2_normalize(normalizer, input, Int32(input.count), &output, Int32(capacity), &status)
            if status == U_BUFFER_OVERFLOW_ERROR {
                capacity = Int(length) + 16
                continue
            }
            guard status.rawValue <= U_ZERO_ERROR.rawValue else { return input }
            return Array(output[0..<Int(length)])
        }
    }
}
