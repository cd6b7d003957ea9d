/// The byte encoding every binary artifact between stages is made of:
/// LEB128 varints, little-endian fixed 64-bit words and length-prefixed
/// bytes. One reader (`MappedRecordCursor`, zero-copy over a mapped file)
/// and one appender for growable buffers; the ingest stage's hot path
/// writes the same encoding into reserved memory (`IngestedRecordSink`).
/// Appending the encoding to an in-memory buffer, for workers that encode
/// records in parallel before one writer puts them in order.
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

/// The paid-in capital as the record layouts carry it: a flag byte (0 none,
/// 1 present), then the amount as the bit pattern of a Double (fixed 64),
/// the unit's index in `PaidInCapital.Unit.allCases` (varint) and the
/// currency (length-prefixed UTF-8). The geocode stage copies the field's
/// bytes from the ingest artifact as they are.
enum CapitalField {
    /// Steps over the field; returns its bytes.
    @inline(__always)
    static func skip(_ cursor: inout MappedRecordCursor) throws(IINError) -> UnsafeBufferPointer<UInt8> {
        let start = cursor.offset
        if try cursor.varint() == 1 {
            _ = try cursor.fixed64()
            _ = try cursor.varint()
            _ = try cursor.lengthPrefixed()
        }
        return UnsafeBufferPointer(rebasing: cursor.bytes[start..<cursor.offset])
    }

    static func read(_ cursor: inout MappedRecordCursor) throws(IINError) -> PaidInCapital? {
        guard try cursor.varint() == 1 else { return nil }
        let amount = Double(bitPattern: try cursor.fixed64())
        let unitIndex = try cursor.varint()
        guard PaidInCapital.Unit.allCases.indices.contains(unitIndex) else { throw cursor.corrupt("unknown capital unit") }
        let currency = String(decoding: try cursor.lengthPrefixed(), as: UTF8.self)
        return PaidInCapital(amount: amount, unit: PaidInCapital.Unit.allCases[unitIndex], currency: currency)
    }

    static func unitIndex(_ unit: PaidInCapital.Unit) -> Int {
        PaidInCapital.Unit.allCases.firstIndex(of: unit)!
    }
}
