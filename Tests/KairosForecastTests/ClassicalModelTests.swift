import XCTest
@testable import KairosForecast

final class ClassicalModelTests: XCTestCase {
    private func seasonalSeries(count: Int, season: Int, seed: UInt64, noise: Double = 1) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { t in 100 + 0.05 * Double(t) + 20 * sin(2 * .pi * Double(t % season) / Double(season)) + noise * g.normal() }
    }

    func testNaiveAndSeasonalNaive() throws {
        let data = SeriesData(target: [1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(NaiveForecaster().forecast(data, origin: 5, horizon: 3), [5, 5, 5])
        let s = SeasonalNaiveForecaster(seasonLength: 3)
        // History 1...6; next steps repeat the last season 4,5,6.
        XCTAssertEqual(s.forecast(data, origin: 6, horizon: 4), [4, 5, 6, 4])
        XCTAssertEqual(s.forecast(data, origin: 2, horizon: 2), [2, 2], "less than a season falls back to naive")
    }

    func testMovingAverageChoosesWindowAndAverages() throws {
        var g = SeededGenerator(seed: 3)
        let noisy = SeriesData(target: (0..<500).map { _ in 10 + g.normal() })
        var ma = MovingAverageForecaster()
        try ma.fit(noisy)
        XCTAssertGreaterThanOrEqual(ma.window, 12, "white noise around a constant favours a long window")
        let fixed = MovingAverageForecaster(window: 3)
        XCTAssertEqual(fixed.forecast(SeriesData(target: [1, 2, 3, 4, 8]), origin: 5, horizon: 2), [5, 5])
    }

    func testExponentialSmoothingFitsAlpha() throws {
        // A random walk is best smoothed with alpha near 1; white noise with alpha near 0.
        var g = SeededGenerator(seed: 8)
        var level = 0.0
        let walk = (0..<800).map { _ -> Double in level += g.normal(); return level }
        var ses = ExponentialSmoothingForecaster()
        try ses.fit(SeriesData(target: walk))
        XCTAssertGreaterThan(ses.alpha, 0.85)
        let noise = (0..<800).map { _ in 5 + g.normal() }
        try ses.fit(SeriesData(target: noise))
        XCTAssertLessThan(ses.alpha, 0.1)
        let data = SeriesData(target: noise)
        let rolling = ses.rollingForecasts(data, origins: 700..<800, horizon: 2)
        for (i, origin) in (700..<800).enumerated() where i % 17 == 0 {
            XCTAssertEqual(rolling[i], ses.forecast(data, origin: origin, horizon: 2))
        }
    }

    func testHoltWintersBeatsSeasonalNaiveOnNoisySeason() throws {
        let y = seasonalSeries(count: 24 * 40, season: 24, seed: 4, noise: 3)
        let data = SeriesData(target: y)
        var hw = HoltWintersForecaster(seasonLength: 24)
        try hw.fit(data.prefix(24 * 32))
        XCTAssertTrue((0...1).contains(hw.alpha) && (0...1).contains(hw.beta) && (0...1).contains(hw.gamma))
        let origins = (24 * 32)..<(24 * 40)
        let f = hw.rollingForecasts(data, origins: origins, horizon: 1).map { $0[0] }
        let actual = Array(y[origins])
        let hwError = ErrorMetrics(actual: actual, forecast: f)
        let snaive = ErrorMetrics(actual: actual, forecast: origins.map { y[$0 - 24] })
        XCTAssertLessThan(hwError.rmse, snaive.rmse * 0.85, "hw \(hwError.rmse) vs snaive \(snaive.rmse)")
        XCTAssertLessThan(hwError.rmse, 4.5, "noise sd is 3")
        // The rolling fast path agrees with single forecasts.
        XCTAssertEqual(hw.forecast(data, origin: 800, horizon: 3), hw.rollingForecasts(data, origins: 800..<801, horizon: 3)[0])
    }

    func testAutoRegressionRecoversCoefficients() throws {
        var g = SeededGenerator(seed: 12)
        var y = [0.0, 0.0]
        for t in 2..<5000 { y.append(10 + 0.6 * (y[t - 1] - 10) - 0.3 * (y[t - 2] - 10) + g.normal()) }
        var ar = AutoRegressiveForecaster(order: 2)
        try ar.fit(SeriesData(target: y))
        XCTAssertEqual(ar.lags, [1, 2])
        XCTAssertEqual(ar.coefficients[1], 0.6, accuracy: 0.05)
        XCTAssertEqual(ar.coefficients[2], -0.3, accuracy: 0.05)
        var chosen = AutoRegressiveForecaster()
        try chosen.fit(SeriesData(target: y))
        XCTAssertLessThanOrEqual(chosen.lags.count, 6, "BIC keeps a small order")
    }

    func testSeasonalAutoRegressionUsesSeasonalLags() throws {
        let y = seasonalSeries(count: 24 * 30, season: 24, seed: 6, noise: 1)
        let data = SeriesData(target: y)
        var ar = AutoRegressiveForecaster(seasonLengths: [24])
        try ar.fit(data.prefix(24 * 24))
        XCTAssertTrue(ar.lags.contains(24) && ar.lags.contains(25) && ar.lags.contains(48))
        let origins = (24 * 24)..<(24 * 30)
        let f = ar.rollingForecasts(data, origins: origins, horizon: 1).map { $0[0] }
        XCTAssertLessThan(ErrorMetrics(actual: Array(y[origins]), forecast: f).rmse, 1.6)
    }

    func testLeastSquaresSolvesKnownSystem() {
        // [[4,2],[2,3]] b = [10, 9]  ->  b = [1.5, 2]
        let b = solveNormalEquations(gram: [4, 2, 2, 3], moment: [10, 9], ridge: 0)!
        XCTAssertEqual(b[0], 1.5, accuracy: 1e-12)
        XCTAssertEqual(b[1], 2, accuracy: 1e-12)
        XCTAssertNil(solveNormalEquations(gram: [1, 1, 1, 1], moment: [1, 1], ridge: 0))
    }

    func testTooShortSeriesThrows() {
        var hw = HoltWintersForecaster(seasonLength: 24)
        XCTAssertThrowsError(try hw.fit(SeriesData(target: Array(repeating: 1, count: 30))))
        var lstm = LSTMForecaster()
        XCTAssertThrowsError(try lstm.fit(SeriesData(target: [1, 2, 3])))
    }
}
