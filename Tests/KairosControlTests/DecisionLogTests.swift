import KairosControl
import XCTest

final class DecisionLogTests: XCTestCase {
    func testADecisionIsOneJSONLineWithItsInputsAndReason() throws {
        var autopilot = Autopilot(config: config(["autopilot.interval.ms": "1000", "autopilot.model": "naive"]))
        let actions = autopilot.observe(LoadObservation(volumes: ["orders": 40, "refunds": 20]), now: .milliseconds(5000))
        let decision = try XCTUnwrap(autopilot.lastDecision)
        let line = try decision.jsonLine()
        XCTAssertFalse(line.contains("\n"))
        for key in ["\"t\":5000", "\"actual\":60", "\"forecast\":60", "\"upper\":60", "\"quantile\":0.99", "\"kBefore\":1",
                    "\"kAfter\":2", "\"neededK\":2", "\"move\":\"initial\"", "\"reason\":", "\"policy\":\"paper\""] {
            XCTAssertTrue(line.contains(key), "\(key) in \(line)")
        }
        XCTAssertEqual(try AutopilotDecision.decode(jsonLine: line), decision)
        XCTAssertEqual(actions.count, 2)
        XCTAssertEqual(actions[0], .setProducers(count: 2, reason: decision.reason))
        XCTAssertEqual(actions[1], .publishForecast(ForecastPublication(interval: 1, forecast: 60, upper: 60, quantile: 0.99, desiredProducers: 2)))
        // A hold publishes the forecast and changes nothing.
        let hold = autopilot.observe(LoadObservation(total: 60), now: .milliseconds(6000))
        XCTAssertEqual(hold.count, 1)
        XCTAssertEqual(autopilot.lastDecision?.move, .hold)
        XCTAssertEqual(autopilot.lastDecision?.interval, 1)
        // A counter reset at an edge (negative, not finite) counts as nothing rather than poisoning the sum.
        XCTAssertEqual(LoadObservation(volumes: ["a": 30, "b": -5, "c": .nan, "d": .infinity]).total, 30)
    }
}
