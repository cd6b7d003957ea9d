/// Appending the binary artifact encoding (LEB128 varints, length-prefixed
/// bytes) to an in-memory buffer, for workers that encode records in
/// parallel before one writer puts them in order.
extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        append(UInt8(remaining))
    }

    @inline(__always)
    mutating func appendLengthPrefixed<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        appendVarint(UInt64(bytes.count))
        append(contentsOf: bytes)
    }

    @inline(__always)
    mutating func appendFixed64(_ value: UInt64) {
        var little = value.littleEndian
        Swift.withUnsafeBytes(of: &little) { append(contentsOf: $0) }
    }
}

extension BinaryReader {
    public mutating func readFixed64() throws(IINError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) {
            value |= try readByte() << UInt64(shift)
        }
        return value
    }
}
