import XCTest
@testable import KairosForecast

/// `auto` chooses on the validation tail alone and is never worse there than the best single
/// model or than `naive`.
final class AutoSelectionTests: XCTestCase {
    /// Fits the family `auto` chooses from and checks its validation MSE against every member's.
    private func assertAutoNotWorseOnValidation(_ data: SeriesData, settings: ModelSettings,
                                                file: StaticString = #filePath, line: UInt = #line) throws {
        let family = try CalibratedModel.fitFamily(names: [], data: data, settings: settings, quantile: 0.9, includeAuto: true)
        let auto = try XCTUnwrap(family.models["auto"], file: file, line: line)
        let singles = family.models.filter { $0.key != "auto" }
        let naive = try XCTUnwrap(singles["naive"], "naive is always a candidate", file: file, line: line)
        let bestSingle = singles.values.map(\.validation.meanSquaredError).min()!
        XCTAssertLessThanOrEqual(auto.validation.meanSquaredError, bestSingle, file: file, line: line)
        XCTAssertLessThanOrEqual(auto.validation.meanSquaredError, naive.validation.meanSquaredError, file: file, line: line)
    }

    func testAutoIsNotWorseThanBestSingleOrNaiveOnBurstyValidationTail() throws {
        let data = SeriesData(target: TestSeries.bursty(count: 1200, season: 24, seed: 5))
        try assertAutoNotWorseOnValidation(data, settings: TestSeries.quickSettings(seasons: [24]))
        // Even when naive is not among the configured candidates, it stays the floor.
        var narrow = TestSeries.quickSettings(seasons: [24])
        narrow.autoCandidates = ["hw", "ar"]
        try assertAutoNotWorseOnValidation(data, settings: narrow)
    }

    func testAutoIsNotWorseThanBestSingleOrNaiveOnRandomWalkValidationTail() throws {
        let data = SeriesData(target: TestSeries.randomWalk(count: 800, seed: 6))
        try assertAutoNotWorseOnValidation(data, settings: TestSeries.quickSettings(seasons: []))
        var multiStep = TestSeries.quickSettings(seasons: [])
        multiStep.horizon = 3
        try assertAutoNotWorseOnValidation(data, settings: multiStep)
    }

    /// Two hand-made candidates whose errors are orthogonal: on the earlier half of the tail a
    /// small weight on B helps a little; on the later half B is wild. With no charge the whole
    /// tail still (barely) favours the blend; the inner split learns that blends do not carry
    /// over and charges enough to keep A alone.
    func testInnerSplitChoosesThePenaltyOnValidationData() {
        let count = 16
        let a = (0..<count).map { [$0 % 2 == 0 ? 1.0 : -1.0] }
        let b = (0..<count).map { i in [(i % 4 < 2 ? 1.0 : -1.0) * (i < count / 2 ? 4.0 : 100.0)] }
        let actuals = [[Double]](repeating: [0], count: count)
        let runs = [ValidationRun(forecasts: a, actuals: actuals), ValidationRun(forecasts: b, actuals: actuals)]
        let unpenalised = EnsembleSelection.select(runs, names: ["a", "b"], penalty: 0)
        XCTAssertEqual(unpenalised.indices, [0, 1], "without a charge the blend has the lower tail MSE")
        XCTAssertLessThan(unpenalised.meanSquaredError, runs[0].meanSquaredError)
        let chosen = EnsembleSelection.select(runs, names: ["a", "b"])
        XCTAssertEqual(chosen.penalty, 0.1)
        XCTAssertEqual(chosen.indices, [0])
        XCTAssertEqual(chosen.description, "a")
    }

    func testSelectionKeepsABlendThatWinsOnValidation() {
        // Errors that cancel: the equal mean is exact, so it wins at any charge in the grid.
        let actuals = [[Double]](repeating: [10], count: 12)
        let up = ValidationRun(forecasts: [[Double]](repeating: [11], count: 12), actuals: actuals)
        let down = ValidationRun(forecasts: [[Double]](repeating: [9], count: 12), actuals: actuals)
        let chosen = EnsembleSelection.select([up, down], names: ["up", "down"])
        XCTAssertEqual(chosen.description, "mean(up,down)")
        XCTAssertEqual(chosen.meanSquaredError, 0)
    }
}
