import KairosSim
import XCTest

final class ForecastPredictorTests: XCTestCase {
    func testAKairosForecastModelDrivesTheDynamicRun() throws {
        let workload = PaperWorkload.paper
        let training = workload.totals(steps: 600, seed: 2)
        let run = workload.totals(steps: 200, seed: 1)
        let point = try ForecastModelPredictor(modelName: "ar", trainingTotals: training)
        let upper = try ForecastModelPredictor(modelName: "ar", trainingTotals: training, useUpperQuantile: true)
        XCTAssertEqual(point.name, "model:ar")
        XCTAssertEqual(upper.name, "model:ar:upper")
        for n in [10, 50, 150] {
            let history = Array(run.prefix(n))
            let p = point.predictNext(history: history)
            let u = upper.predictNext(history: history)
            // The workload's total lies in 37...170; a fitted AR on i.i.d. data predicts near its mean (~104).
            XCTAssertGreaterThan(p, 60)
            XCTAssertLessThan(p, 150)
            XCTAssertGreaterThan(u, p, "the P90 forecast provisions above the point forecast")
        }
        let model = try PaperModel()
        let withPoint = model.dynamicRun(totalsTx: run, predictor: AnyLoadPredictor(point), warmupSteps: 10)
        let withUpper = model.dynamicRun(totalsTx: run, predictor: AnyLoadPredictor(upper), warmupSteps: 10)
        let pointRow = try XCTUnwrap(withPoint.results.first { $0.label.contains("model:ar") })
        let upperRow = try XCTUnwrap(withUpper.results.first { $0.label.contains("model:ar:upper") })
        // Provisioning for the P90 runs more producers and so cannot crash where the point forecast survives.
        XCTAssertGreaterThan(upperRow.avgProducers, pointRow.avgProducers)
        XCTAssertLessThanOrEqual(upperRow.avoidableCrashes, pointRow.avoidableCrashes)
    }

    func testAnUnknownModelNameIsAnError() {
        XCTAssertThrowsError(try ForecastModelPredictor(modelName: "crystal-ball", trainingTotals: Array(repeating: 50, count: 300)))
    }
}
