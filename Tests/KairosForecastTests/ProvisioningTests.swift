import Foundation
import XCTest
@testable import KairosForecast

/// Over-provisioning cost beside under-provisioning, and the quantile chosen for an
/// under-provisioning target on validation data.
final class ProvisioningTests: XCTestCase {
    func testDecisionMetricsCountOverAndUnderProvisionedProducerIntervals() throws {
        // needed 1,2,3,2,1,3 ; chosen 1,1,3,3,3,1
        let d = DecisionMetrics(actual: [10, 60, 120, 60, 10, 150], decisionForecast: [10, 40, 130, 110, 120, 20], policy: .paper)
        XCTAssertEqual(d.overProvisionedProducerIntervals, 1 + 2)
        XCTAssertEqual(d.underProvisionedProducerIntervals, 1 + 2)
        XCTAssertEqual(d.producerIntervals, 12)
        XCTAssertEqual(d.perfectProducerIntervals, 12)
        XCTAssertEqual(d.extraProducerFraction, 0, accuracy: 1e-12, "net extra hides the cost")
        XCTAssertEqual(d.overProvisionCostFraction, 3.0 / 12, accuracy: 1e-12)
        // Round trip, and JSON written before these counts existed still decodes.
        XCTAssertEqual(try JSONDecoder().decode(DecisionMetrics.self, from: JSONEncoder().encode(d)), d)
        let old = #"{"kAccuracy":0.5,"underProvisionRate":0.25,"overProvisionRate":0.25,"producerIntervals":8,"perfectProducerIntervals":8}"#
        let decoded = try JSONDecoder().decode(DecisionMetrics.self, from: Data(old.utf8))
        XCTAssertEqual(decoded.overProvisionedProducerIntervals, 0)
        XCTAssertEqual(decoded.kAccuracy, 0.5)
    }

    func testChoosesTheSmallestQuantileMeetingTheTarget() throws {
        var g = SeededGenerator(seed: 21)
        let policy = ProducerPolicy(thresholds: [50, 100])
        let actuals = (0..<400).map { _ in g.uniform(20, 130) }
        let forecasts = actuals.map { $0 + 15 * g.normal() }
        for target in [0.2, 0.05, 0.01] {
            let choice = try ProvisioningQuantile.choose(target: target, forecasts: forecasts, actuals: actuals, policy: policy)
            XCTAssertTrue(choice.met, "target \(target)")
            XCTAssertLessThanOrEqual(choice.decisions.underProvisionRate, target)
            XCTAssertEqual(choice.calibration.quantile, choice.quantile)
            // The rate is what that calibration really gives on this data.
            let upper = forecasts.map { choice.calibration.upper(point: $0, step: 0) }
            XCTAssertEqual(DecisionMetrics(actual: actuals, decisionForecast: upper, policy: policy), choice.decisions)
            // Every smaller candidate misses the target: this is the smallest.
            for q in ProvisioningQuantile.candidateQuantiles where q < choice.quantile {
                let c = try QuantileCalibration(quantile: q, forecasts: forecasts.map { [$0] }, actuals: actuals.map { [$0] })
                let rate = DecisionMetrics(actual: actuals, decisionForecast: forecasts.map { c.upper(point: $0, step: 0) }, policy: policy).underProvisionRate
                XCTAssertGreaterThan(rate, target, "q \(q) for target \(target)")
            }
        }
        let loose = try ProvisioningQuantile.choose(target: 0.2, forecasts: forecasts, actuals: actuals, policy: policy)
        let tight = try ProvisioningQuantile.choose(target: 0.01, forecasts: forecasts, actuals: actuals, policy: policy)
        XCTAssertLessThan(loose.quantile, tight.quantile)
        XCTAssertLessThanOrEqual(loose.decisions.overProvisionedProducerIntervals, tight.decisions.overProvisionedProducerIntervals)
        XCTAssertThrowsError(try ProvisioningQuantile.choose(target: 1.5, forecasts: forecasts, actuals: actuals, policy: policy))
        XCTAssertThrowsError(try ProvisioningQuantile.choose(target: 0.01, forecasts: [1, 2], actuals: [1], policy: policy))
    }

    func testBacktestChoosesEachQuantileOnValidationOnly() throws {
        let count = 600
        let data = SeriesData(name: "bursty", target: TestSeries.bursty(count: count, season: 24, seed: 31))
        var config = BacktestConfig()
        config.models = ["naive", "hw", "ar", "auto"]
        config.settings = TestSeries.quickSettings(seasons: [24])
        config.underProvisionTarget = 0.01
        let report = try Backtest.run(data, config: config)
        XCTAssertEqual(report.underProvisionTarget, 0.01)
        for m in report.models {
            let p = try XCTUnwrap(m.provisioning, m.name)
            XCTAssertEqual(m.calibration.quantile, p.quantile, m.name)
            if p.met { XCTAssertLessThanOrEqual(p.decisions.underProvisionRate, 0.01, m.name) }
            XCTAssertEqual(report.fittedModels[m.name]?.calibration, m.calibration, m.name)
        }
        // Changing only the test part leaves every chosen quantile where it was.
        var changed = data
        let trainCount = report.trainPoints
        for i in trainCount..<count { changed.target[i] *= 10 }
        let again = try Backtest.run(changed, config: config)
        XCTAssertEqual(again.models.map(\.provisioning), report.models.map(\.provisioning))
        XCTAssertNotEqual(again.models.map(\.metrics), report.models.map(\.metrics))
    }
}
