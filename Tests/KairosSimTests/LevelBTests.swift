import XCTest
@testable import KairosSim

/// Spec §6 Level B: the paper's printed numbers, each within its stated tolerance.
final class LevelBTests: XCTestCase {
    private func rows() throws -> [ComparisonRow] {
        try PaperModel().comparison()
    }

    private func row(_ rows: [ComparisonRow], _ quantity: String, _ key: StrategyKey?) -> ComparisonRow {
        guard let found = rows.first(where: { $0.quantity == quantity && $0.strategy == key }) else {
            XCTFail("no row \(quantity) \(String(describing: key))")
            return rows[0]
        }
        return found
    }

    func testEveryRowWithinToleranceInCalibratedMode() throws {
        let rows = try rows()
        XCTAssertEqual(rows.count, 38)
        for r in rows {
            XCTAssertTrue(r.withinTolerance, "\(r.quantity) \(r.strategy?.rawValue ?? "-"): paper \(r.paperValue), "
                + "kairos \(r.kairosValue), tolerance \(r.tolerance.label)")
        }
    }

    func testCapacitiesAndEnergyExact() throws {
        let rows = try rows()
        let capacities: [StrategyKey: Double] = [.original: 52, .ipooa: 60, .lstm: 150, .sampling: 150]
        let energies: [StrategyKey: Double] = [.original: 65, .ipooa: 65, .lstm: 130, .sampling: 195]
        for key in StrategyKey.allCases {
            XCTAssertEqual(row(rows, "capacity", key).kairosValue, capacities[key])
            XCTAssertEqual(row(rows, "avg energy", key).kairosValue, energies[key])
        }
    }

    func testKBPerJouleSwapCorrected() throws {
        let rows = try rows()
        let expected: [StrategyKey: Double] = [.original: 1.28, .ipooa: 1.476, .lstm: 1.23, .sampling: 1.23]
        for (key, paper) in expected {
            let r = row(rows, "max kB/J", key)
            XCTAssertEqual(r.paperValue, paper)
            XCTAssertLessThanOrEqual(abs(r.kairosValue - paper) / paper, 0.001)
        }
        XCTAssertFalse(row(rows, "max kB/J", .ipooa).notes.isEmpty, "the swap must be marked, not hidden")
    }

    func testEfficiencyWithinPointTwoPoints() throws {
        let rows = try rows()
        let expected: [StrategyKey: Double] = [.original: 27.7, .ipooa: 39.96, .lstm: 80.32, .sampling: 77.4]
        for (key, paper) in expected {
            let r = row(rows, "efficiency W", key)
            XCTAssertEqual(r.paperValue, paper)
            XCTAssertLessThanOrEqual(abs(r.kairosValue - paper), 0.2)
            XCTAssertLessThanOrEqual(abs(r.kairosValue - paper) / paper, 0.003)
        }
    }

    func testWasteWithinTolerance() throws {
        let rows = try rows()
        XCTAssertLessThanOrEqual(abs(row(rows, "waste", .sampling).kairosValue - 71.3), 0.4)
        XCTAssertLessThanOrEqual(abs(row(rows, "waste", .lstm).kairosValue - 6.66), 0.4)
        XCTAssertLessThanOrEqual(abs(row(rows, "waste", .sampling).kairosValue - 71.3) / 71.3, 0.006)
    }

    func testUsagePerEnergyWithinOnePointFivePercent() throws {
        let rows = try rows()
        let expected: [StrategyKey: Double] = [.original: 1.538, .ipooa: 1.538, .lstm: 1.453, .sampling: 0.497]
        for (key, paper) in expected {
            XCTAssertLessThanOrEqual(abs(row(rows, "max usage/energy", key).kairosValue - paper) / paper, 0.015)
        }
    }

    func testEfficiencyGains() throws {
        let rows = try rows()
        XCTAssertEqual(row(rows, "ΔW lstm − original", nil).kairosValue, 52.62, accuracy: 0.2)
        XCTAssertEqual(row(rows, "ΔW lstm − ipooa", nil).kairosValue, 40.36, accuracy: 0.2)
        XCTAssertEqual(row(rows, "ΔW lstm − sampling", nil).kairosValue, 2.92, accuracy: 0.2)
        // The typos are shown next to the corrected values, not matched.
        XCTAssertTrue(row(rows, "ΔW lstm − original", nil).paperText.contains("56.62"))
        XCTAssertTrue(row(rows, "ΔW lstm − ipooa", nil).paperText.contains("40.63"))
    }

    func testLatencyAndThroughputRatios() throws {
        let rows = try rows()
        XCTAssertEqual(row(rows, "latency Td(1)/Td(2)", nil).kairosValue, 2, accuracy: 1e-12)
        XCTAssertEqual(row(rows, "latency Td(1)/Td(3)", nil).kairosValue, 3, accuracy: 1e-12)
        let t2 = row(rows, "throughput T(2)/T(1)", nil).kairosValue
        let t3 = row(rows, "throughput T(3)/T(1)", nil).kairosValue
        XCTAssertEqual(t2, 108.0 / 52, accuracy: 1e-12)
        XCTAssertEqual(t3, 151.0 / 52, accuracy: 1e-12)
        XCTAssertTrue((2...3).contains(t2) && (2...3).contains(t3))
    }

    /// The comparison can fail: formula mode misses the calibrated throughputs, and those rows say so.
    func testFormulaModeIsFlaggedNotHidden() throws {
        var parameters = PaperParameters()
        parameters.throughputMode = .formula
        let rows = try PaperModel(parameters: parameters).comparison()
        let t1 = row(rows, "avg throughput k=1", nil)
        XCTAssertFalse(t1.withinTolerance)
        XCTAssertEqual(t1.difference, -2, accuracy: 1e-12)
        XCTAssertEqual(PaperTableText.status(t1), "known")
        XCTAssertFalse(row(rows, "capacity", .original).withinTolerance, "51 is not the paper's 52")
    }

    /// In calibrated mode the throughputs are the paper's own averages, typed into the table: those rows are
    /// inputs, not counted as reproduced; formula mode has none, and its count is given beside.
    func testCalibratedThroughputsAreInputsNotResults() throws {
        let model = try PaperModel()
        let rows = model.comparison()
        let inputs = rows.filter(\.isInput).map { "\($0.quantity) \($0.strategy?.rawValue ?? "-")" }
        XCTAssertEqual(Set(inputs), [
            "avg throughput k=1 -", "avg throughput k=2 -", "avg throughput k=3 -",
            "max throughput original", "max throughput ipooa", "max throughput sampling", "max throughput lstm",
            "throughput T(2)/T(1) -", "throughput T(3)/T(1) -",
        ])
        XCTAssertTrue(rows.filter(\.isInput).allSatisfy { PaperTableText.status($0) == "input" })
        let count = ReproducedCount(rows)
        XCTAssertEqual(count.inputs, 9)
        XCTAssertEqual(count.results, 29)
        XCTAssertEqual(count.reproduced, 29, "every derived row is within its tolerance")

        let formula = try model.formulaMode()
        let formulaRows = formula.comparison()
        XCTAssertFalse(formulaRows.contains(where: \.isInput), "nothing is read from a table in formula mode")
        let formulaCount = ReproducedCount(formulaRows)
        XCTAssertEqual(formulaCount.results, 38)
        XCTAssertLessThan(formulaCount.reproduced, 38, "formula mode misses the throughputs the table hides")
        let line = PaperTableText.counts(count, mode: "calibrated", formula: formulaCount)
        XCTAssertTrue(line.contains("29 of 29") && line.contains("9 more rows are inputs")
                      && line.contains("Formula mode (no inputs): \(formulaCount.reproduced) of 38"), line)

        // An entry missing from the table falls back to the formula: that row is computed, not an input.
        var partial = PaperParameters()
        partial.throughputMode = .calibrated(ThroughputMode.paperTable.filter { $0.key.producers != 2 })
        let partialRows = try PaperModel(parameters: partial).comparison()
        XCTAssertFalse(row(partialRows, "avg throughput k=2", nil).isInput)
        XCTAssertFalse(row(partialRows, "max throughput", .lstm).isInput, "the LSTM's k = 2 stretch is computed")
        XCTAssertTrue(row(partialRows, "avg throughput k=1", nil).isInput)
    }

    func testToleranceArithmetic() {
        XCTAssertTrue(Tolerance.relative(0.015).accepts(1.5238, reference: 1.538))
        XCTAssertFalse(Tolerance.relative(0.005).accepts(1.5238, reference: 1.538))
        XCTAssertTrue(Tolerance.absolute(0.2).accepts(80.17, reference: 80.32))
        XCTAssertFalse(Tolerance.absolute(0.1).accepts(80.17, reference: 80.32))
        XCTAssertFalse(Tolerance.exact.accepts(52.000001, reference: 52))
        XCTAssertFalse(Tolerance.range(2, 3).accepts(3.1, reference: 2))
    }
}
