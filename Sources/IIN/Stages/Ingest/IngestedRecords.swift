import Foundation

/// The ingest stage's records, read back with the source texts the
/// artifact keeps (`text-NNN.csv`, one per CSV input file), in input order.
public struct IngestedRecords {
    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    static func textName(_ fileIndex: Int) -> String {
        String(format: "text-%03d.csv", fileIndex)
    }

    public func forEach(_ body: (IngestedRecord) throws(IINError) -> Void) throws(IINError) {
        var texts: [Int: MappedFile] = [:]
        var released: [Int: Int] = [:]
        var reader = try BinaryReader(url: folder.appendingPathComponent(IngestStage.recordsFile))
        let lookup = { (file: Int) throws(IINError) -> UnsafeBufferPointer<UInt8>? in
            if let mapped = texts[file] { return mapped.bytes }
            let url = folder.appendingPathComponent(Self.textName(file))
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            let mapped = try MappedFile(url: url)
            texts[file] = mapped
            return mapped.bytes
        }
        var rowStart = 0
        while !reader.atEnd {
            let record = try RecordCodec.readIngested(&reader, rowStart: &rowStart, text: lookup)
            try body(record)
            // Rows come in order: hand back the text already passed, so
            // reading a multi-gigabyte crawl keeps memory flat.
            let file = record.location.file
            if let mapped = texts[file], rowStart - released[file, default: 0] >= 64 << 20 {
                mapped.releasePages(before: rowStart)
                released[file] = rowStart
            }
        }
    }
}
