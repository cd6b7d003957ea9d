import Foundation
import Testing
@testable import IIN

@Suite("Gravity model fit")
struct GravityFitTests {
    /// 400 pairs with GDP-like masses (500 to 40,000) and distances of
    /// 30 to 3,000 km; frequencies from k = 2e-6, beta = 1.3 with noise,
    /// rounded to counts, as investment frequencies are.
    static func problem(seed: UInt64) -> GravityFit {
        var random = SeededRandom(seed: seed)
        var masses: [Double] = [], distances: [Double] = [], frequencies: [Double] = []
        for _ in 0..<400 {
            let product = exp(log(500) + random.unit() * log(80)) * exp(log(500) + random.unit() * log(80))
            let distance = exp(log(30) + random.unit() * log(100))
            let expected = 2e-6 * product / pow(distance, 1.3)
            masses.append(product)
            distances.append(distance)
            frequencies.append(max(1, (expected * (0.5 + random.unit())).rounded()))
        }
        return GravityFit(massProduct: masses, distance: distances, frequency: frequencies)
    }

    @Test func profileOptimumBeatsEveryPointOfABruteForceGrid() {
        let fit = Self.problem(seed: 1)
        let profile = fit.profile()
        // 201 betas by 901 ks spread logarithmically from 1e-9 to 1 (plus
        // k = 0): the profile answer is at least as good as the best grid
        // point and lies next to it.
        var best = (k: 0.0, beta: 0.0, rmse: Double.infinity)
        for betaStep in 0...200 {
            let beta = 2 * Double(betaStep) / 200
            for kStep in 0...900 {
                let k = kStep == 0 ? 0 : pow(10, -9 + 9 * Double(kStep) / 900)
                let value = fit.rmse(k: k, beta: beta)
                if value < best.rmse { best = (k, beta, value) }
            }
        }
        #expect(profile.rmse <= best.rmse + 1e-12, "profile \(profile) grid \(best)")
        #expect(abs(profile.beta - best.beta) < 0.01, "profile \(profile) grid \(best)")
        #expect(abs(profile.k - best.k) / best.k < 0.05, "profile \(profile) grid \(best)")
    }

    @Test func profileRecoversNoiselessParameters() {
        var random = SeededRandom(seed: 9)
        let products = (0..<200).map { _ in exp(log(500) + random.unit() * log(80)) * exp(log(500) + random.unit() * log(80)) }
        let distances = (0..<200).map { _ in exp(log(30) + random.unit() * log(100)) }
        let frequencies = zip(products, distances).map { 3e-5 * $0 / pow($1, 1.3) }
        let profile = GravityFit(massProduct: products, distance: distances, frequency: frequencies).profile()
        #expect(abs(profile.beta - 1.3) < 1e-6 && abs(profile.k / 3e-5 - 1) < 1e-5 && profile.rmse < 1e-6, "\(profile)")
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func swarmComesWithinOnePercentOfTheProfileRMSE(seed: UInt64) {
        let fit = Self.problem(seed: seed)
        let profile = fit.profile()
        let swarm = fit.swarm(seed: 2025)
        #expect(swarm.rmse >= profile.rmse - 1e-9, "the profile optimum is exact: swarm \(swarm) profile \(profile)")
        #expect(swarm.rmse <= profile.rmse * 1.01, "swarm \(swarm) profile \(profile)")
        #expect(GravityFit.kRange.contains(swarm.k) && GravityFit.betaRange.contains(swarm.beta))
        #expect(fit.swarm(seed: 2025) == swarm, "the same seed gives the same fit")
        for threads in [2, 3] {
            #expect(fit.swarm(seed: 2025, threads: threads) == swarm, "the same fit on \(threads) threads")
        }
    }

    /// A known ridge: every pair 100 km apart, so k D^-beta is one number
    /// and any beta fits as well as any other (k = c 100^beta stays below
    /// 1). The whole box is within 0.1 %, touching both bounds.
    @Test func aRidgeIsReportedAsPoorlyIdentified() {
        var random = SeededRandom(seed: 4)
        let products = (0..<300).map { _ in exp(log(500) + random.unit() * log(80)) * exp(log(500) + random.unit() * log(80)) }
        let distances = [Double](repeating: 100, count: 300)
        let frequencies = products.map { max(1, (1e-8 * $0 * (0.5 + random.unit())).rounded()) }
        let fit = GravityFit(massProduct: products, distance: distances, frequency: frequencies)
        let profile = fit.profile()
        let identification = fit.betaIdentification(best: profile)
        #expect(identification.low == 0 && identification.high == 2, "\(identification)")
        #expect(identification.touchesLowerBound && identification.touchesUpperBound && identification.isWide && !identification.identified)
        #expect(identification.sentence.hasPrefix("beta is poorly identified: any beta in [0.000, 2.000] fits within 0.1 % of the best RMSE"),
                "\(identification.sentence)")
        #expect(identification.sentence.contains("upper bound 2") && identification.sentence.contains("lower bound 0"))
    }

    /// A nearly flat ridge ending at the box's edge, as the 12M release's
    /// 2010-2020 slices have it: distances 95-105 km, true beta 1.9.
    @Test func aRidgeAtTheEdgeOfTheBoxTouchesIt() {
        var random = SeededRandom(seed: 6)
        let products = (0..<300).map { _ in exp(log(500) + random.unit() * log(80)) * exp(log(500) + random.unit() * log(80)) }
        let distances = (0..<300).map { _ in 95 + 10 * random.unit() }
        let frequencies = zip(products, distances).map { max(1, (1e-4 * $0 / pow($1, 1.9) * (0.5 + random.unit())).rounded()) }
        let fit = GravityFit(massProduct: products, distance: distances, frequency: frequencies)
        let identification = fit.betaIdentification(best: fit.profile())
        #expect(identification.touchesUpperBound && !identification.touchesLowerBound && !identification.identified, "\(identification)")
        #expect(identification.bestAtBound == 2 && !identification.isWide, "\(identification)")
        #expect(identification.sentence.hasPrefix("beta is not estimated: the best fit lies on the bound beta = 2 of the box")
                && identification.sentence.hasSuffix("the data would take a beta above it if the box allowed."), "\(identification.sentence)")
    }

    /// Frequencies that are all the same leave nothing to explain.
    @Test func equalFrequenciesIdentifyNothing() {
        let fit = GravityFit(massProduct: [4e6, 9e6, 2.5e7, 1e6], distance: [50, 300, 900, 120], frequency: [1, 1, 1, 1])
        let identification = fit.betaIdentification(best: fit.profile())
        #expect(!identification.frequenciesVary && !identification.identified)
        #expect(identification.sentence == "beta is not identified: every pair has the same frequency, so the fit has no variation to explain.")
    }

    /// A sharp optimum: distances over two orders of magnitude, true beta
    /// 1.3, 5 % noise. The range is narrow, holds the best beta, and is
    /// inside the box.
    @Test func aSharpOptimumIsIdentified() {
        var random = SeededRandom(seed: 8)
        let products = (0..<300).map { _ in exp(log(500) + random.unit() * log(80)) * exp(log(500) + random.unit() * log(80)) }
        let distances = (0..<300).map { _ in exp(log(30) + random.unit() * log(100)) }
        let frequencies = zip(products, distances).map { 3e-5 * $0 / pow($1, 1.3) * (0.95 + 0.1 * random.unit()) }
        let fit = GravityFit(massProduct: products, distance: distances, frequency: frequencies)
        let profile = fit.profile()
        #expect(abs(profile.beta - 1.3) < 0.05, "\(profile)")
        let identification = fit.betaIdentification(best: profile)
        #expect(identification.identified, "\(identification)")
        #expect(identification.low < profile.beta && profile.beta < identification.high)
        #expect(identification.width < 0.1 && identification.width > 0, "\(identification)")
        // The edges are where the profile RMSE crosses 0.1 % above the best.
        for edge in [identification.low, identification.high] {
            let ratio = fit.rmse(k: fit.bestK(beta: edge), beta: edge) / profile.rmse
            #expect(abs(ratio - 1.001) < 1e-5, "\(edge): \(ratio)")
        }
        #expect(identification.sentence.hasPrefix("beta is identified: only beta in ["), "\(identification.sentence)")
    }

    @Test func bestKIsClampedToItsRange() {
        // Frequencies far above any k <= 1 can give: the best k is 1.
        let fit = GravityFit(massProduct: [1, 1, 1], distance: [10, 20, 30], frequency: [100, 200, 300])
        #expect(fit.bestK(beta: 0) == 1)
    }
}
