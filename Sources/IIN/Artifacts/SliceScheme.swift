import Foundation

/// How kept records map to slice years.
public struct SliceScheme: Sendable, Equatable, Codable {
    public enum Mode: String, Sendable, Codable { case point, window }
    public var mode: Mode
    public var years: [Int]
    public var width: Int

    /// The scheme the aggregate stage used, kept in its artifact so later
    /// stages (the consistency sample) stratify by the same slices.
    public static let fileName = "slices.json"

    public func write(to folder: URL) throws(IINError) {
        try JSONFile.write(self, to: folder.appendingPathComponent(Self.fileName))
    }

    public static func read(from folder: URL) throws(IINError) -> SliceScheme {
        try JSONFile.read(SliceScheme.self, from: folder.appendingPathComponent(fileName))
    }

    public init(mode: Mode, years: [Int], width: Int) {
        self.mode = mode
        self.years = years.sorted()
        self.width = width
    }

    /// The slices a year belongs to: its own in point mode; in window mode
    /// every slice whose `width` years starting at it contain the year.
    public func slices(of year: Int) -> [Int] {
        switch mode {
        case .point: return years.contains(year) ? [year] : []
        case .window: return years.filter { year >= $0 && year - $0 < width }
        }
    }
}
