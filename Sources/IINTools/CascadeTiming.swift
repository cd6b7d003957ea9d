import Foundation
import IIN

/// Times the geocoding cascade alone, on one thread, over every side of an
/// ingest artifact: the per-core figure `iin-bench geocode` reports. The
/// records are parsed into views first (untimed), so the time is that of
/// the methods and the memo, not of reading the artifact; the best of
/// three passes is reported.
public enum CascadeTiming {
    public struct Result: Sendable {
        public var sides: Int
        public var seconds: Double
        public var resolved: Int
        public var distinctRegions: Int
    }

    public static func measure(ingest: URL, gazetteer: Gazetteer, methods: [GeocodeMethod],
                               compareAll: Bool) throws(IINError) -> Result {
        let artifact = try IngestedRecordsArtifact(folder: ingest)
        // The views point into the artifact's maps through every pass.
        defer { withExtendedLifetime(artifact) {} }
        var parser = artifact.parser()
        var views: [IngestedRecordView] = []
        while !parser.atEnd { views.append(try parser.next()) }
        let geocoder = Geocoder(gazetteer: gazetteer, methods: methods)
        var best = Double.infinity
        var resolved = 0
        var distinct = 0
        // The best of three passes, each with a fresh memo: the machine's
        // other load only ever slows a pass down.
        for _ in 0..<3 {
            var memo = RegionMemo<CompactAnswer>()
            resolved = 0
            let started = DispatchTime.now().uptimeNanoseconds
            for view in views {
                if geocoder.resolve(view.investor, memo: &memo, compareAll: compareAll).method != nil { resolved += 1 }
                if geocoder.resolve(view.investee, memo: &memo, compareAll: compareAll).method != nil { resolved += 1 }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            distinct = memo.count
        }
        return Result(sides: views.count * 2, seconds: best, resolved: resolved, distinctRegions: distinct)
    }
}
