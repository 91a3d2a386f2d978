import Foundation
import XCTest
import KairosForecast

@testable import KairosPerf

/// The perf tools' pure parts: histogram percentiles, the fixed-rate schedule, the grid, the Pareto front.
final class PerfPureTests: XCTestCase {
    // MARK: Histogram

    func testSmallValuesAreExactAndPercentilesFollowTheRank() {
        var histogram = PerfLatencyHistogram()
        for micros in 1...1_000 { histogram.record(micros: UInt64(micros)) }
        XCTAssertEqual(histogram.totalCount, 1_000)
        XCTAssertEqual(histogram.valueAtPercentile(50), 500)
        XCTAssertEqual(histogram.valueAtPercentile(99), 990)
        XCTAssertEqual(histogram.valueAtPercentile(99.9), 999)
        XCTAssertEqual(histogram.valueAtPercentile(100), 1_000)
        XCTAssertEqual(histogram.valueAtPercentile(0), 1)
        XCTAssertEqual(histogram.maxMicros, 1_000)
        XCTAssertEqual(histogram.minMicros, 1)
        XCTAssertEqual(histogram.meanMicros, 500.5, accuracy: 1e-9)
    }

    func testLargeValuesKeepThreeSignificantDigits() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            let value = UInt64.random(in: 0...PerfLatencyHistogram.highestTrackableMicros, using: &generator) >> UInt64.random(in: 0...39, using: &generator)
            let index = PerfLatencyHistogram.index(of: value)
            let highest = PerfLatencyHistogram.highestEquivalentValue(index: index)
            XCTAssertGreaterThanOrEqual(highest, value)
            XCTAssertLessThanOrEqual(Double(highest - value), Double(value) / 1_024 + 0.5, "value \(value)")
            // Buckets are contiguous: the next bucket starts right after this one ends.
            XCTAssertEqual(PerfLatencyHistogram.index(of: highest + 1), index + 1)
        }
        var histogram = PerfLatencyHistogram()
        for step in 1...10_000 { histogram.record(micros: UInt64(step) * 1_000) }  // 1 ms ... 10 s
        XCTAssertEqual(Double(histogram.valueAtPercentile(50)), 5_000_000, accuracy: 5_000_000 / 1_000)
        XCTAssertEqual(Double(histogram.valueAtPercentile(99)), 9_900_000, accuracy: 9_900_000 / 1_000)
        XCTAssertEqual(histogram.valueAtPercentile(100), 10_000_000, "percentiles never exceed the exact maximum")
    }

    func testMergeEqualsRecordingEverythingInOne() {
        var a = PerfLatencyHistogram(), b = PerfLatencyHistogram(), both = PerfLatencyHistogram()
        var generator = SplitMix64(seed: 7)
        for i in 0..<5_000 {
            let value = UInt64.random(in: 0...5_000_000, using: &generator)
            if i % 3 == 0 { a.record(micros: value) } else { b.record(micros: value) }
            both.record(micros: value)
        }
        a.merge(b)
        XCTAssertEqual(a.totalCount, both.totalCount)
        XCTAssertEqual(a.maxMicros, both.maxMicros)
        XCTAssertEqual(a.minMicros, both.minMicros)
        for p in [50.0, 95, 99, 99.9] { XCTAssertEqual(a.valueAtPercentile(p), both.valueAtPercentile(p)) }
    }

    func testSummaryIsInMillisecondsWithTheIssuesJSONKeys() throws {
        var histogram = PerfLatencyHistogram()
        for micros in 1...1_000 { histogram.record(nanos: UInt64(micros) * 1_000 + 999) }
        let summary = PerfLatencySummary(histogram: histogram)
        XCTAssertEqual(summary.p50, 0.5)
        XCTAssertEqual(summary.p95, 0.95)
        XCTAssertEqual(summary.p99, 0.99)
        XCTAssertEqual(summary.p999, 0.999)
        XCTAssertEqual(summary.max, 1.0)
        let produce = PerfProduceSummary(records: 1_000, recordsPerSec: 2_000, mbPerSec: 0.19, latencyMs: summary, failedRecords: 3,
                                         firstError: "timed out")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try PerfOutput.jsonLine(produce).utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["records", "recordsPerSec", "mbPerSec", "latencyMs", "failedRecords", "unsentRecords",
                                          "firstError", "cpuSeconds", "producerMetrics"])
        XCTAssertEqual(object["failedRecords"] as? Int, 3)
        XCTAssertEqual(produce.failureText, "3 records failed (no acknowledgement), first error: timed out")
        XCTAssertTrue(produce.text.hasPrefix("1000 records sent, ") && produce.text.hasSuffix("first error: timed out."), produce.text)
        var clean = produce
        clean.failedRecords = 0
        XCTAssertNil(clean.failureText, "every record acknowledged: nothing to report")
        let latency = try XCTUnwrap(object["latencyMs"] as? [String: Double])
        XCTAssertEqual(latency, ["p50": 0.5, "p95": 0.95, "p99": 0.99, "p999": 0.999, "max": 1.0])
        XCTAssertEqual(PerfLatencySummary(histogram: PerfLatencyHistogram()).p99, 0, "an empty run reports zeros")
    }

    // MARK: Schedule

    func testFixedRateScheduleSpacesRecordsEvenly() {
        let start: UInt64 = 1_000_000_000
        let schedule = PerfSchedule(ratePerSec: 1_000, startNanos: start, totalRecords: 5_000)
        XCTAssertEqual(schedule.dueNanos(0), start)
        XCTAssertEqual(schedule.dueNanos(1), start + 1_000_000)
        XCTAssertEqual(schedule.dueNanos(1_000), start + 1_000_000_000)
        XCTAssertEqual(schedule.dueCount(atNanos: start - 1), 0)
        XCTAssertEqual(schedule.dueCount(atNanos: start), 1)
        XCTAssertEqual(schedule.dueCount(atNanos: start + 999_999), 1)
        XCTAssertEqual(schedule.dueCount(atNanos: start + 1_000_000), 2)
        XCTAssertEqual(schedule.dueCount(atNanos: start + 60_000_000_000), 5_000, "capped at the run's records")
        // A stall does not move the schedule: after 2 s without sending, 2001 records are due at once.
        XCTAssertEqual(schedule.dueCount(atNanos: start + 2_000_000_000), 2_001)

        var generator = SplitMix64(seed: 3)
        let odd = PerfSchedule(ratePerSec: 7_777.7, startNanos: start, totalRecords: 100_000)
        for _ in 0..<2_000 {
            let now = start + UInt64.random(in: 0...15_000_000_000, using: &generator)
            let count = odd.dueCount(atNanos: now)
            XCTAssertLessThanOrEqual(odd.dueNanos(count - 1), now)
            if count < odd.totalRecords { XCTAssertGreaterThan(odd.dueNanos(count), now) }
        }
    }

    func testUnthrottledScheduleHasEverythingDueAtOnce() {
        for rate in [nil, 0, -5] as [Double?] {
            let schedule = PerfSchedule(ratePerSec: rate, startNanos: 10, totalRecords: 42)
            XCTAssertNil(schedule.ratePerSec)
            XCTAssertEqual(schedule.dueCount(atNanos: 10), 42)
        }
    }

    // MARK: Pareto front and recommendation

    private func result(_ rate: Double, _ p99: Double, failed: Int = 0, batch: Int = 16_384) -> PerfSweepResult {
        PerfSweepResult(point: PerfSweepPoint(batchSizeBytes: batch, lingerMs: 0, compression: "none", acks: "1", partitions: 1),
                        recordsPerSec: rate, mbPerSec: rate / 10_000, p99Ms: p99, p50Ms: p99 / 2, failedRecords: failed)
    }

    func testParetoFrontKeepsOnlyUndominatedPoints() {
        let results = [
            result(100_000, 5),   // 0: front (fastest of those with p99 <= 5)
            result(80_000, 8),    // 1: dominated by 0
            result(150_000, 20),  // 2: front
            result(50_000, 2),    // 3: front (lowest p99)
            result(150_000, 25),  // 4: dominated by 2 (same rate, worse p99)
            result(200_000, 1, failed: 10),  // 5: failed: never on the front, never dominates
            result(100_000, 5),   // 6: equal to 0: neither dominates the other
        ]
        XCTAssertEqual(PerfPareto.front(results), [0, 2, 3, 6])
        XCTAssertEqual(PerfPareto.recommend(results, latencyBudgetMs: 10), 0)
        XCTAssertEqual(PerfPareto.recommend(results, latencyBudgetMs: 20), 2)
        XCTAssertEqual(PerfPareto.recommend(results, latencyBudgetMs: 4.9), 3)
        XCTAssertNil(PerfPareto.recommend(results, latencyBudgetMs: 1.5), "the failed point fits but is never picked")
        XCTAssertEqual(PerfPareto.sortedByThroughput(results), [5, 2, 4, 0, 6, 1, 3])
        XCTAssertEqual(PerfPareto.front([]), [])
    }

    func testToleranceLetsALowerP99WinAmongNearlyEqualThroughputs() {
        // A fixed-rate sweep: every point reaches about 150000/s; noise should not outweigh a 6x lower p99.
        let results = [result(149_990, 6.2), result(149_985, 1.0), result(140_000, 0.5), result(149_995, 30)]
        XCTAssertEqual(PerfPareto.recommend(results, latencyBudgetMs: 20), 0, "without tolerance the fastest fitting point")
        XCTAssertEqual(PerfPareto.recommend(results, latencyBudgetMs: 20, throughputTolerancePct: 1), 1)
        XCTAssertEqual(PerfPareto.recommend(results, latencyBudgetMs: 20, throughputTolerancePct: 10), 2)
        XCTAssertEqual(PerfPareto.recommend(results, latencyBudgetMs: 0.1, throughputTolerancePct: 10), nil)
    }

    // MARK: Grid

    func testGridFromFlagsAndFromJSON() throws {
        let grid = PerfSweepGrid(batchSizeBytes: try PerfSweepGrid.integers("16384, 65536", name: "batch.size"),
                                 lingerMs: [0, 5, 20], compression: PerfSweepGrid.list("none,lz4"), acks: ["1", "all"],
                                 partitions: [1, 8])
        try grid.validate()
        let points = grid.points
        XCTAssertEqual(points.count, 2 * 3 * 2 * 2 * 2)
        XCTAssertEqual(Set(points).count, points.count)
        XCTAssertEqual(points[0].producerProperties, ["batch.size": "16384", "linger.ms": "0", "compression.type": "none", "acks": "1"])

        let parsed = try PerfSweepGrid.parse(json: Data(#"""
            {"batch.size": [16384, 65536], "lingerMs": 5, "compression": ["none", "zstd"], "acks": [1, "all"], "partitions": [2]}
            """#.utf8))
        XCTAssertEqual(parsed, PerfSweepGrid(batchSizeBytes: [16_384, 65_536], lingerMs: [5], compression: ["none", "zstd"],
                                             acks: ["1", "all"], partitions: [2]))
        XCTAssertThrowsError(try PerfSweepGrid.parse(json: Data(#"{"batchsize": [1]}"#.utf8)))
        XCTAssertThrowsError(try PerfSweepGrid.parse(json: Data(#"{"compression": ["brotli"]}"#.utf8)))
        XCTAssertThrowsError(try PerfSweepGrid.parse(json: Data(#"{"partitions": [0]}"#.utf8)))
        XCTAssertThrowsError(try PerfSweepGrid.parse(json: Data("[1, 2]".utf8)))
        XCTAssertThrowsError(try PerfSweepGrid.integers("16k", name: "batch.size"))
    }

    func testSampledPointsAreASeededSubsetOfTheGrid() {
        let grid = PerfSweepGrid(batchSizeBytes: [1, 2, 3, 4], lingerMs: [0, 1, 2], compression: ["none"], acks: ["1"], partitions: [1, 2])
        let sample = grid.sampledPoints(count: 5, seed: 99)
        XCTAssertEqual(sample.count, 5)
        XCTAssertEqual(Set(sample).count, 5)
        XCTAssertTrue(Set(sample).isSubset(of: Set(grid.points)))
        XCTAssertEqual(sample, grid.sampledPoints(count: 5, seed: 99), "the same seed gives the same points")
        XCTAssertNotEqual(sample, grid.sampledPoints(count: 5, seed: 100))
        XCTAssertEqual(grid.sampledPoints(count: 100, seed: 1), grid.points)
    }
}
