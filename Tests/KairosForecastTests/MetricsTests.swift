import XCTest
@testable import KairosForecast

final class MetricsTests: XCTestCase {
    func testErrorMetricsByHand() {
        let m = ErrorMetrics(actual: [10, 20, 30, 0], forecast: [12, 20, 27, 0])
        XCTAssertEqual(m.rmse, ((4.0 + 0 + 9 + 0) / 4).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(m.mae, 5.0 / 4, accuracy: 1e-12)
        XCTAssertEqual(m.smape, 200.0 / 4 * (2.0 / 22 + 3.0 / 57), accuracy: 1e-12)
        XCTAssertEqual(m.count, 4)
    }

    func testProducerPolicyFollowsPaperRule() {
        let p = ProducerPolicy.paper
        XCTAssertEqual(p.producers(for: 49.9), 1)
        XCTAssertEqual(p.producers(for: 50), 2)
        XCTAssertEqual(p.producers(for: 99), 2)
        XCTAssertEqual(p.producers(for: 100), 3)
        XCTAssertThrowsError(try ProducerPolicy.validated([100, 50]))
        let t = ProducerPolicy.tertiles(of: (1...100).map(Double.init))
        XCTAssertEqual(t.thresholds[0], 33.67, accuracy: 0.01)
        XCTAssertEqual(t.thresholds[1], 66.34, accuracy: 0.01)
    }

    func testDecisionMetrics() {
        let d = DecisionMetrics(actual: [10, 60, 120, 60, 10], decisionForecast: [10, 40, 130, 110, 60], policy: .paper)
        // needed 1,2,3,2,1 ; chosen 1,1,3,3,2
        XCTAssertEqual(d.kAccuracy, 0.4, accuracy: 1e-12)
        XCTAssertEqual(d.underProvisionRate, 0.2, accuracy: 1e-12)
        XCTAssertEqual(d.overProvisionRate, 0.4, accuracy: 1e-12)
        XCTAssertEqual(d.producerIntervals, 10)
        XCTAssertEqual(d.perfectProducerIntervals, 9)
        XCTAssertEqual(d.extraProducerFraction, 1.0 / 9, accuracy: 1e-12)
    }

    func testQuantileAndPinball() {
        XCTAssertEqual(empiricalQuantile([1, 2, 3, 4, 5], 0.5), 3)
        XCTAssertEqual(empiricalQuantile([1, 2, 3, 4, 5], 0.9), 4.6, accuracy: 1e-12)
        XCTAssertEqual(pinballLoss(actual: [10, 10], quantileForecast: [8, 12], q: 0.9), (0.9 * 2 + 0.1 * 2) / 2, accuracy: 1e-12)
    }

    func testCalibrationCoversRequestedQuantile() throws {
        var g = SeededGenerator(seed: 2)
        // Errors proportional to the level: the ratio mode must win.
        let points = (0..<2000).map { _ in g.uniform(10, 1000) }
        let actual = points.map { $0 * (1 + 0.1 * g.normal()) }
        let cal = try QuantileCalibration(quantile: 0.9, forecasts: points.map { [$0] }, actuals: actual.map { [$0] })
        XCTAssertEqual(cal.mode, .multiplicative)
        XCTAssertEqual(cal.offsets[0], 1 + 0.1 * 1.2816, accuracy: 0.02)
        let freshPoints = (0..<2000).map { _ in g.uniform(10, 1000) }
        let fresh = freshPoints.map { $0 * (1 + 0.1 * g.normal()) }
        let covered = zip(fresh, freshPoints).filter { $0 <= cal.upper(point: $1, step: 0) }.count
        XCTAssertEqual(Double(covered) / 2000, 0.9, accuracy: 0.025)
        // Constant-size errors: additive.
        let flat = try QuantileCalibration(quantile: 0.95, forecasts: points.map { [$0] }, actuals: points.map { [$0 + 5 * g.normal()] })
        XCTAssertEqual(flat.mode, .additive)
        XCTAssertEqual(flat.offsets[0], 5 * 1.645, accuracy: 0.7)
    }
}
