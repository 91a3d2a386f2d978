import Foundation
import KairosControl
import KairosForecast
import XCTest

final class ReplayTests: XCTestCase {
    func testPlanSplitsScalesAndTakesTertilesOfTheWarmUp() throws {
        let text = "time,value\n" + (1...10).map { "\($0),\($0)" }.joined(separator: "\n") + "\n"
        let plan = try ReplayPlan(traceText: text, traceName: "t.csv", column: "value", warmupFraction: 0.5, rateScale: 2)
        XCTAssertEqual(plan.warmup, [2, 4, 6, 8, 10])
        XCTAssertEqual(plan.replay, [12, 14, 16, 18, 20])
        // Type-7 quantiles of 2, 4, 6, 8, 10: position 0.33·4 = 1.32 -> 4.64, 0.66·4 = 2.64 -> 7.28.
        XCTAssertEqual(plan.policy.thresholds[0], 4.64, accuracy: 1e-9)
        XCTAssertEqual(plan.policy.thresholds[1], 7.28, accuracy: 1e-9)
        XCTAssertEqual(plan.records(at: 0), 12)
        let props = plan.autopilotProperties(["batch.size": "1"])
        XCTAssertEqual(props["batch.size"], "1")
        XCTAssertEqual(try AutopilotConfig(properties: props).policy, .paper(plan.policy))
        XCTAssertEqual(plan.autopilotProperties(["autopilot.thresholds": "5"])["autopilot.thresholds"], "5")
        let given = try ReplayPlan(traceText: text, traceName: "t.csv", warmupFraction: 0.3, thresholds: [5, 9])
        XCTAssertEqual(given.warmup.count, 3)
        XCTAssertEqual(given.policy.thresholds, [5, 9])
    }

    func testBadTracesNameTheLine() {
        func message(_ text: String, column: String? = "value", warmup: Double = 0.5, scale: Double = 1) -> String {
            do {
                _ = try ReplayPlan(traceText: text, traceName: "trace.csv", column: column, warmupFraction: warmup, rateScale: scale)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(message(""), "trace trace.csv is empty")
        XCTAssertEqual(message(" \n\n"), "trace trace.csv is empty")
        XCTAssertTrue(message("time,value\n").contains("line 1 is a header and no data rows follow"), message("time,value\n"))
        // Line 4 is blank: the bad cell is on line 5 as an editor counts.
        let bad = message("time,value\n0,10\n1,20\n\n2,abc\n3,40\n")
        XCTAssertTrue(bad.contains("line 5, column 'value': 'abc' is not a number"), bad)
        let short = message("time,value\n0,10\n1\n")
        XCTAssertTrue(short.contains("line 3 has 1 fields, expected 2"), short)
        // Without --column the last column numeric on every row is taken; with none, the last column shows the culprit.
        let noColumn = message("name,value\na,10\nb,x\n", column: nil)
        XCTAssertTrue(noColumn.contains("line 3, column 'value': 'x' is not a number"), noColumn)
        let negative = message("value\n5\n\n-5\n")
        XCTAssertTrue(negative.contains("line 4: volume -5.0 is negative"), negative)
        XCTAssertTrue(message("v\n1\n2\n", column: "calls").contains("no column named 'calls'"), message("v\n1\n2\n", column: "calls"))
        XCTAssertTrue(message("value\n1\n2\n", warmup: 1).contains("warm-up fraction"))
        XCTAssertTrue(message("value\n1\n2\n", scale: 0).contains("rate scale"))
        XCTAssertTrue(message("value\n1\n2\n", warmup: 0).contains("thresholds must be given"))
        XCTAssertEqual(ReplayPlanError.missingTrace("x.csv", "no such file").description, "trace x.csv cannot be read: no such file")
    }

    /// Four decisions worked by hand; the replay starts at interval 2, intervals last 2 s.
    func testScoreByHand() {
        func d(_ i: Int, actual: Double, forecast: Double, upper: Double, before: Int, after: Int, needed: Int) -> AutopilotDecision {
            AutopilotDecision(t: Int64(i + 1) * 2000, interval: i, actual: actual, sources: 1, neededK: needed, forecast: forecast,
                              upper: upper, sizedFor: upper, quantile: 0.99, upperSource: "additive", leadIntervals: 0, model: "naive",
                              policy: "paper", capacityPerProducer: nil, wantedK: after, kBefore: before, kAfter: after,
                              move: after > before ? .up : after < before ? .down : .hold, reason: "r\(i)")
        }
        let decisions = [
            d(0, actual: 10, forecast: 10, upper: 12, before: 1, after: 1, needed: 1),
            d(1, actual: 60, forecast: 60, upper: 70, before: 1, after: 2, needed: 2),
            d(2, actual: 120, forecast: 120, upper: 130, before: 2, after: 3, needed: 3),
            d(3, actual: 30, forecast: 30, upper: 40, before: 3, after: 3, needed: 1),
        ]
        let score = ReplayScore(decisions: decisions.reversed(), firstInterval: 2, intervalMs: 2000)
        XCTAssertEqual(score.timeline, [
            ReplayTimelineEntry(t: 0, actual: 120, forecast: 60, upper: 70, k: 2, neededK: 3, reason: "r1"),
            ReplayTimelineEntry(t: 2, actual: 30, forecast: 120, upper: 130, k: 3, neededK: 1, reason: "r2"),
        ])
        XCTAssertEqual(score.intervals, 2)
        XCTAssertEqual(score.underProvisionedIntervals, 1)
        XCTAssertEqual(score.overProvisionedIntervals, 1)
        XCTAssertEqual(score.producerSeconds, 10)  // (2 + 3) · 2 s
        XCTAssertEqual(score.oracleProducerSeconds, 8)  // (3 + 1) · 2 s
        XCTAssertEqual(score.producerSecondsRatio, 1.25)
        XCTAssertEqual(score.underProvisionRate, 0.5)
        // From interval 0 there is no earlier decision for the first entry.
        let all = ReplayScore(decisions: decisions, firstInterval: 0, intervalMs: 2000)
        XCTAssertNil(all.timeline[0].forecast)
        XCTAssertEqual(all.timeline[0].reason, "no earlier decision: the starting count")
        XCTAssertEqual(all.producerSeconds, (1 + 1 + 2 + 3) * 2)
        XCTAssertEqual(all.oracleProducerSeconds, (1 + 2 + 3 + 1) * 2)
    }

    func testUnknownNeedsAreLeftOutOfTheCounts() {
        let entries = [ReplayTimelineEntry(t: 0, actual: 5, forecast: nil, upper: nil, k: 1, neededK: nil, reason: "x"),
                       ReplayTimelineEntry(t: 1, actual: 5, forecast: 5, upper: 6, k: 1, neededK: 2, reason: "y")]
        let score = ReplayScore(timeline: entries, intervalMs: 1000)
        XCTAssertEqual(score.unscoredIntervals, 1)
        XCTAssertEqual(score.underProvisionedIntervals, 1)
        XCTAssertEqual(score.producerSeconds, 2)
        XCTAssertEqual(score.oracleProducerSeconds, 2)
    }

    func testVirtualReplayOfADailyTrace() throws {
        // Six "days" of 48 intervals with noise; three train, three are replayed.
        let values = noisy((0..<288).map { 60 + 50 * sin(2 * Double.pi * Double($0) / 48) }, amplitude: 6, seed: 4)
        let csv = "value\n" + values.map { String($0) }.joined(separator: "\n")
        let plan = try ReplayPlan(traceText: csv, traceName: "daily", column: "value")
        let cfg = try AutopilotConfig(properties: plan.autopilotProperties([
            "autopilot.interval.ms": "200", "autopilot.model": "hw", "autopilot.seasons": "48",
            "autopilot.warmup.intervals": "120", "autopilot.dwell.ms": "400", "autopilot.cooldown.ms": "600",
        ]))
        let (decisions, score) = VirtualReplay.run(plan, config: cfg)
        XCTAssertEqual(decisions.count, 288)
        XCTAssertEqual(score.intervals, 144)
        XCTAssertEqual(decisions[150].model, "hw")
        let fixed3 = Double(3 * score.intervals) * 0.2
        XCTAssertLessThanOrEqual(score.underProvisionRate, 0.05, "\(score.underProvisionedIntervals) short")
        XCTAssertLessThan(score.producerSeconds, fixed3)
        print("virtual replay, daily trace: \(score.underProvisionedIntervals) of \(score.intervals) short, producer-seconds \(score.producerSeconds) vs oracle \(score.oracleProducerSeconds), fixed:3 \(fixed3)")
    }
}
