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

/// Reads the record layouts' varints, fixed 64-bit words and
/// length-prefixed fields from mapped bytes, without copying; errors name
/// the artifact and the byte offset.
struct MappedRecordCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    var offset = 0

    init(bytes: UnsafeBufferPointer<UInt8>, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var atEnd: Bool { offset >= bytes.count }

    func corrupt(_ reason: String) -> IINError {
        IINError.corruptArtifact(path: path, reason: "\(reason) at byte \(offset)")
    }

    @inline(__always)
    mutating func varint() throws(IINError) -> Int {
        var result = 0
        var shift = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            result |= Int(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        throw corrupt("truncated integer")
    }

    /// A length-prefixed field, as a slice of the mapped bytes.
    @inline(__always)
    mutating func lengthPrefixed() throws(IINError) -> UnsafeBufferPointer<UInt8> {
        let length = try varint()
        return try take(length)
    }

    @inline(__always)
    mutating func take(_ length: Int) throws(IINError) -> UnsafeBufferPointer<UInt8> {
        guard length >= 0, length <= bytes.count - offset else { throw corrupt("field runs past the end") }
        defer { offset += length }
        return UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)])
    }

    @inline(__always)
    mutating func fixed64() throws(IINError) -> UInt64 {
        guard offset + 8 <= bytes.count, let base = bytes.baseAddress else { throw corrupt("truncated") }
        let value = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self).littleEndian
        offset += 8
        return value
    }
}
