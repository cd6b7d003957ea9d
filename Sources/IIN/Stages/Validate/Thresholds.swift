import Foundation

/// The headline figures of a validation report by name, and the floors
/// pipeline.json sets on them. A floor on a figure the run could not compute
/// (its input absent, too few pairs) fails too: a skipped check is never a
/// passed one.
public enum Thresholds {
    /// Name to value (nil when not computed), from the report's sections.
    public static func figures(of sections: JSONValue) -> [String: Double?] {
        var figures: [String: Double?] = [:]
        if let mobility = sections["mobility"] {
            for network in ["directed", "undirected"] {
                figures["mobility.\(network).loglog_r2"] = mobility[network]?["loglog"]?["r_squared"]?.doubleValue
                figures["mobility.\(network).qq_r2"] = mobility[network]?["qq"]?["line"]?["r_squared"]?.doubleValue
            }
        }
        for slice in sections["gravity"]?["slices"]?.arrayValue ?? [] {
            guard let year = slice["year"]?.intValue else { continue }
            figures["gravity.\(year).pearson_r"] = slice["pearson_r"]?.doubleValue
            figures["gravity.\(year).loglog_r2"] = slice["loglog"]?["r_squared"]?.doubleValue
            figures["gravity.\(year).qq_r2"] = slice["qq"]?["line"]?["r_squared"]?.doubleValue
        }
        for slice in sections["distance_decay"]?["slices"]?.arrayValue ?? [] {
            guard let year = slice["year"]?.intValue else { continue }
            figures["distance_decay.\(year).r_squared"] = slice["r_squared"]?.doubleValue
        }
        for slice in sections["communities"]?["slices"]?.arrayValue ?? [] {
            guard let year = slice["year"]?.intValue else { continue }
            figures["communities.\(year).modularity"] = slice["modularity"]?.doubleValue
        }
        for comparison in sections["top20"]?["comparisons"]?.arrayValue ?? [] {
            guard let year = comparison["year"]?.intValue, let source = comparison["source"]?.stringValue else { continue }
            figures["top20.\(year).\(source).overlap_percent"] = comparison["overlap_percent"]?.doubleValue
        }
        return figures
    }

    public struct Outcome: Sendable, Equatable {
        public var figure: String
        public var floor: Double
        public var value: Double?
        public var passed: Bool { value.map { $0 >= floor } ?? false }

        public var message: String {
            guard let value else { return "\(figure) was not computed (its input is absent or too small), below the floor \(floor)" }
            return "\(figure) = \(value) is below the floor \(floor)"
        }

        public var json: JSONValue {
            .object(["figure": .string(figure), "floor": .number(floor), "value": value.map(JSONValue.number) ?? .null, "passed": .bool(passed)])
        }
    }

    /// - Throws: a pipeline error naming the known figures when a floor
    ///   names none of them (a typo would otherwise never fail).
    public static func check(_ floors: [String: Double], figures: [String: Double?], pipelineFile: String, stageName: String) throws(IINError) -> [Outcome] {
        var outcomes: [Outcome] = []
        for name in floors.keys.sorted() {
            guard let value = figures[name] else {
                throw IINError.pipeline(file: pipelineFile, jsonPath: "stages.\(stageName).params.thresholds.\(name)", problem: "no figure is called '\(name)'",
                                        fix: "Name one of: \(figures.keys.sorted().joined(separator: ", ")).")
            }
            outcomes.append(Outcome(figure: name, floor: floors[name]!, value: value))
        }
        return outcomes
    }
}
