import Foundation
import Testing
@testable import IIN

@Suite("Statistics")
struct StatisticsTests {
    /// Anscombe (1973): four sets with the same mean, variance, correlation
    /// (0.816, published to three decimals; set 4 computes to 0.8165) and
    /// regression line (y = 3.00 + 0.500 x, R^2 = 0.67).
    static let x123: [Double] = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5]
    static let quartet: [([Double], [Double])] = [
        (x123, [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68]),
        (x123, [9.14, 8.14, 8.74, 8.77, 9.26, 8.10, 6.13, 3.10, 9.13, 7.26, 4.74]),
        (x123, [7.46, 6.77, 12.74, 7.11, 7.81, 8.84, 6.08, 5.39, 8.15, 6.42, 5.73]),
        ([8, 8, 8, 8, 8, 8, 8, 19, 8, 8, 8], [6.58, 5.76, 7.71, 8.84, 8.47, 7.04, 5.25, 12.50, 5.56, 7.91, 6.89]),
    ]

    @Test(arguments: 0..<4)
    func anscombesQuartet(set: Int) throws {
        let (x, y) = Self.quartet[set]
        let r = try #require(Statistics.pearson(x, y))
        #expect(abs(r - 0.816) < 0.001, "set \(set + 1): r = \(r)")
        let line = try #require(Statistics.ols(x, y))
        #expect(abs(line.slope - 0.500) < 0.0005 && abs(line.intercept - 3.00) < 0.005, "set \(set + 1): \(line)")
        #expect(abs(try #require(line.rSquared) - 0.666) < 0.001)
        #expect(abs(try #require(Statistics.mean(y)) - 7.50) < 0.005)
    }

    @Test func quantilesInterpolateLinearly() throws {
        let values: [Double] = [1, 2, 3, 4, 10]
        #expect(Statistics.quantile(sorted: values, 0) == 1)
        #expect(Statistics.quantile(sorted: values, 1) == 10)
        #expect(Statistics.quantile(sorted: values, 0.5) == 3)
        // h = 4 * 0.9 = 3.6: 4 + 0.6 * (10 - 4)
        #expect(abs(try #require(Statistics.quantile(sorted: values, 0.9)) - 7.6) < 1e-12)
        // h = 4 * 0.01 = 0.04: 1 + 0.04 * 1
        #expect(abs(try #require(Statistics.quantile(sorted: values, 0.01)) - 1.04) < 1e-12)
        #expect(Statistics.quantile(sorted: [], 0.5) == nil)
    }

    @Test func standardDeviationUsesNMinusOne() throws {
        #expect(abs(try #require(Statistics.standardDeviation([2, 4, 4, 4, 5, 5, 7, 9])) - 2.138089935) < 1e-9)
        #expect(Statistics.standardDeviation([3]) == nil)
        #expect(Statistics.pearson([1, 1, 1], [1, 2, 3]) == nil)
    }
}

@Suite("Statistics: z-scores and Q-Q")
struct QuantileComparisonTests {
    @Test func zScoresHaveMeanZeroAndSampleSDOne() throws {
        let z = try #require(Statistics.zScores([2, 4, 4, 4, 5, 5, 7, 9]))
        #expect(abs(z.reduce(0, +)) < 1e-12)
        #expect(abs(try #require(Statistics.standardDeviation(z)) - 1) < 1e-12)
        // (2 - 5) / 2.138089935
        #expect(abs(z[0] + 1.403121520) < 1e-9)
        #expect(Statistics.zScores([3, 3, 3]) == nil)
    }

    @Test func identicalDistributionsLieOnTheDiagonal() throws {
        var random = SeededRandom(seed: 7)
        let x = (0..<500).map { _ in random.unit() * 10 }
        // A linear transform leaves the z-scores unchanged, so every
        // percentile pair is equal and the line is y = x with R^2 = 1.
        let y = x.reversed().map { 3 * $0 + 100 }
        let qq = try #require(Statistics.quantileComparison(x, y))
        #expect(qq.x.count == 99 && qq.y.count == 99)
        let rSquared = try #require(qq.line.rSquared)
        #expect(abs(qq.line.slope - 1) < 1e-9 && abs(qq.line.intercept) < 1e-9 && abs(rSquared - 1) < 1e-9)
        // A skewed series against a symmetric one bends away from the line.
        let skewed = x.map { exp($0) }
        let bent = try #require(Statistics.quantileComparison(x, skewed))
        #expect(try #require(bent.line.rSquared) < 0.95)
        #expect(Statistics.ols([1, 2, 3], [5, 5, 5])?.rSquared == nil, "a constant y leaves R^2 undefined")
    }
}
