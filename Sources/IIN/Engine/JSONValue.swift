import Foundation

/// A JSON document as plain data, so pipeline parameters can be validated
/// against stage definitions and hashed in one canonical form.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let value = try? container.decode(Bool.self) { self = .bool(value); return }
        if let value = try? container.decode(Int.self) { self = .integer(value); return }
        if let value = try? container.decode(Double.self) { self = .number(value); return }
        if let value = try? container.decode(String.self) { self = .string(value); return }
        if let value = try? container.decode([JSONValue].self) { self = .array(value); return }
        self = .object(try container.decode([String: JSONValue].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .integer(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }

    /// Keys sorted, no white space, numbers in one spelling: the form that
    /// goes into fingerprints, so reordering or reformatting pipeline.json
    /// never causes a rebuild.
    public var canonical: String {
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .integer(value): return String(value)
        case let .number(value):
            // JSON has no NaN or infinity; a figure that is not a number is
            // absent.
            guard value.isFinite else { return "null" }
            if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
            return String(value)
        case let .string(value): return JSONValue.quote(value)
        case let .array(values): return "[" + values.map(\.canonical).joined(separator: ",") + "]"
        case let .object(members):
            return "{" + members.keys.sorted().map { JSONValue.quote($0) + ":" + members[$0]!.canonical }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// The JSON type name used in error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? { if case let .string(value) = self { return value }; return nil }
    public var intValue: Int? {
        switch self {
        case let .integer(value): return value
        // Whole numbers only, and only those an Int holds: 1e19 is no Int.
        case let .number(value) where value == value.rounded() && abs(value) < 9.0e15: return Int(value)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case let .integer(value): return Double(value)
        case let .number(value): return value
        default: return nil
        }
    }
    public var boolValue: Bool? { if case let .bool(value) = self { return value }; return nil }
    public var arrayValue: [JSONValue]? { if case let .array(value) = self { return value }; return nil }
    public var objectValue: [String: JSONValue]? { if case let .object(value) = self { return value }; return nil }

    /// This object with one member set (a non-object becomes an object).
    public func adding(_ key: String, _ value: JSONValue) -> JSONValue {
        var members = objectValue ?? [:]
        members[key] = value
        return .object(members)
    }

    /// A value's JSON as JSONEncoder writes it, for putting typed data into
    /// a report built as JSON.
    public init<Value: Encodable>(encoding value: Value) throws(IINError) {
        do { self = try JSONValue.parse(try JSONEncoder().encode(value)) } catch {
            throw IINError.corruptArtifact(path: "\(Value.self)", reason: "does not encode as JSON: \(error)")
        }
    }

    /// Strict JSON (RFC 8259): Foundation's decoder also takes a trailing
    /// comma, which then hides a deleted line, and a key given twice, of
    /// which it keeps the first where other readers keep the last; both are
    /// refused here with their line and column, as are comments.
    public static func parse(_ data: Data) throws -> JSONValue {
        if let leniency = JSONSyntaxError.firstLeniency(in: data) { throw leniency }
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Pretty, sorted JSON for files people read (reports, metadata).
    public func prettyPrinted(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case let .array(values):
            if values.isEmpty { return "[]" }
            if values.allSatisfy({ if case .object = $0 { return false }; if case .array = $0 { return false }; return true }) {
                return "[" + values.map(\.canonical).joined(separator: ", ") + "]"
            }
            return "[\n" + values.map { inner + $0.prettyPrinted(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case let .object(members):
            if members.isEmpty { return "{}" }
            return "{\n" + members.keys.sorted().map { inner + JSONValue.quote($0) + ": " + members[$0]!.prettyPrinted(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return canonical
        }
    }
}

/// A departure from strict JSON that Foundation's decoder would let pass.
public struct JSONSyntaxError: Error, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var problem: String

    public var description: String { "line \(line), column \(column): \(problem)" }

    static func firstLeniency(in data: Data) -> JSONSyntaxError? {
        /// An open object (with its keys so far) or array.
        struct Container {
            var isObject: Bool
            var keys: Set<[UInt8]> = []
            var expectsKey = false
        }
        var (line, column) = (1, 0)
        var inString = false, escaped = false
        var stringStart: (offset: Int, line: Int, column: Int, isKey: Bool)?
        var comma: (line: Int, column: Int)?
        var stack: [(container: Container, line: Int, column: Int)] = []
        let bytes = [UInt8](data)
        // Outside strings JSON has only its punctuation, numbers and the
        // words true, false and null: anything else (a single quote, NaN)
        // is named here, where Foundation's message has no position.
        let allowed = Set(Array("{}[],:0123456789-+.eEtrufalsn".utf8))
        // A byte-order mark, which editors on Windows write, is not content.
        let first = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        for (offset, byte) in bytes.enumerated() where offset >= first {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 0
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if let start = stringStart, start.isKey, !stack.isEmpty {
                        // Foundation keeps the first of two equal keys,
                        // Python the last: either way one value is lost.
                        let key = Array(bytes[(start.offset + 1)..<offset])
                        if !stack[stack.count - 1].container.keys.insert(key).inserted {
                            return JSONSyntaxError(line: start.line, column: start.column,
                                                   problem: "the key \"\(String(decoding: key, as: UTF8.self))\" a second time in one object (JSON readers disagree on which value wins; keep one)")
                        }
                        stack[stack.count - 1].container.expectsKey = false
                    }
                    stringStart = nil
                }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                continue
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if let comma {
                    return JSONSyntaxError(line: comma.line, column: comma.column, problem: "a comma before '\(Character(UnicodeScalar(byte)))' (JSON allows no trailing comma; remove it)")
                }
                if !stack.isEmpty { stack.removeLast() }
            case UInt8(ascii: "{"):
                stack.append((Container(isObject: true, expectsKey: true), line, column))
            case UInt8(ascii: "["):
                stack.append((Container(isObject: false), line, column))
            case UInt8(ascii: ","):
                if !stack.isEmpty, stack[stack.count - 1].container.isObject { stack[stack.count - 1].container.expectsKey = true }
            case UInt8(ascii: "/"):
                return JSONSyntaxError(line: line, column: column, problem: "a comment (JSON has none; remove it)")
            case UInt8(ascii: "\""):
                inString = true
                stringStart = (offset, line, column, stack.last.map { $0.container.isObject && $0.container.expectsKey } ?? false)
            case let other where !allowed.contains(other):
                let shown = other < 0x80 ? "'\(Character(UnicodeScalar(other)))'" : "a non-ASCII character"
                return JSONSyntaxError(line: line, column: column, problem: "\(shown) outside a string (JSON quotes strings with \" and has no NaN or Infinity)")
            default:
                break
            }
            comma = byte == UInt8(ascii: ",") ? (line, column) : nil
        }
        if let start = stringStart {
            return JSONSyntaxError(line: start.line, column: start.column, problem: "the file ends inside the string that starts here")
        }
        if let open = stack.last {
            return JSONSyntaxError(line: open.line, column: open.column,
                                   problem: "the file ends before the \(open.container.isObject ? "object" : "array") that opens here is closed")
        }
        if bytes.dropFirst(first).allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            return JSONSyntaxError(line: line, column: column, problem: "the file is empty")
        }
        return nil
    }
}
