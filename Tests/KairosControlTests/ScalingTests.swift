import Foundation
import KairosControl
import KairosForecast
import XCTest

/// Policies on a virtual clock: intervals of 1 s, the naive model after a short warm-up unless
/// a test says otherwise, so every expected count can be worked out by hand.
final class ScalingTests: XCTestCase {
    private let base: [String: String] = [
        "autopilot.interval.ms": "1000", "autopilot.model": "naive", "autopilot.warmup.intervals": "10",
        "autopilot.calibration.min": "5", "autopilot.cooldown.ms": "3000", "autopilot.dwell.ms": "2000",
    ]

    private func props(_ extra: [String: String]) -> [String: String] { base.merging(extra) { $1 } }

    func testColdStartUsesTheRecentMaximumUntilAModelIsInstalled() {
        var autopilot = Autopilot(config: config(props(["autopilot.reactive.window": "3"])))
        let first = autopilot.observe(LoadObservation(volumes: ["a": 70, "b": 50]), now: .milliseconds(1000))
        // The first decision always sets the count; 120 summed over the sources needs 3.
        XCTAssertEqual(first.first, .setProducers(count: 3, reason: autopilot.lastDecision!.reason))
        XCTAssertEqual(autopilot.lastDecision?.actual, 120)
        XCTAssertEqual(autopilot.lastDecision?.sources, 2)
        XCTAssertEqual(autopilot.lastDecision?.model, "reactive")
        XCTAssertEqual(autopilot.lastDecision?.upperSource, "reactive")
        XCTAssertNil(autopilot.refitRequest(), "no fit before autopilot.warmup.intervals")
        let decisions = drive(&autopilot, [10, 10, 10, 10, 10], start: 1, refit: false)
        // The upper is the maximum of the last 3 intervals, so 120 still counts for two more.
        XCTAssertEqual(decisions.map(\.upper), [120, 120, 10, 10, 10])
        XCTAssertEqual(decisions.map(\.forecast), [10, 10, 10, 10, 10])
        XCTAssertTrue(decisions.allSatisfy { $0.model == "reactive" })
        // Without a refit ever installed the autopilot keeps deciding on the reactive rule.
        let later = drive(&autopilot, Array(repeating: 60, count: 10), start: 6, refit: false)
        XCTAssertEqual(later.last?.model, "reactive")
        XCTAssertEqual(later.last?.kAfter, 2)
        XCTAssertNotNil(autopilot.refitRequest(), "a fit is due after the warm-up")
    }

    func testStepUpIsFollowedAtOnceAndStepDownAfterDwellAndCooldown() {
        var autopilot = Autopilot(config: config(props(["autopilot.calibration.window": "8"])))
        let low = drive(&autopilot, Array(repeating: 20, count: 30))
        XCTAssertEqual(low.last?.kAfter, 1)
        XCTAssertEqual(low.last?.model, "naive")
        let high = drive(&autopilot, Array(repeating: 120, count: 20), start: 30)
        XCTAssertEqual(high[0].kAfter, 3, "the interval after the step runs 3 producers")
        XCTAssertEqual(high[0].move, .up)
        XCTAssertEqual(high[0].neededK, 3)
        XCTAssertEqual(changes(high), 0, "nothing changes after the step's own decision")
        let down = drive(&autopilot, Array(repeating: 20, count: 30), start: 50)
        let firstDown = down.firstIndex { $0.move == .down }!
        // Scale-down waits for the wish to last the dwell (2 s) and for the cooldown; the step's
        // residual (+100) must also have left the 8-residual calibration window.
        XCTAssertGreaterThanOrEqual(firstDown, 2)
        let t = down[firstDown]
        XCTAssertEqual(t.kAfter, 1)
        XCTAssertTrue(t.reason.contains("scale down from 3 to 1"), t.reason)
        XCTAssertTrue(down[..<firstDown].allSatisfy { $0.kAfter == 3 && $0.move == .hold })
        XCTAssertTrue(down[..<firstDown].contains { $0.reason.contains("dwell") || $0.reason.contains("cooldown") || $0.reason.contains("hysteresis") })
        XCTAssertEqual(down.last?.kAfter, 1)
    }

    func testRampIsFollowedWithoutRunningShort() {
        var autopilot = Autopilot(config: config(props([:])))
        let ramp = (0..<150).map { Double($0) }
        let decisions = drive(&autopilot, ramp)
        // Naive lags one step; on a ramp of +1 per interval the calibrated residual is +1, so the
        // upper equals the next value and k switches exactly when the load crosses a threshold.
        for d in decisions.dropFirst(20) {
            XCTAssertEqual(d.upper, d.actual + 1, accuracy: 1e-9, "interval \(d.interval)")
        }
        let timeline = ReplayScore.timeline(decisions: decisions, firstInterval: 20, intervalMs: 1000)
        XCTAssertEqual(timeline.filter { $0.k < $0.neededK! }.count, 0)
        XCTAssertEqual(timeline.filter { $0.k > $0.neededK! }.count, 0)
        XCTAssertEqual(decisions.map(\.kAfter), decisions.map(\.kAfter).sorted(), "never down on a rising ramp")
    }

    func testSpikeScalesUpOnceAndComesBackDown() {
        var autopilot = Autopilot(config: config(props(["autopilot.calibration.window": "10"])))
        drive(&autopilot, Array(repeating: 20, count: 30))
        let decisions = drive(&autopilot, [140] + Array(repeating: 20, count: 40), start: 30)
        XCTAssertEqual(decisions[0].kAfter, 3)
        XCTAssertEqual(decisions.last?.kAfter, 1)
        XCTAssertEqual(changes(decisions), 1, "up on the spike, one step down later, nothing in between")
        XCTAssertEqual(decisions.filter { $0.move == .down }.count, 1)
    }

    func testFlappingIsSuppressed() {
        // A load hovering just under the threshold of 100: its upper forecast crosses 100 on and off.
        let load = noisy(Array(repeating: 88, count: 300), amplitude: 10, seed: 7)
        let loose = props(["autopilot.dwell.ms": "0", "autopilot.cooldown.ms": "0", "autopilot.hysteresis": "0",
                           "autopilot.calibration.window": "20"])
        var free = Autopilot(config: config(loose))
        let freeChanges = changes(drive(&free, load))
        var governed = Autopilot(config: config(props(["autopilot.calibration.window": "20"])))
        let governedDecisions = drive(&governed, load)
        XCTAssertGreaterThan(freeChanges, 20, "without the rules the count flaps (this scenario is meant to flap)")
        XCTAssertLessThanOrEqual(changes(governedDecisions), 4)
    }

    func testLeadTimeLooksPastTheProducerStartUp() {
        // A square wave of period 20 (10 low, 10 high) that snaive forecasts exactly.
        let wave = (0..<200).map { ($0 / 10) % 2 == 0 ? 20.0 : 120.0 }
        func run(startupMs: String, measured: [Int: Double] = [:]) -> [AutopilotDecision] {
            var autopilot = Autopilot(config: config(props([
                "autopilot.model": "snaive", "autopilot.seasons": "20", "autopilot.warmup.intervals": "45",
                "autopilot.dwell.ms": "0", "autopilot.cooldown.ms": "0", "autopilot.startup.ms": startupMs,
            ])))
            return drive(&autopilot, wave, startupMs: measured)
        }
        for (lead, decisions) in [(0, run(startupMs: "0")), (2, run(startupMs: "2000")), (3, run(startupMs: "2500")),
                                  (2, run(startupMs: "0", measured: [3: 1800]))] {
            XCTAssertEqual(decisions.last?.leadIntervals, lead)
            // Every rise to 120 at interval r (r = 10, 30, ...): past the warm-up, k goes to 3 at
            // the decision ending interval r − 1 − lead, so producers started then are ready at r.
            for rise in stride(from: 110, to: 200, by: 20) {
                XCTAssertEqual(decisions[rise - 1 - lead].kAfter, 3, "lead \(lead), rise \(rise)")
                XCTAssertEqual(decisions[rise - 2 - lead].kAfter, 1, "lead \(lead), rise \(rise): not earlier than needed")
            }
            // Scale-down takes effect at once, so it waits until every interval up to the lead is low.
            for fall in stride(from: 120, to: 200, by: 20) {
                XCTAssertEqual(decisions[fall - 2].kAfter, 3, "lead \(lead), fall \(fall)")
                XCTAssertEqual(decisions[fall - 1].kAfter, 1, "lead \(lead), fall \(fall)")
            }
        }
    }

    func testLeadTimeKeepsStartingProducersAhead() {
        // Producers take 2 intervals to start and stop at once: the count running in interval i
        // is the least the decisions ending intervals i − 3 ... i − 1 asked for (a member asked for
        // at i − 3 is ready at i; one dropped in between must start again).
        let wave = (0..<200).map { ($0 / 10) % 2 == 0 ? 20.0 : 120.0 }
        func shortIntervals(startupMs: String) -> Int {
            var autopilot = Autopilot(config: config(props([
                "autopilot.model": "snaive", "autopilot.seasons": "20", "autopilot.warmup.intervals": "45",
                "autopilot.dwell.ms": "0", "autopilot.cooldown.ms": "0", "autopilot.startup.ms": startupMs,
            ])))
            let decided = drive(&autopilot, wave).map(\.kAfter)
            return (100..<200).filter { i in decided[(i - 3)..<i].min()! < (wave[i] >= 100 ? 3 : 1) }.count
        }
        XCTAssertEqual(shortIntervals(startupMs: "2000"), 0)
        XCTAssertGreaterThan(shortIntervals(startupMs: "0"), 0, "ignoring the start-up time runs short at every rise")
    }

    func testMinAndMaxClamp() {
        var capped = Autopilot(config: config(props(["autopilot.producers.max": "2"])))
        let high = drive(&capped, Array(repeating: 150, count: 15))
        XCTAssertTrue(high.allSatisfy { $0.kAfter == 2 })
        XCTAssertEqual(high.last?.wantedK, 3)
        XCTAssertTrue(high[0].reason.contains("clamped from 3"), high[0].reason)
        var floored = Autopilot(config: config(props(["autopilot.producers.min": "2", "autopilot.producers.max": "4"])))
        let low = drive(&floored, Array(repeating: 0, count: 15))
        XCTAssertTrue(low.allSatisfy { $0.kAfter == 2 })
        XCTAssertEqual(floored.producers, 2)
    }

    func testCapacityPolicyWithConfiguredCapacity() {
        var autopilot = Autopilot(config: config(props([
            "autopilot.policy": "capacity", "autopilot.capacity.records": "10", "autopilot.producers.max": "10",
        ])))
        // 10 records/s for 1 s intervals: 10 records per producer per interval; ceil(35 / 10) = 4.
        let decisions = drive(&autopilot, Array(repeating: 35, count: 20))
        XCTAssertEqual(decisions.last?.capacityPerProducer, 10)
        XCTAssertEqual(decisions.last?.neededK, 4)
        XCTAssertEqual(decisions.last?.kAfter, 4)
        XCTAssertEqual(decisions.last?.policy, "capacity")
    }

    func testCapacityPolicyMeasuresCapacityFromSaturatedMembers() {
        var autopilot = Autopilot(config: config(props(["autopilot.policy": "capacity", "autopilot.producers.max": "10"])))
        let blind = drive(&autopilot, Array(repeating: 35, count: 5))
        XCTAssertTrue(blind.allSatisfy { $0.kAfter == 1 && $0.neededK == nil })
        XCTAssertTrue(blind.last!.reason.contains("capacity per producer not known"), blind.last!.reason)
        // Saturated members sent 20, 22 and 18 records/s: the median, 20, is one producer's capacity.
        let seen = drive(&autopilot, Array(repeating: 35, count: 5), start: 5, saturated: [5: [20, 22, 18]])
        XCTAssertEqual(seen[0].capacityPerProducer, 20)
        XCTAssertEqual(seen[0].neededK, 2)
        XCTAssertEqual(seen.last?.kAfter, 2)
    }

    func testTheUpperQuantileFollowsTheTarget() {
        // Noise of ±20 around 60: a stricter target must give a higher upper forecast.
        let load = noisy(Array(repeating: 60, count: 400), amplitude: 20, seed: 3)
        func coverage(target: String) -> (Double, Double) {
            // Gain 0: the level stays at 1 − target (the feedback has its own test).
            var autopilot = Autopilot(config: config(props(["autopilot.target.underprovision": target, "autopilot.calibration.window": "100",
                                                            "autopilot.target.gain": "0"])))
            let decisions = drive(&autopilot, load)
            let scored = Array(zip(decisions.dropFirst(150), decisions.dropFirst(151)))
            let covered = scored.filter { before, ended in ended.actual <= before.upper }.count
            let meanUpper = decisions.dropFirst(150).map(\.upper).reduce(0, +) / Double(decisions.count - 150)
            return (Double(covered) / Double(scored.count), meanUpper)
        }
        let strict = coverage(target: "0.01"), loose = coverage(target: "0.3")
        XCTAssertGreaterThan(strict.1, loose.1)
        XCTAssertGreaterThanOrEqual(strict.0, 0.95)
        XCTAssertEqual(loose.0, 0.7, accuracy: 0.1)
    }

    func testTheLevelFollowsTheShareOfShortIntervals() {
        // 20-45 records never need a second producer: nothing runs short, so the level falls by
        // gain · target = 0.0005 an interval, from 0.99 to the floor in 980 intervals.
        let calm = noisy(Array(repeating: 32, count: 1200), amplitude: 13, seed: 8)
        var adaptive = Autopilot(config: config(props([:])))
        let calmDecisions = drive(&adaptive, calm)
        XCTAssertEqual(adaptive.quantileLevel, 0.5, accuracy: 1e-9)
        XCTAssertEqual(calmDecisions.last?.quantile ?? 0, 0.5, accuracy: 1e-9)
        var fixed = Autopilot(config: config(props(["autopilot.target.gain": "0"])))
        drive(&fixed, calm)
        XCTAssertEqual(fixed.quantileLevel, 0.99, accuracy: 1e-12)
        // Jumps to 130 in a fifth of the intervals, which the naive forecast cannot see: the level
        // settles where the shortfalls are about the target's share, well above the floor.
        var generator = SeededGenerator(seed: 6)
        let jumpy = (0..<1200).map { _ in generator.uniform(0, 1) < 0.2 ? 130.0 : 20.0 }
        var chased = Autopilot(config: config(props([:])))
        let decisions = drive(&chased, jumpy)
        let timeline = ReplayScore.timeline(decisions: decisions, firstInterval: 200, intervalMs: 1000)
        let shortShare = Double(timeline.filter { $0.k < $0.neededK! }.count) / Double(timeline.count)
        XCTAssertGreaterThan(chased.quantileLevel, 0.8)
        XCTAssertLessThanOrEqual(shortShare, 0.03)
        XCTAssertGreaterThan(shortShare, 0)
        // Held at 0.99 the upper covers every jump: never short, and paying for it in producers.
        var held = Autopilot(config: config(props(["autopilot.target.gain": "0"])))
        let heldScore = ReplayScore(decisions: drive(&held, jumpy), firstInterval: 200, intervalMs: 1000)
        XCTAssertEqual(heldScore.underProvisionedIntervals, 0)
        XCTAssertGreaterThan(heldScore.producerSeconds, ReplayScore(timeline: timeline, intervalMs: 1000).producerSeconds)
    }

    func testServiceLevelTrackerByHand() {
        var t = ServiceLevelTracker(target: 0.1, gain: 0.5, floor: 0.5)
        XCTAssertEqual(t.level, 0.9, accuracy: 1e-12)
        t.record(short: false)  // α = 0.1 + 0.5 · 0.1
        XCTAssertEqual(t.alpha, 0.15, accuracy: 1e-12)
        t.record(short: false)
        XCTAssertEqual(t.alpha, 0.2, accuracy: 1e-12)
        t.record(short: true)  // 0.2 + 0.5 · (0.1 − 1) < 0.01: held at a tenth of the target
        XCTAssertEqual(t.alpha, 0.01, accuracy: 1e-12)
        for _ in 0..<100 { t.record(short: false) }
        XCTAssertEqual(t.level, 0.5, accuracy: 1e-12, "held at the floor")
        var still = ServiceLevelTracker(target: 0.01, gain: 0, floor: 0.5)
        still.record(short: true)
        XCTAssertEqual(still.level, 0.99, accuracy: 1e-12)
    }
}
