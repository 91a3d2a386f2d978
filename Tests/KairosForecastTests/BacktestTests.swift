import XCTest
@testable import KairosForecast

final class BacktestTests: XCTestCase {
    private var hourlyShape: Workloads.TrafficShape {
        var s = Workloads.TrafficShape()
        s.stepsPerDay = 24
        return s
    }

    private func fastSettings(seasons: [Int]) -> ModelSettings {
        var settings = ModelSettings()
        settings.seasonLengths = seasons
        settings.lstm.hiddenSize = 8
        settings.lstm.layers = 1
        settings.lstm.lookback = 12
        settings.lstm.training.epochs = 4
        settings.lstm.maxTrainingWindows = 300
        return settings
    }

    func testSeasonalTrafficBacktest() throws {
        let data = Workloads.realisticTraffic(count: 24 * 7 * 6, shape: hourlyShape, seed: 7)
        var config = BacktestConfig()
        config.settings = fastSettings(seasons: [24, 168])
        let report = try Backtest.run(data, config: config)
        XCTAssertEqual(report.trainPoints, 806)
        XCTAssertEqual(report.testPoints, 1008 - 806)
        XCTAssertEqual(report.models.map(\.name), ModelCatalog.names)
        let byName = Dictionary(uniqueKeysWithValues: report.models.map { ($0.name, $0) })
        let naive = byName["naive"]!.metrics.rmse
        XCTAssertLessThan(byName["hw"]!.metrics.rmse, naive, "seasonal model beats naive on seasonal traffic")
        XCTAssertLessThan(byName["ar"]!.metrics.rmse, naive)
        let bestSingle = report.models.filter { $0.name != "auto" }.map(\.metrics.rmse).min()!
        XCTAssertLessThan(byName["auto"]!.metrics.rmse, bestSingle * 1.1)
        XCTAssertEqual(report.best, report.models.min { $0.metrics.rmse < $1.metrics.rmse }!.name)
        for model in report.models {
            XCTAssertGreaterThan(model.coverage, 0.7, model.name)
            XCTAssertLessThanOrEqual(model.decisions.underProvisionRate, model.pointDecisions.underProvisionRate, model.name)
        }
        XCTAssertNotNil(byName["auto"]!.detail)
    }

    func testThresholdsDefaultToTrainingTertiles() throws {
        let data = Workloads.paperThreeUsers(count: 300, seed: 1)
        var config = BacktestConfig()
        config.models = ["naive", "ma", "ses", "ar"]
        let report = try Backtest.run(data, config: config)
        let expected = ProducerPolicy.tertiles(of: Array(data.target[0..<240])).thresholds
        XCTAssertEqual(report.thresholds, expected)
        config.thresholds = [50, 100]
        XCTAssertEqual(try Backtest.run(data, config: config).thresholds, [50, 100])
        // i.i.d. data: the long-memory models must beat naive.
        let r = try Backtest.run(data, config: config)
        let naive = r.models.first { $0.name == "naive" }!.metrics.rmse
        XCTAssertLessThan(r.models.first { $0.name == "ma" }!.metrics.rmse, naive)
    }

    func testMultiStepHorizon() throws {
        let data = Workloads.realisticTraffic(count: 24 * 30, shape: hourlyShape, seed: 9)
        var config = BacktestConfig()
        config.models = ["naive", "snaive", "hw"]
        config.settings = fastSettings(seasons: [24])
        config.settings.horizon = 3
        let report = try Backtest.run(data, config: config)
        XCTAssertEqual(report.testPoints, 720 - 576 - 2)
        for model in report.models { XCTAssertEqual(model.stepMetrics.count, 3) }
        let naive = report.models.first { $0.name == "naive" }!
        XCTAssertGreaterThan(naive.stepMetrics[2].rmse, naive.stepMetrics[0].rmse, "naive degrades with the horizon")
    }

    func testSkipsSeasonalModelsWithoutSeasonAndRejectsUnknown() throws {
        let data = Workloads.paperThreeUsers(count: 200, seed: 2)
        var config = BacktestConfig()
        config.models = ["naive", "snaive", "hw"]
        let report = try Backtest.run(data, config: config)
        XCTAssertEqual(report.models.map(\.name), ["naive"])
        XCTAssertEqual(Set(report.skipped.keys), ["snaive", "hw"])
        config.models = ["prophet"]
        XCTAssertThrowsError(try Backtest.run(data, config: config))
    }

    func testSeasonDetection() {
        let data = Workloads.realisticTraffic(count: 24 * 7 * 8, shape: hourlyShape, seed: 3)
        let seasons = SeasonDetection.detect(data.target)
        XCTAssertEqual(seasons.first, 24)
        var shape = hourlyShape
        shape.stepsPerDay = 144
        XCTAssertEqual(SeasonDetection.detect(Workloads.realisticTraffic(count: 4032, shape: shape, seed: 5).target).first, 144)
        var g = SeededGenerator(seed: 1)
        XCTAssertEqual(SeasonDetection.detect((0..<500).map { _ in g.normal() }), [])
    }
}
