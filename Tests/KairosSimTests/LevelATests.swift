import XCTest
@testable import KairosSim

/// Spec §6 Level A: the model-exact golden values, to 1e-6 relative.
final class LevelATests: XCTestCase {
    private func assertClose(_ actual: Double, _ expected: Double, _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(abs(actual - expected), 1e-6 * max(1, abs(expected)),
                                 "\(what): got \(actual), expected \(expected)", file: file, line: line)
    }

    private func calibrated() throws -> (PaperModel, [StrategyKey: StrategyEvaluation]) {
        let model = try PaperModel()
        return (model, model.evaluateAll())
    }

    func testThroughputCalibrated() throws {
        let (model, _) = try calibrated()
        assertClose(model.throughputKBps(producers: 1, partitions: 20), 52, "T(1,20)")
        assertClose(model.throughputKBps(producers: 2, partitions: 20), 108, "T(2,20)")
        assertClose(model.throughputKBps(producers: 3, partitions: 20), 151, "T(3,20)")
        assertClose(model.throughputKBps(producers: 1, partitions: 25), 65, "T(1,25)")
        // Outside the table the formula applies: 30·2·2/0.8.
        assertClose(model.throughputKBps(producers: 2, partitions: 30), 150, "T(2,30) falls back")
    }

    func testCapacity() throws {
        let (_, r) = try calibrated()
        XCTAssertEqual(r[.original]!.summary.capacityTx, 52)
        XCTAssertEqual(r[.ipooa]!.summary.capacityTx, 60)
        XCTAssertEqual(r[.lstm]!.summary.capacityTx, 150)
        XCTAssertEqual(r[.sampling]!.summary.capacityTx, 150)
    }

    func testMaxKBPerJoule() throws {
        let (_, r) = try calibrated()
        assertClose(r[.original]!.summary.maxKBPerJoule, 1.28, "original")
        assertClose(r[.ipooa]!.summary.maxKBPerJoule, 1.476923, "ipooa")
        assertClose(r[.lstm]!.summary.maxKBPerJoule, 1.230769, "lstm")
        assertClose(r[.sampling]!.summary.maxKBPerJoule, 1.230769, "sampling")
    }

    func testAverageEnergy() throws {
        let (_, r) = try calibrated()
        assertClose(r[.original]!.summary.avgEnergyJ, 65, "original")
        assertClose(r[.ipooa]!.summary.avgEnergyJ, 65, "ipooa")
        assertClose(r[.lstm]!.summary.avgEnergyJ, 130, "lstm")
        assertClose(r[.sampling]!.summary.avgEnergyJ, 195, "sampling")
        // The grid mean the spec mentions as the alternative reading.
        let grid = r[.lstm]!.grid.map { Double($0.producers) * 65 }
        XCTAssertEqual(grid.reduce(0, +) / Double(grid.count), 130.43, accuracy: 0.005)
    }

    func testMaxUsagePerJoule() throws {
        let (_, r) = try calibrated()
        assertClose(r[.original]!.summary.maxUsagePerJoule, 1.523810, "original")
        assertClose(r[.ipooa]!.summary.maxUsagePerJoule, 1.522601, "ipooa")
        assertClose(r[.lstm]!.summary.maxUsagePerJoule, 1.435897, "lstm")
        assertClose(r[.sampling]!.summary.maxUsagePerJoule, 0.498287, "sampling")
        let lstmArgMax = r[.lstm]!.grid.filter(\.up).max { $0.usagePctPerJoule < $1.usagePctPerJoule }!
        XCTAssertEqual(lstmArgMax.loadTx, 49)
    }

    func testEfficiency() throws {
        let (_, r) = try calibrated()
        assertClose(r[.original]!.summary.efficiencyPct, 27.733333, "original")
        assertClose(r[.ipooa]!.summary.efficiencyPct, 40.0, "ipooa")
        assertClose(r[.lstm]!.summary.efficiencyPct, 80.170940, "lstm")
        assertClose(r[.sampling]!.summary.efficiencyPct, 77.435897, "sampling")
    }

    func testWaste() throws {
        let (_, r) = try calibrated()
        assertClose(r[.original]!.summary.wastePct, 0, "original")
        assertClose(r[.ipooa]!.summary.wastePct, 0, "ipooa")
        assertClose(r[.lstm]!.summary.wastePct, 6.666667, "lstm")
        assertClose(r[.sampling]!.summary.wastePct, 71.666667, "sampling")
        assertClose(r[.lstm]!.regimeWastePct[1], 5, "lstm regime 2 (2.5/50)")
        assertClose(r[.lstm]!.regimeWastePct[2], 15, "lstm regime 3 (7.5/50)")
    }

    func testLatencyAtCapacity() throws {
        let (_, r) = try calibrated()
        assertClose(r[.original]!.latencyAtCapacityS, 33.28, "original")
        assertClose(r[.ipooa]!.latencyAtCapacityS, 38.40, "ipooa")
        assertClose(r[.lstm]!.latencyAtCapacityS, 32.00, "lstm")
        assertClose(r[.sampling]!.latencyAtCapacityS, 32.00, "sampling")
    }

    func testMaxThroughput() throws {
        let (_, r) = try calibrated()
        assertClose(r[.original]!.summary.maxThroughputKBps, 52, "original")
        assertClose(r[.ipooa]!.summary.maxThroughputKBps, 65, "ipooa")
        assertClose(r[.lstm]!.summary.maxThroughputKBps, 151, "lstm")
        assertClose(r[.sampling]!.summary.maxThroughputKBps, 151, "sampling")
        let lstm = r[.lstm]!.grid
        assertClose(lstm[49].throughputKBps, 52, "lstm n=49")
        assertClose(lstm[50].throughputKBps, 108, "lstm n=50")
        assertClose(lstm[100].throughputKBps, 151, "lstm n=100")
    }

    func testCrashBoundaries() throws {
        let (model, _) = try calibrated()
        assertClose(model.crashBoundaryTx(producers: 1, partitions: 20), 52.5, "C1")
        assertClose(model.crashBoundaryTx(producers: 2, partitions: 20), 107.5, "C2")
        assertClose(model.crashBoundaryTx(producers: 3, partitions: 20), 154.375, "C3")
        assertClose(model.crashBoundaryTx(producers: 1, partitions: 25), 60.625, "C IPOOA")
    }

    func testSpotChecksOriginalAndIPOOA() throws {
        let (model, _) = try calibrated()
        let o52 = model.evaluate(PaperStrategy.paper(.original, model.parameters), loadTx: 52)
        XCTAssertTrue(o52.up)
        assertClose(o52.latencyS, 33.28, "Td")
        assertClose(o52.remainingPerProducerKB, 0.8, "Ml")
        assertClose(o52.remainingTotalKB, 0.8, "MT")
        assertClose(o52.kbPerJoule, 1.28, "Et")
        assertClose(100 * o52.usage, 99.047619, "usage")
        let o53 = model.evaluate(PaperStrategy.paper(.original, model.parameters), loadTx: 53)
        XCTAssertFalse(o53.up)
        XCTAssertEqual(o53.throughputKBps, 0)
        XCTAssertEqual(o53.energyJ, 0)
        let i60 = model.evaluate(PaperStrategy.paper(.ipooa, model.parameters), loadTx: 60)
        XCTAssertTrue(i60.up)
        assertClose(i60.latencyS, 38.4, "Td")
        assertClose(i60.remainingPerProducerKB, 1.0, "Ml")
        assertClose(100 * i60.usage, 98.969072, "usage")
        XCTAssertFalse(model.evaluate(PaperStrategy.paper(.ipooa, model.parameters), loadTx: 61).up)
    }

    func testSpotChecksLSTM() throws {
        let (model, _) = try calibrated()
        let lstm = PaperStrategy.paper(.lstm, model.parameters)
        let n49 = model.evaluate(lstm, loadTx: 49)
        XCTAssertEqual(n49.producers, 1)
        assertClose(n49.remainingPerProducerKB, 5.6, "Ml n=49")
        assertClose(100 * n49.usage, 93.333333, "usage n=49")
        let n50 = model.evaluate(lstm, loadTx: 50)
        XCTAssertEqual(n50.producers, 2)
        assertClose(n50.latencyS, 16, "Td n=50")
        assertClose(n50.remainingPerProducerKB, 32, "Ml n=50")
        assertClose(n50.remainingTotalKB, 64, "MT n=50")
        assertClose(100 * n50.usage, 46.511628, "usage n=50")
        let n100 = model.evaluate(lstm, loadTx: 100)
        XCTAssertEqual(n100.producers, 3)
        assertClose(n100.remainingPerProducerKB, 29, "Ml n=100")
        assertClose(n100.remainingTotalKB, 87, "MT n=100")
        let n150 = model.evaluate(lstm, loadTx: 150)
        XCTAssertTrue(n150.up)
        assertClose(n150.latencyS, 32, "Td n=150")
        assertClose(n150.remainingPerProducerKB, 2.333333, "Ml n=150")
        assertClose(n150.remainingTotalKB, 7, "MT n=150")
        assertClose(n150.kbPerJoule, 1.230769, "Et n=150")
        assertClose(100 * n150.usage, 97.165992, "usage n=150")
    }

    func testLatencyIndependentOfPartitionsAndInverseInK() throws {
        let (model, _) = try calibrated()
        for n in stride(from: 1.0, through: 150, by: 7) {
            let base = model.evaluate(loadTx: n, producers: 1, partitions: 20).latencyS
            assertClose(model.evaluate(loadTx: n, producers: 1, partitions: 25).latencyS, base, "P-free at \(n)")
            assertClose(base / model.evaluate(loadTx: n, producers: 2, partitions: 20).latencyS, 2, "ratio 2")
            assertClose(base / model.evaluate(loadTx: n, producers: 3, partitions: 20).latencyS, 3, "ratio 3")
        }
    }

    // MARK: formula mode, the second golden set

    private func formula() throws -> (PaperModel, [StrategyKey: StrategyEvaluation]) {
        var parameters = PaperParameters()
        parameters.throughputMode = .formula
        let model = try PaperModel(parameters: parameters)
        return (model, model.evaluateAll())
    }

    func testFormulaThroughputAndCapacity() throws {
        let (model, r) = try formula()
        assertClose(model.throughputKBps(producers: 1, partitions: 20), 50, "T(1,20)")
        assertClose(model.throughputKBps(producers: 2, partitions: 20), 100, "T(2,20)")
        assertClose(model.throughputKBps(producers: 3, partitions: 20), 150, "T(3,20)")
        assertClose(model.throughputKBps(producers: 1, partitions: 25), 62.5, "T(1,25)")
        XCTAssertEqual(r.mapValues(\.summary.capacityTx), [.original: 51, .ipooa: 59, .lstm: 150, .sampling: 150])
    }

    func testFormulaAggregates() throws {
        let (_, r) = try formula()
        let expected: [StrategyKey: (et: Double, ue: Double, w: Double, waste: Double)] = [
            .original: (1.255385, 1.530957, 26.153846, 0),
            .ipooa: (1.452308, 1.536834, 37.820513, 0),
            .lstm: (1.230769, 1.470919, 76.923077, 2.5),
            .sampling: (1.230769, 0.500313, 76.923077, 68.333333),
        ]
        for (key, e) in expected {
            let s = r[key]!.summary
            assertClose(s.maxKBPerJoule, e.et, "\(key) max Et")
            assertClose(s.maxUsagePerJoule, e.ue, "\(key) max usage/E")
            assertClose(s.efficiencyPct, e.w, "\(key) W")
            assertClose(s.wastePct, e.waste, "\(key) waste")
        }
    }
}
