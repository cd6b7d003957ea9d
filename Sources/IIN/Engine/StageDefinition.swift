import Foundation

/// The schema of one stage parameter, as `stages/<kind>.json` declares it.
public indirect enum ParameterSchema: Sendable, Equatable {
    case integer(minimum: Int?, maximum: Int?)
    /// `exclusiveMinimum`: the value must be above it (a rate, a timeout).
    case number(minimum: Double?, exclusiveMinimum: Double?)
    case string(allowed: [String]?, minimumLength: Int?)
    case boolean
    /// `minimumCount`: fewer items is refused (a geocoder with no method).
    case array(items: ParameterSchema, minimumCount: Int?)
    /// A fixed set of named fields, each with its own schema and default.
    case object(fields: [String: ParameterDefinition])
    /// Free-form string-to-string map (a column mapping, say).
    case stringMap
    /// Free-form name-to-number map (thresholds, say).
    case numberMap

    var typeName: String {
        switch self {
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .boolean: return "boolean"
        case .array: return "array"
        case .object: return "object"
        case .stringMap: return "object of strings"
        case .numberMap: return "object of numbers"
        }
    }
}

public struct ParameterDefinition: Sendable, Equatable {
    public var schema: ParameterSchema
    public var defaultValue: JSONValue
    public var meaning: String
}

/// What `stages/<kind>.json` says about a stage kind: its inputs, outputs,
/// parameters with defaults and meaning, and what it computes in words.
/// The runner reads it to validate pipeline.json and to fill in defaults;
/// people read it to learn what a stage does.
public struct StageDefinition: Sendable, Equatable {
    public var kind: String
    public var summary: String
    public var definition: String
    /// Names of pipeline inputs the stage reads (e.g. `raw`).
    public var inputs: [String: String]
    /// Those of `inputs` a pipeline may leave out (`optional_inputs`).
    public var optionalInputs: Set<String> = []
    public var outputs: [String: String]
    public var parameters: [String: ParameterDefinition]
    /// Parameters this stage no longer takes, each with where it went
    /// (`moved_parameters`), so a pipeline written before the move is told
    /// where to put it rather than only that it is unknown.
    public var movedParameters: [String: String] = [:]

    public static func load(folder: URL, kind: String) throws(IINError) -> StageDefinition {
        let url = folder.appendingPathComponent("\(kind).json")
        let data = try FileBytes.read(url)
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw IINError.stageDefinition(file: url.path, problem: "not valid JSON (\(error))")
        }
        func text(_ key: String) throws(IINError) -> String {
            guard let value = json[key]?.stringValue else {
                throw IINError.stageDefinition(file: url.path, problem: "'\(key)' must be a string")
            }
            return value
        }
        func textMap(_ key: String) throws(IINError) -> [String: String] {
            guard let object = json[key]?.objectValue else { return [:] }
            var result: [String: String] = [:]
            for (name, value) in object {
                guard let string = value.stringValue else {
                    throw IINError.stageDefinition(file: url.path, problem: "'\(key).\(name)' must be a string")
                }
                result[name] = string
            }
            return result
        }
        guard try text("kind") == kind else {
            throw IINError.stageDefinition(file: url.path, problem: "'kind' must be '\(kind)'")
        }
        var parameters: [String: ParameterDefinition] = [:]
        for (name, value) in json["parameters"]?.objectValue ?? [:] {
            parameters[name] = try parseParameter(value, path: "parameters.\(name)", file: url.path)
        }
        var definition = StageDefinition(kind: kind, summary: try text("summary"), definition: try text("definition"),
                                         inputs: try textMap("inputs"), outputs: try textMap("outputs"), parameters: parameters)
        definition.movedParameters = try textMap("moved_parameters")
        for (position, item) in (json["optional_inputs"]?.arrayValue ?? []).enumerated() {
            guard let name = item.stringValue, definition.inputs[name] != nil else {
                throw IINError.stageDefinition(file: url.path, problem: "'optional_inputs[\(position)]' must name one of 'inputs'")
            }
            definition.optionalInputs.insert(name)
        }
        return definition
    }

    private static func parseParameter(_ json: JSONValue, path: String, file: String) throws(IINError) -> ParameterDefinition {
        guard let type = json["type"]?.stringValue else {
            throw IINError.stageDefinition(file: file, problem: "'\(path).type' must be a string")
        }
        let meaning = json["meaning"]?.stringValue ?? ""
        let schema = try parseSchema(type: type, json: json, path: path, file: file)
        let defaultValue: JSONValue
        if case let .object(fields) = schema {
            defaultValue = .object(fields.mapValues(\.defaultValue))
        } else {
            guard let value = json["default"] else {
                throw IINError.stageDefinition(file: file, problem: "'\(path)' needs a 'default'")
            }
            defaultValue = value
        }
        return ParameterDefinition(schema: schema, defaultValue: defaultValue, meaning: meaning)
    }

    private static func parseSchema(type: String, json: JSONValue, path: String, file: String) throws(IINError) -> ParameterSchema {
        switch type {
        case "integer": return .integer(minimum: json["minimum"]?.intValue, maximum: json["maximum"]?.intValue)
        case "number": return .number(minimum: json["minimum"]?.doubleValue, exclusiveMinimum: json["exclusive_minimum"]?.doubleValue)
        case "boolean": return .boolean
        case "string": return .string(allowed: json["enum"]?.arrayValue?.compactMap(\.stringValue), minimumLength: json["min_length"]?.intValue)
        case "string_map": return .stringMap
        case "number_map": return .numberMap
        case "array":
            // "items": "integer", or an object such as {"type": "string", "enum": [...]}.
            if let itemType = json["items"]?.stringValue {
                return .array(items: try parseSchema(type: itemType, json: .object([:]), path: path + ".items", file: file), minimumCount: json["min_items"]?.intValue)
            }
            guard let items = json["items"], let itemType = items["type"]?.stringValue else {
                throw IINError.stageDefinition(file: file, problem: "'\(path).items' must name the item type")
            }
            return .array(items: try parseSchema(type: itemType, json: items, path: path + ".items", file: file), minimumCount: json["min_items"]?.intValue)
        case "object":
            var fields: [String: ParameterDefinition] = [:]
            for (name, value) in json["fields"]?.objectValue ?? [:] {
                fields[name] = try parseParameter(value, path: "\(path).fields.\(name)", file: file)
            }
            return .object(fields: fields)
        default:
            throw IINError.stageDefinition(file: file, problem: "'\(path).type' is '\(type)', not a known type")
        }
    }

    /// The parameters with defaults filled in, checked against the schema.
    /// Errors name the JSON path in pipeline.json.
    public func resolveParameters(_ given: JSONValue?, jsonPath: String, file: String) throws(IINError) -> JSONValue {
        try ParameterResolver(file: file, moved: movedParameters).resolve(given ?? .object([:]), fields: parameters, path: jsonPath)
    }
}

private struct ParameterResolver {
    let file: String
    /// Of the stage's top level only.
    var moved: [String: String] = [:]

    func resolve(_ given: JSONValue, fields: [String: ParameterDefinition], path: String) throws(IINError) -> JSONValue {
        guard case let .object(members) = given else {
            throw IINError.pipeline(file: file, jsonPath: path, problem: "expected an object, found \(given.typeName)", fix: "Write the parameters as a JSON object.")
        }
        for name in members.keys.sorted() where fields[name] == nil {
            if let destination = moved[name] {
                throw IINError.pipeline(file: file, jsonPath: "\(path).\(name)", problem: "parameter '\(name)' is no longer this stage's: \(destination)",
                                        fix: "Move it there, unchanged.")
            }
            throw IINError.pipeline(file: file, jsonPath: "\(path).\(name)", problem: "unknown parameter '\(name)'",
                                    fix: "Known parameters: \(fields.keys.sorted().joined(separator: ", ")).")
        }
        var resolved: [String: JSONValue] = [:]
        // In name order, so the first problem reported is always the same one.
        for (name, definition) in fields.sorted(by: { $0.key < $1.key }) {
            resolved[name] = try check(members[name] ?? definition.defaultValue, against: definition.schema, path: "\(path).\(name)")
        }
        return .object(resolved)
    }

    func check(_ value: JSONValue, against schema: ParameterSchema, path: String) throws(IINError) -> JSONValue {
        let found = value == .null ? "null" : "\(value.typeName) \(value.canonical)"
        let wrongType = fail(path, "expected \(schema.typeName), found \(found)", "Give a value of type \(schema.typeName).")
        switch schema {
        case let .integer(minimum, maximum):
            if case let .number(whole) = value, whole == whole.rounded(), abs(whole) >= 0x1p63 {
                throw fail(path, "\(value.canonical) is a whole number too large to hold", "Use a value between \(Int.min) and \(Int.max).")
            }
            guard let number = value.intValue else { throw wrongType }
            if let minimum, number < minimum { throw fail(path, "\(number) is below the minimum \(minimum)", "Use a value of at least \(minimum).") }
            if let maximum, number > maximum { throw fail(path, "\(number) is above the maximum \(maximum)", "Use a value of at most \(maximum).") }
            return .integer(number)
        case let .number(minimum, exclusiveMinimum):
            guard let number = value.doubleValue else { throw wrongType }
            if let minimum, number < minimum {
                let bound = JSONValue.number(minimum).canonical
                throw fail(path, "\(value.canonical) is below the minimum \(bound)", "Use a value of at least \(bound).")
            }
            if let exclusiveMinimum, number <= exclusiveMinimum {
                let bound = JSONValue.number(exclusiveMinimum).canonical
                throw fail(path, "\(value.canonical) is not above \(bound)", "Use a value above \(bound).")
            }
            return .number(number)
        case .boolean:
            guard value.boolValue != nil else { throw wrongType }
            return value
        case let .string(allowed, minimumLength):
            guard let string = value.stringValue else { throw wrongType }
            if let allowed, !allowed.contains(string) { throw fail(path, "'\(string)' is not allowed", "Use one of: \(allowed.joined(separator: ", ")).") }
            if let minimumLength, string.count < minimumLength {
                throw fail(path, "'\(string)' is shorter than \(minimumLength) character(s)", "Give a value, or remove the key to use the default.")
            }
            return value
        case .stringMap, .numberMap:
            guard let members = value.objectValue else { throw wrongType }
            let wanted = schema == .stringMap ? "string" : "number"
            for (key, member) in members.sorted(by: { $0.key < $1.key }) where (schema == .stringMap ? member.stringValue == nil : member.doubleValue == nil) {
                throw fail("\(path).\(key)", "expected \(wanted), found \(member.typeName)", "Map each name to a \(wanted).")
            }
            return value
        case let .array(items, minimumCount):
            guard let elements = value.arrayValue else { throw wrongType }
            if let minimumCount, elements.count < minimumCount {
                throw fail(path, "\(elements.count) item(s), fewer than \(minimumCount)", "Give at least \(minimumCount), or remove the key to use the default.")
            }
            var checked: [JSONValue] = []
            for (index, element) in elements.enumerated() { checked.append(try check(element, against: items, path: "\(path)[\(index)]")) }
            return .array(checked)
        case let .object(fields):
            return try ParameterResolver(file: file).resolve(value, fields: fields, path: path)
        }
    }

    private func fail(_ path: String, _ problem: String, _ fix: String) -> IINError {
        .pipeline(file: file, jsonPath: path, problem: problem, fix: fix)
    }
}
