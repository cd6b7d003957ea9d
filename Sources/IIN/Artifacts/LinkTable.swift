import Foundation

/// The directed city-to-city weights N(i->j) of one link type and slice,
/// intracity pairs (i == j) included.
public struct LinkTable: Sendable, Equatable {
    public struct Link: Sendable, Equatable {
        public var linkType: LinkType
        public var year: Int
        public var from: Int
        public var to: Int
        public var count: Int
    }

    /// Sorted by link type, year, from, to.
    public var links: [Link]

    public static let fileName = "links.csv"
    static let header = ["link_type", "year", "investor_city", "investee_city", "count"]

    public func write(to folder: URL) throws(IINError) {
        let output = try BufferedFileWriter(url: folder.appendingPathComponent(Self.fileName))
        var writer = CSVWriter(output: output)
        writer.writeRow(Self.header)
        for link in links {
            writer.writeRow([link.linkType.name, String(link.year), String(link.from), String(link.to), String(link.count)])
        }
        try output.close()
    }

    /// Reads the file `write` wrote, as bytes: 355,000 links at 12M
    /// records took 0.35 s through a table of strings, and the degrees
    /// and publish stages each read it.
    public static func read(from folder: URL) throws(IINError) -> LinkTable {
        let url = folder.appendingPathComponent(fileName)
        let file = try MappedFile(url: url)
        return try withExtendedLifetime(file) { () throws(IINError) -> LinkTable in
            let bytes = file.bytes
            var position = 0, line = 1
            func corrupt() -> IINError { IINError.corruptArtifact(path: url.path, reason: "line \(line) unreadable") }
            /// The bytes up to the next comma (or line end when `last`).
            func field(last: Bool) throws(IINError) -> Range<Int> {
                let start = position
                while position < bytes.count, bytes[position] != UInt8(ascii: ","), bytes[position] != 0x0A { position += 1 }
                let end = position > start && bytes[position - 1] == 0x0D && last ? position - 1 : position
                guard position < bytes.count, bytes[position] == (last ? 0x0A : UInt8(ascii: ",")) else { throw corrupt() }
                position += 1
                return start..<end
            }
            func number(_ range: Range<Int>) throws(IINError) -> Int {
                guard !range.isEmpty, range.count <= 18 else { throw corrupt() }
                var value = 0
                for index in range {
                    let digit = Int(bytes[index]) - 48
                    guard (0...9).contains(digit) else { throw corrupt() }
                    value = value * 10 + digit
                }
                return value
            }
            func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
            let names = Dictionary(uniqueKeysWithValues: LinkType.allCases.map { (Array($0.name.utf8), $0) })
            var headerFields: [String] = []
            for column in header.indices { headerFields.append(text(try field(last: column == header.count - 1))) }
            guard headerFields == header else { throw corrupt() }
            var links: [Link] = []
            while position < bytes.count {
                line += 1
                guard let linkType = names[Array(bytes[try field(last: false)])] else { throw corrupt() }
                let year = try number(try field(last: false))
                let from = try number(try field(last: false))
                let to = try number(try field(last: false))
                let count = try number(try field(last: true))
                links.append(Link(linkType: linkType, year: year, from: from, to: to, count: count))
            }
            return LinkTable(links: links)
        }
    }

    /// The slices present per link type, in order.
    public var slices: [(LinkType, Int)] {
        var seen: [(LinkType, Int)] = []
        for link in links where !seen.contains(where: { $0.0 == link.linkType && $0.1 == link.year }) {
            seen.append((link.linkType, link.year))
        }
        return seen
    }
}
