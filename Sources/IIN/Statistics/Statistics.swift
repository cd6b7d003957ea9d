import Foundation

/// The statistics the validation report uses, written out so each can be
/// checked against its textbook definition (see the tests: Anscombe's
/// quartet, the linear-interpolation percentile).
public enum Statistics {
    public static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Sample standard deviation (n - 1).
    public static func standardDeviation(_ values: [Double]) -> Double? {
        guard values.count > 1, let mean = mean(values) else { return nil }
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
    }

    /// Means and centred sums of squares and products of a paired series.
    private static func moments(_ x: [Double], _ y: [Double]) -> (meanX: Double, meanY: Double, sxy: Double, sxx: Double, syy: Double)? {
        precondition(x.count == y.count, "paired series")
        guard x.count > 1, let meanX = mean(x), let meanY = mean(y) else { return nil }
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - meanX) * (b - meanY)
            sxx += (a - meanX) * (a - meanX)
            syy += (b - meanY) * (b - meanY)
        }
        return (meanX, meanY, sxy, sxx, syy)
    }

    /// Pearson's correlation coefficient; nil when either series is constant.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        guard let m = moments(x, y), m.sxx > 0, m.syy > 0 else { return nil }
        return m.sxy / (m.sxx * m.syy).squareRoot()
    }

    public struct Line: Sendable, Equatable {
        public var slope: Double
        public var intercept: Double
        /// The coefficient of determination of the fit; nil when y is
        /// constant (0/0: nothing to explain).
        public var rSquared: Double?
        public var count: Int
    }

    /// Ordinary least squares y = slope x + intercept.
    public static func ols(_ x: [Double], _ y: [Double]) -> Line? {
        guard let m = moments(x, y), m.sxx > 0 else { return nil }
        let slope = m.sxy / m.sxx
        let rSquared = m.syy > 0 ? (m.sxy * m.sxy) / (m.sxx * m.syy) : nil
        return Line(slope: slope, intercept: m.meanY - slope * m.meanX, rSquared: rSquared, count: x.count)
    }

    /// The p-th quantile (0...1) of sorted values by linear interpolation
    /// between order statistics: h = (n - 1) p, x[floor h] + (h - floor h)
    /// (x[floor h + 1] - x[floor h]) (Hyndman and Fan's type 7, R's
    /// default).
    public static func quantile(sorted values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty, (0...1).contains(p) else { return nil }
        let h = Double(values.count - 1) * p
        let low = Int(h.rounded(.down))
        let high = min(low + 1, values.count - 1)
        return values[low] + (h - Double(low)) * (values[high] - values[low])
    }

    /// (x - mean) / sd with the n - 1 standard deviation; nil when the
    /// series has fewer than two values or is constant.
    public static func zScores(_ values: [Double]) -> [Double]? {
        guard let mean = mean(values), let sd = standardDeviation(values), sd > 0 else { return nil }
        return values.map { ($0 - mean) / sd }
    }

    /// A Q-Q comparison of two series: the 1st to 99th percentiles of each
    /// z-scored series, paired by percentile, and the OLS line through the
    /// 99 points. The series need not be paired or of equal length.
    public struct QuantileComparison: Sendable, Equatable {
        public var x: [Double]
        public var y: [Double]
        public var line: Line
    }

    public static func quantileComparison(_ x: [Double], _ y: [Double]) -> QuantileComparison? {
        guard let zx = zScores(x), let zy = zScores(y) else { return nil }
        let sortedX = zx.sorted(), sortedY = zy.sorted()
        let levels = (1...99).map { Double($0) / 100 }
        let qx = levels.map { quantile(sorted: sortedX, $0)! }
        let qy = levels.map { quantile(sorted: sortedY, $0)! }
        guard let line = ols(qx, qy) else { return nil }
        return QuantileComparison(x: qx, y: qy, line: line)
    }
}
