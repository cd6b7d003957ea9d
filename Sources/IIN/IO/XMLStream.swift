import CIINXML
import Foundation

/// A streaming XML reader over libxml2's SAX2 push parser (through the
/// small C target CIINXML): the document is fed in blocks and never held
/// whole.
///
/// libxml2 rather than Foundation's `XMLParser`, which on this platform
/// fails on documents of 10 MB or more and reads about a quarter as fast
/// (../shared/PLATFORM.md). Only element and text callbacks are set, so no
/// DTD, entity or external resource is ever loaded or expanded, and the
/// parser runs with network access off.
final class XMLStream {
    /// An attribute of an element: its local name and raw value bytes.
    struct Attribute {
        var name: UnsafePointer<UInt8>
        var value: UnsafeBufferPointer<UInt8>

        func named(_ expected: StaticString) -> Bool { XMLStream.equal(name, expected) }
        var string: String { String(decoding: value, as: UTF8.self) }
    }

    /// Called with each element's local name (a C string) and attributes.
    var onStart: (UnsafePointer<UInt8>, [Attribute]) -> Void = { _, _ in }
    var onEnd: (UnsafePointer<UInt8>) -> Void = { _ in }
    /// Text content, possibly in several pieces per element.
    var onText: (UnsafeBufferPointer<UInt8>) -> Void = { _ in }

    private var parser: OpaquePointer?
    private let path: String

    /// The longest markup (a tag with its attributes, a comment, a
    /// declaration) let through to libxml2. Its push parser rescans an
    /// unfinished tag from its start on every block, so one tag of many
    /// megabytes costs time quadratic in its length; bounding each tag keeps
    /// the whole parse linear.
    var markupLimit = Int.max
    private var markup = MarkupState.text
    private var markupLength = 0

    private enum MarkupState {
        case text, opened, tag, quoted(UInt8), other
    }

    init(path: String) {
        self.path = path
    }

    deinit {
        if let parser { iin_xml_free(parser) }
    }

    static func equal(_ name: UnsafePointer<UInt8>, _ expected: StaticString) -> Bool {
        strcmp(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self),
               UnsafeRawPointer(expected.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
    }

    /// Follows where tags start and end (quotes respected inside tags) and
    /// refuses one longer than `markupLimit`.
    private func checkMarkup(_ data: Data) throws(IINError) {
        guard markupLimit != Int.max else { return }
        var state = markup
        var length = markupLength
        let limit = markupLimit
        let exceeded: Bool = data.withUnsafeBytes { raw in
            for byte in raw {
                switch state {
                case .text:
                    if byte == UInt8(ascii: "<") { state = .opened; length = 1 }
                    continue
                case .opened:
                    state = byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?") ? .other : .tag
                    if byte == UInt8(ascii: ">") { state = .text }
                case .tag:
                    if byte == UInt8(ascii: ">") { state = .text } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { state = .quoted(byte) }
                case let .quoted(quote):
                    if byte == quote { state = .tag }
                case .other:
                    if byte == UInt8(ascii: ">") { state = .text }
                }
                length += 1
                if length > limit { return true }
            }
            return false
        }
        markup = state
        markupLength = length
        if exceeded {
            throw IINError.limitExceeded(path: path, part: "one tag (with its attributes) or comment",
                                         limit: "the markup size limit of \(limit) bytes")
        }
    }

    func feed(_ data: Data) throws(IINError) {
        try checkMarkup(data)
        if parser == nil {
            parser = iin_xml_create(Unmanaged.passUnretained(self).toOpaque(), { user, name, count, attributes in
                guard let user, let name else { return }
                var list: [Attribute] = []
                if let attributes, count > 0 {
                    list.reserveCapacity(Int(count))
                    for index in 0..<Int(count) {
                        guard let attributeName = attributes[index * 3], let value = attributes[index * 3 + 1], let end = attributes[index * 3 + 2] else { continue }
                        list.append(Attribute(name: attributeName, value: UnsafeBufferPointer(start: value, count: end - value)))
                    }
                }
                Unmanaged<XMLStream>.fromOpaque(user).takeUnretainedValue().onStart(name, list)
            }, { user, name in
                guard let user, let name else { return }
                Unmanaged<XMLStream>.fromOpaque(user).takeUnretainedValue().onEnd(name)
            }, { user, text, length in
                guard let user, let text else { return }
                Unmanaged<XMLStream>.fromOpaque(user).takeUnretainedValue().onText(UnsafeBufferPointer(start: text, count: Int(length)))
            }, path)
            guard parser != nil else { throw IINError.unsupportedFile(path: path, reason: "libxml2 could not start a parser") }
        }
        let status = data.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress, raw.count > 0 else { return 0 }
            return iin_xml_feed(parser, base.assumingMemoryBound(to: CChar.self), Int32(raw.count), 0)
        }
        if status != 0 { throw IINError.unsupportedFile(path: path, reason: "the XML inside is not well-formed (\(lastError()))") }
    }

    func finish() throws(IINError) {
        guard let parser else { return }
        if iin_xml_feed(parser, nil, 0, 1) != 0 {
            throw IINError.unsupportedFile(path: path, reason: "the XML inside is not well-formed (\(lastError()))")
        }
    }

    private func lastError() -> String {
        var line: Int32 = 0
        guard let message = iin_xml_error(parser, &line) else { return "unknown error" }
        return "line \(line): " + String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
