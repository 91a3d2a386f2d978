import XCTest
@testable import KairosForecast

/// Whatever is learned (thresholds, scalers, parameters, calibration, auto's choice) comes from
/// the training part: changing only the test part must leave all of it exactly as it was.
final class TestPartIsolationTests: XCTestCase {
    func testChangingOnlyTheTestPartMovesNothingThatWasLearned() throws {
        let count = 600
        let season = 24
        let target = TestSeries.bursty(count: count, season: season, seed: 11)
        let covariate = TestSeries.bursty(count: count, season: season, seed: 12)
        let data = SeriesData(name: "bursty", target: target, covariates: [covariate], covariateNames: ["source"])
        var config = BacktestConfig()
        config.settings = TestSeries.quickSettings(seasons: [season])
        config.testFraction = 0.2
        let trainCount = count - Int((Double(count) * config.testFraction).rounded())
        let base = try Backtest.run(data, config: config)
        XCTAssertEqual(base.trainPoints, trainCount)

        var g = SeededGenerator(seed: 13)
        let variants: [(String, (Int, Double) -> Double)] = [
            ("times 10", { _, v in v * 10 }),
            ("noise", { _, _ in g.uniform(0, 500) }),
        ]
        for (label, change) in variants {
            var changed = data
            for i in trainCount..<count {
                changed.target[i] = change(i, changed.target[i])
                changed.covariates[0][i] = change(i, changed.covariates[0][i])
            }
            let report = try Backtest.run(changed, config: config)
            XCTAssertEqual(report.thresholds, base.thresholds, "\(label): thresholds")
            XCTAssertEqual(Set(report.fittedModels.keys), Set(config.models), "\(label): every model ran")
            for (name, model) in base.fittedModels {
                // Fitted parameters, LSTM scalers, calibration and auto's members all compare here.
                XCTAssertEqual(report.fittedModels[name], model, "\(label): \(name) fitted model")
            }
            guard case let .lstm(lstm)? = report.fittedModels["lstm"]?.model,
                  case let .lstm(baseLSTM)? = base.fittedModels["lstm"]?.model else { return XCTFail("lstm missing") }
            XCTAssertEqual(lstm.targetScaler, MinMaxScaler(fitting: target[..<trainCount]), "\(label): target scaler")
            XCTAssertEqual(lstm.covariateScalers, baseLSTM.covariateScalers, "\(label): covariate scalers")
            for (a, b) in zip(report.models, base.models) {
                XCTAssertEqual(a.calibration, b.calibration, "\(label): \(a.name) calibration")
                XCTAssertEqual(a.validationRMSE, b.validationRMSE, "\(label): \(a.name) validation")
                XCTAssertEqual(a.detail, b.detail, "\(label): \(a.name) detail (auto's choice)")
            }
            // The change was real: test errors moved.
            XCTAssertNotEqual(report.models[0].metrics.rmse, base.models[0].metrics.rmse, "\(label): test part changed")
        }
    }
}
