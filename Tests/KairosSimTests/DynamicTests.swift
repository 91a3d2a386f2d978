import XCTest
import KairosForecast
@testable import KairosSim

/// The seeded generator, the paper's workload and the dynamic run with pluggable predictors.
final class DynamicTests: XCTestCase {
    func testSplitMix64KnownOutput() {
        var generator = SplitMix64(seed: 0)
        XCTAssertEqual(generator.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(generator.next(), 0x6E78_9E6A_A1B9_65F4)
    }

    func testUniformIntegersStayInRangeAndReachBothEnds() {
        var generator = SplitMix64(seed: 42)
        var seen = Set<Int>()
        for _ in 0..<5000 {
            let value = generator.nextInt(in: 19...25)
            XCTAssertTrue((19...25).contains(value))
            seen.insert(value)
        }
        XCTAssertEqual(seen, Set(19...25))
    }

    func testWorkloadReplaysFromItsSeed() {
        let a = PaperWorkload.paper.generate(steps: 200, seed: 7)
        XCTAssertEqual(a, PaperWorkload.paper.generate(steps: 200, seed: 7))
        XCTAssertNotEqual(a, PaperWorkload.paper.generate(steps: 200, seed: 8))
        for interval in a {
            XCTAssertTrue((3...100).contains(interval[0]))
            XCTAssertTrue((19...25).contains(interval[1]))
            XCTAssertTrue((15...45).contains(interval[2]))
        }
        let totals = PaperWorkload.paper.totals(steps: 200, seed: 7)
        XCTAssertEqual(totals, a.map { Double($0.reduce(0, +)) })
    }

    func testPredictors() {
        let history: [Double] = [10, 20, 30, 40]
        XCTAssertEqual(LastValuePredictor().predictNext(history: history), 40)
        XCTAssertEqual(LastValuePredictor().predictNext(history: []), 0)
        XCTAssertEqual(MovingAveragePredictor(window: 2).predictNext(history: history), 35)
        XCTAssertEqual(HistoricalMeanPredictor().predictNext(history: history), 25)
        XCTAssertEqual(QuantilePredictor(quantile: 0.75, window: 4).predictNext(history: history), 30)
        XCTAssertEqual(QuantilePredictor(quantile: 1, window: 4).predictNext(history: history), 40)
        XCTAssertEqual(OraclePredictor(actual: [1, 2, 3]).predictNext(history: [1]), 2)
        var headroom = HeadroomPredictor(base: LastValuePredictor(), factor: 1.5)
        XCTAssertEqual(headroom.predictNext(history: history), 60)
        XCTAssertEqual(headroom.name, "last×1.5")
    }

    func testOracleRunMatchesTheRuleAtTheActualLoad() throws {
        let model = try PaperModel()
        let totals = PaperWorkload.paper.totals(steps: 500, seed: 1)
        let run = model.dynamicRun(totalsTx: totals, predictor: OraclePredictor(actual: totals), warmupSteps: 10)
        XCTAssertEqual(run.results.map(\.label), ["original", "ipooa", "sampling", "lstm[oracle]"])
        let oracle = run.results[3]
        XCTAssertEqual(oracle.steps, 490)
        XCTAssertEqual(oracle.decisionAccuracyPct, 100)
        XCTAssertEqual(oracle.underProvisioned, 0)
        // Only loads above C3 = 154.375 tx crash the oracle, and no k <= 3 could save them.
        let beyond = totals[10...].filter { $0 > 154.375 }.count
        XCTAssertEqual(oracle.crashes, beyond)
        XCTAssertEqual(oracle.avoidableCrashes, 0)
        // The sampling tuner crashes on exactly the same intervals (k = 3 already).
        XCTAssertEqual(run.results[2].crashes, beyond)
        // The original crashes whenever the load exceeds 52.5 tx, which the workload (37-170) mostly does.
        XCTAssertEqual(run.results[0].crashes, totals[10...].filter { $0 > 52.5 }.count)
    }

    func testForecastErrorsCostCrashesAndWaste() throws {
        let model = try PaperModel()
        let totals = PaperWorkload.paper.totals(steps: 2000, seed: 3)
        let run = model.dynamicRun(totalsTx: totals, predictor: LastValuePredictor(), warmupSteps: 10)
        XCTAssertEqual(run.results.last?.label, "lstm[last]")
        let oracle = run.results[3], last = run.results[4]
        XCTAssertGreaterThan(last.avoidableCrashes, 0, "under-prediction must crash somewhere over 2000 intervals")
        XCTAssertGreaterThan(last.crashes, oracle.crashes)
        XCTAssertGreaterThan(last.underProvisioned, 0)
        XCTAssertGreaterThan(last.overProvisioned, 0)
        XCTAssertLessThan(last.decisionAccuracyPct, 100)
        XCTAssertLessThan(last.efficiencyPct, oracle.efficiencyPct)
        XCTAssertGreaterThan(last.meanAbsErrorTx, 0)
        // Headroom trades crashes for producers.
        let safer = model.dynamicRun(totalsTx: totals,
                                     predictor: HeadroomPredictor(base: LastValuePredictor(), factor: 1.5),
                                     warmupSteps: 10).results[4]
        XCTAssertLessThan(safer.avoidableCrashes, last.avoidableCrashes)
        XCTAssertGreaterThan(safer.avgProducers, last.avgProducers)
    }

    func testDynamicRunReplays() throws {
        let model = try PaperModel()
        let totals = PaperWorkload.paper.totals(steps: 300, seed: 11)
        let a = model.dynamicRun(totalsTx: totals, predictor: MovingAveragePredictor(window: 5), warmupSteps: 5)
        let b = model.dynamicRun(totalsTx: totals, predictor: MovingAveragePredictor(window: 5), warmupSteps: 5)
        XCTAssertEqual(a.results, b.results)
        XCTAssertEqual(a.forecastProducers, b.forecastProducers)
    }

    func testInvalidParametersThrow() {
        var parameters = PaperParameters()
        parameters.transactionKB = 0
        XCTAssertThrowsError(try PaperModel(parameters: parameters))
        parameters = PaperParameters()
        parameters.thresholdsTx = [100, 50]
        XCTAssertThrowsError(try PaperModel(parameters: parameters))
        parameters = PaperParameters()
        parameters.omega = 1
        XCTAssertThrowsError(try PaperModel(parameters: parameters))
        XCTAssertThrowsError(try PaperWorkload(memberRangesTx: []).validate())
    }

    func testWhatIfOverridesChangeTheOutcome() throws {
        var parameters = PaperParameters()
        parameters.throughputMode = .calibrated(ThroughputMode.paperTable.merging(
            [ProducerPartitionKey(producers: 2, partitions: 20): 108.58]) { $1 })
        let lstm = try PaperModel(parameters: parameters).evaluate(PaperStrategy.paper(.lstm, parameters))
        // Spec §7.6: T2 = 108.58 is what the paper's 80.32 % needs.
        XCTAssertEqual(lstm.summary.efficiencyPct, 80.32, accuracy: 0.005)
        parameters = PaperParameters()
        parameters.crashRule = .bufferOnly
        let original = try PaperModel(parameters: parameters).evaluate(PaperStrategy.paper(.original, parameters))
        XCTAssertEqual(original.summary.capacityTx, 20, "eq 8 read literally (spec §7.2)")
        parameters = PaperParameters()
        parameters.thresholdsTx = [40, 90]
        let shifted = try PaperModel(parameters: parameters).evaluate(PaperStrategy.paper(.lstm, parameters))
        XCTAssertEqual(shifted.regimes.map(\.producers), [1, 2, 3])
        XCTAssertEqual(shifted.regimes.map(\.loTx), [0, 40, 90])
    }
}
