import Foundation
import Synchronization

/// Reads one UTF-8 CSV file on all cores and hands the results over in
/// input order, so the output is the same whatever the thread count.
///
/// The file is cut into chunks of about 4 MiB at line ends. Each worker
/// parses the rows that start inside its chunk, assuming the chunk starts
/// a row. That is true unless the cut fell inside a quoted field with a
/// line break; the in-order merge notices (the previous chunk's last row
/// ended elsewhere) and parses that chunk again from the right place. Line
/// numbers come from a first parallel pass that counts line feeds per
/// chunk; each worker checks its chunk's UTF-8 after parsing it. Chunks are
/// processed in waves, one wave parsed while the previous one is written,
/// and the pages of a finished wave are released, so memory stays bounded
/// for any file size.
struct ChunkedCSVReader {
    static let defaultChunkSize = 4 << 20

    struct ChunkResult: Sendable {
        var stop: Int
        var stopLine: Int
        /// Whether the chunk's own bytes are well-formed UTF-8.
        var validUTF8 = true
        var records: [UInt8] = []
        var recordCount = 0
        var rowsRead = 0
        var rejected: [RejectedRow] = []
    }

    enum Outcome {
        case done
        /// The bytes are not UTF-8; the caller converts and reads again.
        case notUTF8
    }

    let file: MappedFile
    let path: String
    let threads: Int
    /// Tests use tiny chunks to put cuts inside quoted fields.
    var chunkSize = ChunkedCSVReader.defaultChunkSize

    static let headerLimit = 1 << 16

    /// Parses the header, then every row; `deliver` gets each chunk's results
    /// in input order.
    func read(makeBuilder: ([String]) throws(IINError) -> RecordBuilder, progress: ProgressReporter,
              deliver: (ChunkResult) throws(IINError) -> Void) throws(IINError) -> Outcome {
        let bytes = file.bytes
        let shared = SharedBytes(bytes: bytes)
        let bom = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        var headerScanner = CSVScanner(bytes: bytes, startOffset: bom)
        var fields: [CSVField] = []
        guard let headerResult = headerScanner.next(into: &fields) else { throw IINError.emptyFile(path: path) }
        guard case .row = headerResult else {
            throw IINError.unsupportedFile(path: path, reason: "the header row (line 1) is not valid CSV")
        }
        let headerEnd = headerScanner.currentOffset
        // A header is a line of column names; a first "row" of megabytes is
        // a file without line ends (or a gzip bomb of zeros), refused before
        // it becomes strings.
        guard headerEnd - bom <= Self.headerLimit else {
            throw IINError.limitExceeded(path: path, part: "the first row (the header), \(ByteCount.text(headerEnd - bom)) long,",
                                         limit: "the header size limit of \(Self.headerLimit) bytes (is it missing its line ends?)")
        }
        let headerValid = TextEncoding.scan(UnsafeBufferPointer(rebasing: bytes[0..<headerEnd])).validUTF8
        if !headerValid { return .notUTF8 }
        let header = fields.map { headerScanner.string(of: $0) }

        var starts: [Int] = []
        var position = headerEnd
        while position < bytes.count {
            starts.append(position)
            var cut = min(position + chunkSize, bytes.count)
            while cut < bytes.count && bytes[cut - 1] != 0x0A { cut += 1 }
            position = cut
        }
        let chunkStarts = starts
        let ends = Array(starts.dropFirst()) + [bytes.count]

        // Pass 1: line feeds per chunk, for the line numbers.
        let newlineCounts = Parallel.map(count: starts.count, threads: threads) { index in
            TextEncoding.countNewlines(UnsafeBufferPointer(rebasing: shared.bytes[chunkStarts[index]..<ends[index]]))
        }
        // The header's encoding is settled first, so a GB18030 file's
        // headers are read as what they say. The rest is checked chunk by
        // chunk as it is parsed; a chunk that is not UTF-8 stops the file
        // before anything of its wave is delivered, and the caller undoes
        // what earlier waves delivered.
        let builder: RecordBuilder
        do throws(IINError) {
            builder = try makeBuilder(header)
        } catch {
            // A refused header may only look wrong because the file is in
            // another encoding: settle that first, then report the columns.
            if !TextEncoding.scan(bytes).validUTF8 { return .notUTF8 }
            throw error
        }
        var lines: [Int] = []
        var line = headerScanner.currentLine
        for count in newlineCounts {
            lines.append(line)
            line += count
        }
        let baseLines = lines

        // Pass 2: parse in waves, merge in order. While one wave's results
        // are merged and written on this thread, the next wave is parsed on
        // the others, so writing never leaves the workers idle.
        let pool = BufferPool()
        let waveSize = max(1, threads * 4)
        let waves = stride(from: 0, to: starts.count, by: waveSize).map { $0..<min($0 + waveSize, starts.count) }
        let threads = self.threads
        @Sendable func parseWave(_ wave: Range<Int>) -> [ChunkResult] {
            Parallel.map(count: wave.count, threads: threads) { offset in
                let index = wave.lowerBound + offset
                var result = Self.parseChunk(shared.bytes, from: chunkStarts[index], line: baseLines[index], limit: ends[index], builder: builder, pool: pool)
                // Checked after parsing, while the chunk is still in cache.
                result.validUTF8 = TextEncoding.scan(UnsafeBufferPointer(rebasing: shared.bytes[chunkStarts[index]..<ends[index]])).validUTF8
                return result
            }
        }
        var expected = headerEnd
        var expectedLine = headerScanner.currentLine
        var pending = waves.isEmpty ? nil : BackgroundWork { parseWave(waves[0]) }
        // The workers read the mapped file: never return (or throw) while a
        // wave is still being parsed, or the file could be unmapped under it.
        defer { _ = pending?.wait() }
        for (number, wave) in waves.enumerated() {
            let results = pending!.wait()
            if results.contains(where: { !$0.validUTF8 }) {
                pending = nil
                return .notUTF8
            }
            pending = number + 1 < waves.count ? BackgroundWork { [waves] in parseWave(waves[number + 1]) } : nil
            for offset in 0..<wave.count {
                let index = wave.lowerBound + offset
                let result: ChunkResult
                if expected == starts[index] {
                    result = results[offset]
                } else if expected >= ends[index] {
                    pool.recycle(results[offset].records)
                    continue // the previous chunk's last row covered this one
                } else {
                    pool.recycle(results[offset].records)
                    result = Self.parseChunk(bytes, from: expected, line: expectedLine, limit: ends[index], builder: builder, pool: pool)
                }
                expected = result.stop
                expectedLine = result.stopLine
                try deliver(result)
                pool.recycle(result.records)
            }
            progress.advance(by: ends[wave.upperBound - 1] - starts[wave.lowerBound])
            file.releasePages(before: min(expected, starts[wave.upperBound - 1]))
        }
        return .done
    }

    /// Parses the rows that start in [from, limit).
    static func parseChunk(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, line: Int, limit: Int, builder: RecordBuilder, pool: BufferPool) -> ChunkResult {
        var scanner = CSVScanner(bytes: bytes, startOffset: from, firstLine: line)
        var fields: [CSVField] = []
        fields.reserveCapacity(builder.columns.fieldCount + 2)
        var scratch = RecordScratch()
        var result = ChunkResult(stop: from, stopLine: line)
        result.records = pool.take(capacity: limit - from + 4096)
        while true {
            scanner.skipBlankLines()
            if scanner.currentOffset >= limit || scanner.atEnd { break }
            guard let scanned = scanner.next(into: &fields) else { break }
            result.rowsRead += 1
            switch scanned {
            case let .defective(rowLine, range, defect):
                result.rejected.append(RejectedRow(line: rowLine, reason: .malformed, detail: defect.rawValue, text: RejectedRow.excerpt(bytes[range])))
            case let .row(rowLine, range):
                switch builder.build(RowView(bytes: bytes, fields: fields), line: rowLine, scratch: &scratch, into: &result.records) {
                case .record:
                    result.recordCount += 1
                case let .rejected(reason, detail):
                    result.rejected.append(RejectedRow(line: rowLine, reason: reason, detail: detail, text: RejectedRow.excerpt(bytes[range])))
                }
            }
        }
        result.stop = scanner.currentOffset
        result.stopLine = scanner.currentLine
        return result
    }
}

/// Output buffers handed back after writing and reused by the next chunks:
/// fresh multi-megabyte allocations cost a page fault and a zeroed page
/// per 4 KiB, which was 7% of ingest time.
final class BufferPool: Sendable {
    private let spare = Mutex<[[UInt8]]>([])

    func take(capacity: Int) -> [UInt8] {
        var buffer = spare.withLock { $0.popLast() } ?? []
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(capacity)
        return buffer
    }

    func recycle(_ buffer: [UInt8]) {
        spare.withLock { if $0.count < 64 { $0.append(buffer) } }
    }
}

/// Work started on another thread now and collected later.
final class BackgroundWork<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value: T?

    init(_ work: @escaping @Sendable () -> T) {
        DispatchQueue.global().async {
            self.value = work()
            self.done.signal()
        }
    }

    /// Blocks until the work is done; the semaphore orders the write of
    /// `value` before this read.
    func wait() -> T {
        done.wait()
        return value!
    }
}

/// The mapped bytes of a file, shared read-only with the worker threads;
/// the `MappedFile` that owns them outlives every parallel pass.
struct SharedBytes: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>
}
