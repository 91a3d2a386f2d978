import KairosControl
import KairosForecast
import XCTest

final class CalibrationTests: XCTestCase {
    func testMedianUpperByHand() {
        var c = ResidualCalibrator(quantile: 0.5, window: 3, steps: 1)
        XCTAssertNil(c.upper(point: 10, step: 1))
        c.record(step: 1, forecast: 8, actual: 10)
        c.record(step: 1, forecast: 10, actual: 12)
        c.record(step: 1, forecast: 10, actual: 9)
        // Residuals 2, 2, −1: median 2. Ratios 1.25, 1.2, 0.9: median 1.2. Pinball at 0.5:
        // additive (10, 12, 12 vs 10, 12, 9) = 1.5 / 3; ratio (9.6, 12, 12) = 1.7 / 3: additive wins.
        let u = c.upper(point: 10, step: 1)!
        XCTAssertEqual(u.value, 12, accuracy: 1e-12)
        XCTAssertEqual(u.mode, .additive)
        // The window keeps 3: the first pair (+2) leaves, residuals become 2, −1, 10: median 2 still,
        // ratios 1.2, 0.9, 2: both losses (12 everywhere) tie, and a tie keeps additive.
        c.record(step: 1, forecast: 10, actual: 20)
        XCTAssertEqual(c.count(step: 1), 3)
        XCTAssertEqual(c.upper(point: 5, step: 1)!.value, 7, accuracy: 1e-12)
        // A fourth pair with residual −5 pushes out the 2: residuals −1, 10, −5, median −1.
        c.record(step: 1, forecast: 10, actual: 5)
        XCTAssertEqual(c.upper(point: 0, step: 1)!.value, 0, "never below zero")
    }

    func testErrorsThatGrowWithTheLevelPickTheRatio() {
        var c = ResidualCalibrator(quantile: 0.9, window: 50, steps: 2)
        for level in stride(from: 10.0, through: 500, by: 10) {
            c.record(step: 1, forecast: level, actual: level * 1.2)
        }
        let u = c.upper(point: 1000, step: 1)!
        XCTAssertEqual(u.mode, .multiplicative)
        XCTAssertEqual(u.value, 1200, accuracy: 1e-9)
        // Step 2 has no data of its own: nil; a step past those held borrows the last one's.
        XCTAssertNil(c.upper(point: 1000, step: 2))
        XCTAssertEqual(c.upper(point: 1000, step: 5)?.value, nil)
    }

    /// The incremental windows against a brute-force reading of the last `window` pairs with
    /// KairosForecast's own quantile and pinball loss.
    func testMatchesABruteForceCalibrationOnRandomErrors() {
        var generator = SeededGenerator(seed: 12)
        for (window, q) in [(1, 0.5), (7, 0.9), (50, 0.99), (64, 0.7)] {
            var c = ResidualCalibrator(quantile: q, window: window, steps: 1)
            var all: [(actual: Double, forecast: Double)] = []
            for i in 0..<300 {
                let forecast = generator.uniform(1, 100)
                // Mostly proportional errors, sometimes a zero actual, now and then an exact repeat.
                let actual = i % 37 == 0 ? 0 : i % 11 == 0 ? forecast : forecast * generator.uniform(0.6, 1.5)
                c.record(step: 1, forecast: forecast, actual: actual)
                all.append((actual, forecast))
                let held = all.suffix(window)
                let a = held.map(\.actual), f = held.map(\.forecast)
                let offset = empiricalQuantile(zip(a, f).map { $0 - $1 }, q)
                let ratio = empiricalQuantile(zip(a, f).map { $0 / $1 }, q)
                let additiveLoss = pinballLoss(actual: a, quantileForecast: f.map { $0 + offset }, q: q)
                let ratioLoss = pinballLoss(actual: a, quantileForecast: f.map { $0 * ratio }, q: q)
                let point = 40.0
                let expected = ratioLoss < additiveLoss ? point * ratio : point + offset
                let got = c.upper(point: point, step: 1)!
                XCTAssertEqual(got.value, max(expected, 0), accuracy: 1e-9 * max(1, abs(expected)), "window \(window), pair \(i)")
                XCTAssertEqual(got.mode, ratioLoss < additiveLoss ? .multiplicative : .additive, "window \(window), pair \(i)")
            }
        }
    }

    func testRollingWindowKeepsTheNewest() {
        var w = RollingWindow<Int>(capacity: 3)
        XCTAssertNil(w.last)
        for i in 1...5 { w.append(i) }
        XCTAssertEqual(w.values, [3, 4, 5])
        XCTAssertEqual(w.last, 5)
        XCTAssertEqual(w.first, 3)
        XCTAssertEqual(w.count, 3)
    }

    func testCapacityAndStartUpEstimators() {
        var capacity = ProducerCapacityEstimator(window: 3)
        XCTAssertNil(capacity.recordsPerSecond)
        capacity.record([100, -1, .nan, 300])
        XCTAssertEqual(capacity.recordsPerSecond, 200)
        capacity.record([50, 60])
        XCTAssertEqual(capacity.recordsPerSecond, 60, "median of the last three: 300, 50, 60")
        var startup = StartupTimeEstimator(configuredMs: 500)
        XCTAssertEqual(startup.leadIntervals(intervalMs: 1000, maximum: 10), 1)
        startup.record(2100)
        XCTAssertEqual(startup.milliseconds, 2100)
        XCTAssertEqual(startup.leadIntervals(intervalMs: 1000, maximum: 10), 3)
        XCTAssertEqual(startup.leadIntervals(intervalMs: 1000, maximum: 2), 2)
        XCTAssertEqual(StartupTimeEstimator(configuredMs: 0).leadIntervals(intervalMs: 1000, maximum: 10), 0)
    }

    func testGovernorByHand() {
        var g = ScalingGovernor(minimum: 1, maximum: 3, dwellMs: 2000, cooldownMs: 5000)
        XCTAssertEqual(g.step(wanted: 2, wantedWithHysteresis: 2, now: .milliseconds(0)).move, .initial)
        XCTAssertEqual(g.step(wanted: 3, wantedWithHysteresis: 3, now: .milliseconds(1000)).move, .up)
        // Fewer wanted from t = 2000; dwell is met at 4000 but the cooldown (change at 1000) only at 6000.
        XCTAssertEqual(g.step(wanted: 1, wantedWithHysteresis: 1, now: .milliseconds(2000)).move, .hold)
        XCTAssertEqual(g.step(wanted: 2, wantedWithHysteresis: 2, now: .milliseconds(4000)).move, .hold)
        let cooled = g.step(wanted: 1, wantedWithHysteresis: 1, now: .milliseconds(5000))
        XCTAssertEqual(cooled.move, .hold)
        XCTAssertTrue(cooled.reason.contains("cooldown"), cooled.reason)
        let down = g.step(wanted: 1, wantedWithHysteresis: 1, now: .milliseconds(6000))
        XCTAssertEqual(down.move, .down)
        XCTAssertEqual(g.current, 2, "down to the most wanted during the dwell")
        // A hysteresis-raised wish at the current count breaks the dwell.
        XCTAssertEqual(g.step(wanted: 1, wantedWithHysteresis: 1, now: .milliseconds(20000)).move, .hold)
        XCTAssertEqual(g.step(wanted: 1, wantedWithHysteresis: 2, now: .milliseconds(21000)).move, .hold)
        XCTAssertEqual(g.step(wanted: 1, wantedWithHysteresis: 1, now: .milliseconds(22000)).move, .hold)
        XCTAssertEqual(g.step(wanted: 1, wantedWithHysteresis: 1, now: .milliseconds(24000)).move, .down)
        XCTAssertEqual(g.current, 1)
    }
}

final class LoadHistoryTests: XCTestCase {
    func testHistoryIsBoundedAndTailsKeepThePhase() {
        var h = LoadHistory(capacity: 16)
        for i in 0..<40 { h.append(Double(i)) }
        XCTAssertLessThanOrEqual(h.values.count, 16)
        XCTAssertEqual(h.endIndex, 40)
        XCTAssertEqual(h.values.last, 39)
        XCTAssertEqual(h.values.first, Double(h.startIndex), "values[0] is interval startIndex")
        // With a season of 5 fitted from interval 2, a tail starts at 2 + 5j.
        let tail = h.tail(9, phaseAnchor: 2, quantum: 5)
        XCTAssertEqual((Int(tail.first!) - 2) % 5, 0)
        XCTAssertLessThanOrEqual(tail.count, 9)
        XCTAssertGreaterThan(tail.count, 4)
        XCTAssertEqual(tail.last, 39)
        XCTAssertEqual(Array(h.tail(3, phaseAnchor: 0, quantum: 1)), [37, 38, 39])
    }
}
