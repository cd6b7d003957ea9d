import CIINMath
import Foundation

/// Fits the economic gravity model E(i,j) = k M_i M_j / D(i,j)^beta to
/// observed frequencies, minimising the RMSE between E and the frequency,
/// with k in [0, 1] and beta in [0, 2] (validation.md section 5).
///
/// Two fits: particle swarm optimisation, the source paper's method, and the
/// exact profile method as its cross-check. For a fixed beta the RMSE is a
/// quadratic in k, so the best k is sum(F G) / sum(G G) clamped to [0, 1]
/// (G = M_i M_j / D^beta); what is left is a search over beta alone.
public struct GravityFit: Sendable {
    public static let kRange = 0.0...1.0
    public static let betaRange = 0.0...2.0

    /// ln(M_i M_j) per pair.
    let logMass: [Double]
    /// ln D(i,j) per pair.
    let logDistance: [Double]
    let frequency: [Double]

    public struct Parameters: Sendable, Equatable {
        public var k: Double
        public var beta: Double
        public var rmse: Double
    }

    /// - Parameters: per pair, the two masses' product, the distance
    ///   (positive) and the observed frequency.
    public init(massProduct: [Double], distance: [Double], frequency: [Double]) {
        precondition(massProduct.count == distance.count && distance.count == frequency.count, "one value of each per pair")
        logMass = massProduct.map { log($0) }
        logDistance = distance.map { log($0) }
        self.frequency = frequency
    }

    public var count: Int { frequency.count }

    /// G = M_i M_j / D^beta per pair.
    public func unscaled(beta: Double) -> [Double] {
        zip(logMass, logDistance).map { exp($0 - beta * $1) }
    }

    public func predicted(_ parameters: Parameters) -> [Double] {
        unscaled(beta: parameters.beta).map { parameters.k * $0 }
    }

    public func rmse(k: Double, beta: Double) -> Double {
        let sum = iin_gravity_squared_error(logMass, logDistance, frequency, count, k, beta)
        return (sum / Double(max(count, 1))).squareRoot()
    }

    /// The best k for this beta, in closed form.
    public func bestK(beta: Double) -> Double {
        var fg = 0.0, gg = 0.0
        iin_gravity_cross_sums(logMass, logDistance, frequency, count, beta, &fg, &gg)
        guard gg > 0, gg.isFinite else { return 0 }
        return min(Self.kRange.upperBound, max(Self.kRange.lowerBound, fg / gg))
    }

    /// The profile method: beta on a grid of `steps` intervals over [0, 2],
    /// then golden-section search in the two intervals around the best
    /// grid point, each beta scored at its closed-form best k.
    public func profile(steps: Int = 200) -> Parameters {
        func score(_ beta: Double) -> Double { rmse(k: bestK(beta: beta), beta: beta) }
        let width = Self.betaRange.upperBound - Self.betaRange.lowerBound
        var bestBeta = Self.betaRange.lowerBound, bestScore = Double.infinity
        for step in 0...steps {
            let beta = Self.betaRange.lowerBound + width * Double(step) / Double(steps)
            let value = score(beta)
            if value < bestScore { (bestBeta, bestScore) = (beta, value) }
        }
        var low = max(Self.betaRange.lowerBound, bestBeta - width / Double(steps))
        var high = min(Self.betaRange.upperBound, bestBeta + width / Double(steps))
        let ratio = (5.0.squareRoot() - 1) / 2
        var left = high - ratio * (high - low), right = low + ratio * (high - low)
        var leftScore = score(left), rightScore = score(right)
        while high - low > 1e-10 {
            if leftScore <= rightScore {
                (high, right, rightScore) = (right, left, leftScore)
                left = high - ratio * (high - low)
                leftScore = score(left)
            } else {
                (low, left, leftScore) = (left, right, rightScore)
                right = low + ratio * (high - low)
                rightScore = score(right)
            }
        }
        let refined = (low + high) / 2
        let refinedScore = score(refined)
        let beta = refinedScore <= bestScore ? refined : bestBeta
        let k = bestK(beta: beta)
        return Parameters(k: k, beta: beta, rmse: rmse(k: k, beta: beta))
    }

    /// How well the data pin beta down: the betas whose profile RMSE (each
    /// at its best k) lies within `tolerance` (0.001 = 0.1 %) of the best.
    /// Along a ridge in (k, beta) a larger beta is made up for by a larger
    /// k, the RMSE barely moves, and neither fit's beta means much alone.
    public struct BetaIdentification: Sendable, Equatable {
        public var tolerance: Double
        /// The connected range of beta around the best one.
        public var low: Double
        public var high: Double
        public var width: Double { high - low }
        public var touchesLowerBound: Bool
        public var touchesUpperBound: Bool
        /// The bound of the box (0 or 2) the best beta lies on, if it does.
        public var bestAtBound: Double?
        /// All frequencies equal: nothing for any beta to explain.
        public var frequenciesVary: Bool
        /// Wider than this (a tenth of the box) is poorly identified.
        public static let wideWidth = 0.2

        public var isWide: Bool { width > Self.wideWidth }
        public var identified: Bool { frequenciesVary && bestAtBound == nil && !isWide && !touchesLowerBound && !touchesUpperBound }

        /// One sentence for the report.
        public var sentence: String {
            let range = String(format: "[%.3f, %.3f]", low, high)
            let percent = String(format: "%g", tolerance * 100)
            if !frequenciesVary {
                return "beta is not identified: every pair has the same frequency, so the fit has no variation to explain."
            }
            if let bound = bestAtBound, !isWide {
                let side = bound == GravityFit.betaRange.lowerBound ? "below" : "above"
                return "beta is not estimated: the best fit lies on the bound beta = \(String(format: "%g", bound)) of the box "
                    + "(beta in \(range) fits within \(percent) % of the best RMSE), so the data would take a beta \(side) it if the box allowed."
            }
            if identified {
                return "beta is identified: only beta in \(range) fits within \(percent) % of the best RMSE."
            }
            var why: [String] = []
            if isWide { why.append(String(format: "the range is %.3f wide, more than %.1f", width, Self.wideWidth)) }
            if touchesLowerBound { why.append(String(format: "it reaches the lower bound %g of the box", GravityFit.betaRange.lowerBound)) }
            if touchesUpperBound { why.append(String(format: "it reaches the upper bound %g of the box", GravityFit.betaRange.upperBound)) }
            return "beta is poorly identified: any beta in \(range) fits within \(percent) % of the best RMSE (\(why.joined(separator: "; "))), "
                + "so neither fitted beta is an estimate on its own."
        }
    }

    /// Walks out from the best beta on a grid of `steps` intervals over the
    /// box until the profile RMSE exceeds the best by `tolerance`, then
    /// bisects each edge to 1e-6.
    public func betaIdentification(best: Parameters, tolerance: Double = 0.001, steps: Int = 400) -> BetaIdentification {
        func score(_ beta: Double) -> Double { rmse(k: bestK(beta: beta), beta: beta) }
        let limit = best.rmse * (1 + tolerance)
        let lower = Self.betaRange.lowerBound, upper = Self.betaRange.upperBound
        let step = (upper - lower) / Double(steps)
        func edge(direction: Double) -> (Double, Bool) {
            var inside = best.beta
            while true {
                let next = direction > 0 ? min(upper, inside + step) : max(lower, inside - step)
                if next == inside { return (inside, true) }
                if score(next) > limit {
                    var (good, bad) = (inside, next)
                    while abs(bad - good) > 1e-6 {
                        let middle = (good + bad) / 2
                        if score(middle) > limit { bad = middle } else { good = middle }
                    }
                    return (good, false)
                }
                inside = next
            }
        }
        let (low, atLower) = edge(direction: -1)
        let (high, atUpper) = edge(direction: 1)
        let atBound = [lower, upper].first { abs(best.beta - $0) < 1e-9 }
        let vary = frequency.contains { $0 != frequency.first }
        return BetaIdentification(tolerance: tolerance, low: low, high: high, touchesLowerBound: atLower, touchesUpperBound: atUpper,
                                  bestAtBound: atBound, frequenciesVary: vary)
    }

    /// The swarm searches log10 k rather than k: with masses in everyday
    /// units (GDP in 100 million yuan, say) the best k is many orders of
    /// magnitude below 1, and a swarm spread evenly over [0, 1] never finds
    /// that valley. k = 0 itself is never the best fit to positive
    /// frequencies.
    public static let swarmLogKRange = -15.0...0.0

    /// Particle swarm optimisation over the box log10 k x beta: the
    /// global-best swarm with Clerc's constriction coefficients (inertia
    /// 0.7298, acceleration 1.49618 each), velocities capped at a fifth of
    /// the box, positions kept inside it. The swarm is synchronous: every
    /// particle moves towards the global best of the iteration before, so
    /// the particles' scores (one pass over the pairs each) are computed
    /// side by side on `threads`, and their best is taken in particle
    /// order afterwards. The same seed gives the same fit on any number of
    /// threads.
    public func swarm(seed: UInt64, particles: Int = 30, iterations: Int = 150, threads: Int = 1) -> Parameters {
        var random = SeededRandom(seed: seed)
        let lower = [Self.swarmLogKRange.lowerBound, Self.betaRange.lowerBound]
        let upper = [Self.swarmLogKRange.upperBound, Self.betaRange.upperBound]
        let span = zip(lower, upper).map { $1 - $0 }
        let inertia = 0.7298, pull = 1.49618
        let fit = self
        @Sendable func score(_ point: [Double]) -> Double { fit.rmse(k: pow(10, point[0]), beta: point[1]) }
        var position = (0..<particles).map { _ in (0..<2).map { lower[$0] + random.unit() * span[$0] } }
        var velocity = (0..<particles).map { _ in (0..<2).map { (random.unit() * 2 - 1) * span[$0] * 0.1 } }
        var personal = position
        var personalScore = position.map(score)
        let first = personalScore.indices.min { personalScore[$0] < personalScore[$1] }!
        var global = personal[first], globalScore = personalScore[first]
        for _ in 0..<iterations {
            for particle in 0..<particles {
                for dimension in 0..<2 {
                    let cognitive = pull * random.unit() * (personal[particle][dimension] - position[particle][dimension])
                    let social = pull * random.unit() * (global[dimension] - position[particle][dimension])
                    let cap = span[dimension] * 0.2
                    velocity[particle][dimension] = min(cap, max(-cap, inertia * velocity[particle][dimension] + cognitive + social))
                    position[particle][dimension] = min(upper[dimension], max(lower[dimension], position[particle][dimension] + velocity[particle][dimension]))
                }
            }
            let moved = position
            let scores = Parallel.map(count: particles, threads: threads) { score(moved[$0]) }
            for particle in 0..<particles where scores[particle] < personalScore[particle] {
                personal[particle] = position[particle]
                personalScore[particle] = scores[particle]
                if scores[particle] < globalScore { (global, globalScore) = (position[particle], scores[particle]) }
            }
        }
        return Parameters(k: pow(10, global[0]), beta: global[1], rmse: globalScore)
    }
}
