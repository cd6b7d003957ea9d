import Foundation

/// The JSON files of artifacts and reports: sorted keys and indentation,
/// so the same value is the same bytes and a person can diff two runs.
enum JSONFile {
    static func encode<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(value)
    }

    static func write<Value: Encodable>(_ value: Value, to url: URL) throws(IINError) {
        let data: Data
        do { data = try encode(value) } catch {
            throw IINError.unwritableFile(path: url.path, reason: "cannot encode: \(error)")
        }
        try DiskWrites.write(data, to: url)
    }

    static func read<Value: Decodable>(_ type: Value.Type, from url: URL) throws(IINError) -> Value {
        let data = try FileBytes.read(url)
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw IINError.corruptArtifact(path: url.path, reason: "\(error)")
        }
    }
}
