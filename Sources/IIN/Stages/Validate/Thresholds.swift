import Foundation

/// The headline figures of a validation report by name, and the floors
/// pipeline.json sets on them. A floor on a figure the run could not compute
/// (its input absent, too few pairs) fails too: a skipped check is never a
/// passed one.
public enum Thresholds {
    /// Name to value (nil when not computed), from the report's sections:
    /// each name is a `FigurePath`.
    public static func figures(of sections: ValidationReport.Sections) -> [String: Double?] {
        var figures: [FigurePath: Double?] = [:]
        // A skipped section still names its figures, as not computed, so a
        // floor on one fails as "not computed" rather than "no figure".
        if let mobility = sections.mobility {
            for (network, part) in [(FigurePath.Network.directed, mobility.directed), (.undirected, mobility.undirected)] {
                figures[.mobility(network, .loglogR2)] = part?.loglog?.rSquared
                figures[.mobility(network, .qqR2)] = part?.qq?.line?.rSquared
            }
        }
        for slice in sections.gravity?.slices ?? [] {
            guard let year = slice.year else { continue }
            figures[.gravity(year: year, .pearsonR)] = slice.pearsonR
            figures[.gravity(year: year, .loglogR2)] = slice.loglog?.rSquared
            figures[.gravity(year: year, .qqR2)] = slice.qq?.line?.rSquared
        }
        for slice in sections.distanceDecay?.slices ?? [] {
            guard let year = slice.year else { continue }
            figures[.distanceDecayRSquared(year: year)] = slice.rSquared
        }
        for slice in sections.communities?.slices ?? [] {
            guard let year = slice.year else { continue }
            figures[.communitiesModularity(year: year)] = slice.modularity
        }
        for comparison in sections.top20?.comparisons ?? [] {
            guard let year = comparison.year, let source = comparison.source else { continue }
            figures[.top20Overlap(year: year, source: source)] = comparison.overlapPercent
        }
        return Dictionary(uniqueKeysWithValues: figures.map { ($0.key.description, $0.value) })
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
    public static func check(_ floors: [String: Double], figures: [String: Double?], pipelineFile: String, thresholdsPath: String) throws(IINError) -> [Outcome] {
        var outcomes: [Outcome] = []
        for name in floors.keys.sorted() {
            guard let value = figures[name] else {
                throw IINError.pipeline(file: pipelineFile, jsonPath: "\(thresholdsPath).\(name)", problem: "this run's report has no figure '\(name)'",
                                        fix: "Name one of: \(figures.keys.sorted().joined(separator: ", ")).")
            }
            outcomes.append(Outcome(figure: name, floor: floors[name]!, value: value))
        }
        return outcomes
    }
}
