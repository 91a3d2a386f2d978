import KairosControl
import KairosForecast
import XCTest
import KairosConfig

final class AutopilotConfigTests: XCTestCase {
    func testDefaults() throws {
        let c = try AutopilotConfig(properties: [:])
        XCTAssertEqual(c.intervalMs, 10_000)
        XCTAssertEqual(c.producersMin, 1)
        XCTAssertEqual(c.producersMax, 3)
        XCTAssertEqual(c.policy, .paper(ProducerPolicy(thresholds: [50, 100])))
        XCTAssertEqual(c.underProvisionTarget, 0.01)
        XCTAssertEqual(c.quantile, 0.99, accuracy: 1e-12)
        XCTAssertEqual(c.model, "auto")
        XCTAssertEqual(c.seasons, .auto)
        XCTAssertEqual(c.cooldownMs, 30_000)
        XCTAssertEqual(c.dwellMs, 20_000)
        XCTAssertEqual(c.underProvisionGain, 0.05)
        XCTAssertEqual(c.quantileFloor, 0.5)
        // Cooldown and dwell default to whole intervals, so a compressed replay keeps the same rules.
        let fast = try AutopilotConfig(properties: ["autopilot.interval.ms": "200"])
        XCTAssertEqual(fast.cooldownMs, 600)
        XCTAssertEqual(fast.dwellMs, 400)
    }

    func testEveryPropertyIsRead() throws {
        let c = try AutopilotConfig(properties: [
            "autopilot.interval.ms": "200", "autopilot.producers.min": "2", "autopilot.producers.max": "8",
            "autopilot.policy": "capacity", "autopilot.capacity.records": "1500", "autopilot.target.underprovision": "0.05",
            "autopilot.cooldown.ms": "1000", "autopilot.dwell.ms": "400", "autopilot.hysteresis": "0.2", "autopilot.model": "hw",
            "autopilot.seasons": "24,168", "autopilot.startup.ms": "350", "autopilot.lead.max.intervals": "4",
            "autopilot.warmup.intervals": "30", "autopilot.refit.intervals": "100", "autopilot.history.intervals": "500",
            "autopilot.calibration.window": "50", "autopilot.calibration.min": "5", "autopilot.reactive.window": "3",
            "autopilot.capacity.window": "7", "autopilot.target.gain": "0.1", "autopilot.quantile.min": "0.7",
            "batch.size": "16384",  // a producer property: ignored here
        ])
        XCTAssertEqual(c.intervalMs, 200)
        XCTAssertEqual(c.producersMin, 2)
        XCTAssertEqual(c.producersMax, 8)
        XCTAssertEqual(c.policy, .capacity(recordsPerSecond: 1500))
        XCTAssertEqual(c.underProvisionTarget, 0.05)
        XCTAssertEqual(c.cooldownMs, 1000)
        XCTAssertEqual(c.dwellMs, 400)
        XCTAssertEqual(c.hysteresis, 0.2)
        XCTAssertEqual(c.model, "hw")
        XCTAssertEqual(c.seasons, .lengths([24, 168]))
        XCTAssertEqual(c.startupMs, 350)
        XCTAssertEqual(c.leadMaxIntervals, 4)
        XCTAssertEqual(c.warmupIntervals, 30)
        XCTAssertEqual(c.refitIntervals, 100)
        XCTAssertEqual(c.historyIntervals, 500)
        XCTAssertEqual(c.calibrationWindow, 50)
        XCTAssertEqual(c.calibrationMinimum, 5)
        XCTAssertEqual(c.reactiveWindow, 3)
        XCTAssertEqual(c.capacityWindow, 7)
        XCTAssertEqual(c.underProvisionGain, 0.1)
        XCTAssertEqual(c.quantileFloor, 0.7)
        XCTAssertEqual(try AutopilotConfig(properties: ["autopilot.thresholds": "10, 20,30"]).policy,
                       .paper(ProducerPolicy(thresholds: [10, 20, 30])))
        XCTAssertEqual(try AutopilotConfig(properties: ["autopilot.seasons": "none"]).seasons, SeasonSetting.none)
        XCTAssertEqual(try AutopilotConfig(properties: ["autopilot.policy": "capacity"]).policy, .capacity(recordsPerSecond: nil))
    }

    func testBadValuesNameTheProperty() {
        let bad: [(String, String)] = [
            ("autopilot.interval.ms", "ten"), ("autopilot.interval.ms", "0"), ("autopilot.producers.min", "0"),
            ("autopilot.producers.max", "-1"), ("autopilot.policy", "random"), ("autopilot.thresholds", "100,50"),
            ("autopilot.thresholds", "50,x"), ("autopilot.thresholds", ""), ("autopilot.target.underprovision", "0"),
            ("autopilot.target.underprovision", "0.9"), ("autopilot.target.underprovision", "nan"),
            ("autopilot.cooldown.ms", "1.5"), ("autopilot.dwell.ms", "-3"), ("autopilot.hysteresis", "1"),
            ("autopilot.model", "prophet"), ("autopilot.seasons", "1"), ("autopilot.seasons", "24,x"),
            ("autopilot.startup.ms", "slow"), ("autopilot.warmup.intervals", "1"), ("autopilot.refit.intervals", "0"),
            ("autopilot.calibration.window", "0"), ("autopilot.target.gain", "1"), ("autopilot.quantile.min", "0"), ("autopilot.reactive.window", "0"), ("autopilot.intervall.ms", "10"),
        ]
        for (key, value) in bad {
            XCTAssertThrowsError(try AutopilotConfig(properties: [key: value]), "\(key)=\(value)") { error in
                guard let e = error as? ConfigError else { return XCTFail("\(type(of: error))") }
                XCTAssertEqual(e.key, key, "\(key)=\(value): \(e)")
                XCTAssertTrue(e.description.hasPrefix("invalid value for \(key): "), e.description)
            }
        }
        XCTAssertThrowsError(try AutopilotConfig(properties: ["autopilot.policy": "capacity", "autopilot.capacity.records": "0"])) {
            XCTAssertEqual(($0 as? ConfigError)?.key, "autopilot.capacity.records")
        }
    }

    func testCrossPropertyBoundsNameTheLaterProperty() {
        XCTAssertThrowsError(try AutopilotConfig(properties: ["autopilot.producers.min": "4", "autopilot.producers.max": "2"])) {
            XCTAssertEqual(($0 as? ConfigError)?.key, "autopilot.producers.max")
            XCTAssertTrue("\($0)".contains("below autopilot.producers.min"), "\($0)")
        }
        XCTAssertThrowsError(try AutopilotConfig(properties: ["autopilot.warmup.intervals": "100", "autopilot.history.intervals": "50"])) {
            XCTAssertEqual(($0 as? ConfigError)?.key, "autopilot.history.intervals")
        }
        XCTAssertThrowsError(try AutopilotConfig(properties: ["autopilot.calibration.window": "10", "autopilot.calibration.min": "11"])) {
            XCTAssertEqual(($0 as? ConfigError)?.key, "autopilot.calibration.min")
        }
        // A larger min alone raises the default max rather than failing.
        XCTAssertEqual(try AutopilotConfig(properties: ["autopilot.producers.min": "5"]).producersMax, 5)
    }
}
