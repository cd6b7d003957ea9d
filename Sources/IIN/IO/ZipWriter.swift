import CIINZlib
import Foundation

/// Writes a ZIP archive entry by entry, deflating each as its bytes come,
/// so an entry of any size is never held whole; local headers carry their
/// sizes and CRC after the data (general-purpose flag bit 3), so nothing
/// is written twice. Deterministic: every entry stamped 1980-01-01 00:00,
/// no extra fields, entries in the order written.
///
/// Written here rather than through ZIPFoundation because a workbook of a
/// paper-sized release is 60 MB of sheet XML: ZIPFoundation deflates at
/// zlib's default level from a provider that must know the size first
/// (5.5 s for one 287,000-row table), this at level 1 as the XML is made.
final class ZipWriter {
    private let output: BufferedFileWriter
    private var central: [UInt8] = []
    private var entries = 0
    private var offset = 0
    private var stream = z_stream()
    private var streaming = false
    private var crc: uLong = 0
    private var uncompressed = 0
    private var compressed = 0
    private var entryOffset = 0
    private var entryName: [UInt8] = []
    private var tooLarge = false
    private var outBuffer = [UInt8](repeating: 0, count: 1 << 18)
    let path: String

    static let dosTime: UInt16 = 0
    static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1 // 1980-01-01

    init(url: URL) throws(IINError) {
        path = url.path
        output = try BufferedFileWriter(url: url)
    }

    /// Starts an entry; its bytes follow through `write`, until
    /// `finishEntry`.
    func beginEntry(_ name: String, level: Int32 = 1) throws(IINError) {
        precondition(!streaming, "finish the previous entry first")
        entryName = Array(name.utf8)
        entryOffset = offset
        var header: [UInt8] = []
        header.appendLE32(0x0403_4b50)
        header.appendLE16(20) // version needed
        header.appendLE16(1 << 3 | 1 << 11) // sizes after the data; UTF-8 names
        header.appendLE16(8) // deflate
        header.appendLE16(Self.dosTime)
        header.appendLE16(Self.dosDate)
        header.appendLE32(0)
        header.appendLE32(0)
        header.appendLE32(0)
        header.appendLE16(UInt16(entryName.count))
        header.appendLE16(0)
        header += entryName
        emit(header)
        stream = z_stream()
        guard iin_deflate_init_raw(&stream, level) == Z_OK else { throw IINError.unwritableFile(path: path, reason: "zlib could not start") }
        streaming = true
        crc = crc32(0, nil, 0)
        uncompressed = 0
        compressed = 0
    }

    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    func write(_ text: String) {
        var copy = text
        copy.withUTF8 { write($0) }
    }

    func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        crc = crc32(crc, base, uInt(bytes.count))
        uncompressed += bytes.count
        stream.next_in = UnsafeMutablePointer(mutating: base)
        stream.avail_in = uInt(bytes.count)
        deflateStep(flush: Z_NO_FLUSH)
    }

    private func deflateStep(flush: Int32) {
        var result: Int32 = Z_OK
        repeat {
            let produced: Int = outBuffer.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                result = deflate(&stream, flush)
                return out.count - Int(stream.avail_out)
            }
            if produced > 0 {
                compressed += produced
                emit(outBuffer[0..<produced])
            }
        } while stream.avail_out == 0 || (flush == Z_FINISH && result != Z_STREAM_END)
    }

    func finishEntry() {
        precondition(streaming, "no entry to finish")
        stream.next_in = nil
        stream.avail_in = 0
        deflateStep(flush: Z_FINISH)
        deflateEnd(&stream)
        streaming = false
        var descriptor: [UInt8] = []
        descriptor.appendLE32(0x0807_4b50)
        // Past 4 GB a zip needs ZIP64: noted here, refused at close.
        if compressed >= Int(UInt32.max) || uncompressed >= Int(UInt32.max) || entryOffset >= Int(UInt32.max) { tooLarge = true }
        descriptor.appendLE32(UInt32(truncatingIfNeeded: crc))
        descriptor.appendLE32(UInt32(truncatingIfNeeded: compressed))
        descriptor.appendLE32(UInt32(truncatingIfNeeded: uncompressed))
        emit(descriptor)

        central.appendLE32(0x0201_4b50)
        central.appendLE16(20 | 3 << 8) // made by: Unix, 2.0
        central.appendLE16(20)
        central.appendLE16(1 << 3 | 1 << 11)
        central.appendLE16(8)
        central.appendLE16(Self.dosTime)
        central.appendLE16(Self.dosDate)
        central.appendLE32(UInt32(truncatingIfNeeded: crc))
        central.appendLE32(UInt32(truncatingIfNeeded: compressed))
        central.appendLE32(UInt32(truncatingIfNeeded: uncompressed))
        central.appendLE16(UInt16(truncatingIfNeeded: entryName.count))
        central.appendLE16(0) // extra
        central.appendLE16(0) // comment
        central.appendLE16(0) // disk
        central.appendLE16(0) // internal attributes
        central.appendLE32(UInt32(0o100644) << 16) // a regular file, rw-r--r--
        central.appendLE32(UInt32(truncatingIfNeeded: entryOffset))
        central += entryName
        entries += 1
    }

    func entry(_ name: String, _ text: String) throws(IINError) {
        try beginEntry(name)
        write(text)
        finishEntry()
    }

    func close() throws(IINError) {
        let centralOffset = offset
        emit(central)
        var end: [UInt8] = []
        end.appendLE32(0x0605_4b50)
        end.appendLE16(0)
        end.appendLE16(0)
        end.appendLE16(UInt16(truncatingIfNeeded: entries))
        end.appendLE16(UInt16(truncatingIfNeeded: entries))
        end.appendLE32(UInt32(truncatingIfNeeded: central.count))
        end.appendLE32(UInt32(truncatingIfNeeded: centralOffset))
        end.appendLE16(0)
        emit(end)
        guard !tooLarge, entries < Int(UInt16.max), offset < Int(UInt32.max) else {
            throw IINError.unwritableFile(path: path, reason: "over 4 GB, which needs ZIP64; split the table")
        }
        try output.close()
    }

    private func emit<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        output.write(bytes)
        offset += bytes.count
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE16(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    mutating func appendLE32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
