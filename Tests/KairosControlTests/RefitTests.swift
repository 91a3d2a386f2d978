import Foundation
import KairosControl
import KairosForecast
import XCTest

final class RefitTests: XCTestCase {
    private let properties: [String: String] = [
        "autopilot.interval.ms": "1000", "autopilot.model": "ar", "autopilot.seasons": "none",
        "autopilot.warmup.intervals": "30", "autopilot.refit.intervals": "50",
    ]

    func testDecisionsGoOnWhileARefitRunsElsewhere() async {
        var autopilot = Autopilot(config: config(properties))
        let load = noisy((0..<200).map { 60 + 30 * sin(Double($0) / 5) }, amplitude: 5, seed: 2)
        drive(&autopilot, Array(load[..<30]), refit: false)
        guard let job = autopilot.refitRequest() else { return XCTFail("a fit is due after 30 intervals") }
        XCTAssertEqual(job.history.count, 30)
        XCTAssertNil(autopilot.refitRequest(), "one job at a time")
        // The fit runs on another task while the autopilot keeps deciding on the reactive rule.
        let fitting = Task.detached { job.run() }
        let meanwhile = drive(&autopilot, Array(load[30..<40]), start: 30, refit: false)
        XCTAssertEqual(meanwhile.count, 10)
        XCTAssertTrue(meanwhile.allSatisfy { $0.model == "reactive" })
        let result = await fitting.value
        XCTAssertNotNil(result.model)
        XCTAssertTrue(autopilot.install(result))
        XCTAssertEqual(autopilot.model?.name, "ar")
        let after = drive(&autopilot, Array(load[40..<45]), start: 40, refit: false)
        XCTAssertTrue(after.allSatisfy { $0.model == "ar" })
        // The next refit is due 50 intervals after the last request (made at interval 30).
        drive(&autopilot, Array(load[45..<79]), start: 45, refit: false)
        XCTAssertNil(autopilot.refitRequest())
        drive(&autopilot, [load[79]], start: 79, refit: false)
        let second = autopilot.refitRequest()
        XCTAssertNotNil(second)
        XCTAssertGreaterThan(second!.generation, job.generation)
        // A stale result (an older generation than the installed one) is dropped.
        XCTAssertTrue(autopilot.install(second!.run()))
        XCTAssertFalse(autopilot.install(result))
    }

    func testAFailedFitKeepsTheCurrentModel() {
        var autopilot = Autopilot(config: config(properties))
        drive(&autopilot, (0..<30).map { Double($0 % 7) * 10 }, refit: false)
        let job = autopilot.refitRequest()!
        XCTAssertTrue(autopilot.install(job.run()))
        let failed = RefitResult(generation: job.generation + 1, historyStart: 0, trainedPoints: 3, model: nil,
                                 seasonLengths: [], note: "fit failed: too short")
        XCTAssertFalse(autopilot.install(failed))
        XCTAssertEqual(autopilot.model?.name, "ar")
        XCTAssertEqual(autopilot.lastRefitNote, "fit failed: too short")
    }

    func testAFailedFirstFitIsRetriedAfterAWarmUpNotAtOnce() {
        var autopilot = Autopilot(config: config(properties.merging(["autopilot.model": "lstm"]) { $1 }))
        drive(&autopilot, Array(repeating: 10, count: 30), refit: false)
        let job = autopilot.refitRequest()!
        let failed = RefitResult(generation: job.generation, historyStart: job.historyStart, trainedPoints: 30, model: nil,
                                 seasonLengths: [], note: "failed")
        XCTAssertFalse(autopilot.install(failed))
        XCTAssertNil(autopilot.refitRequest(), "not straight after a failure")
        drive(&autopilot, Array(repeating: 10, count: 29), start: 30, refit: false)
        XCTAssertNil(autopilot.refitRequest())
        drive(&autopilot, [10], start: 59, refit: false)
        XCTAssertNotNil(autopilot.refitRequest(), "30 intervals (the warm-up) after the failed request")
    }

    func testAJobThatCannotFitSaysWhy() {
        let tooShort = RefitJob(generation: 1, history: [1, 2, 3], historyStart: 0, model: "lstm", seasons: .none, horizon: 1).run()
        XCTAssertNil(tooShort.model)
        XCTAssertTrue(tooShort.note.contains("fit of lstm on 3 intervals failed"), tooShort.note)
        let seasonless = RefitJob(generation: 1, history: (0..<40).map { Double($0 % 3) }, historyStart: 0, model: "hw",
                                  seasons: .none, horizon: 1).run()
        XCTAssertEqual(seasonless.model?.name, "ar")
        XCTAssertTrue(seasonless.note.contains("fitted ar instead"), seasonless.note)
    }

    func testAutoDetectsTheSeason() {
        let wave = noisy((0..<240).map { 50 + 40 * sin(2 * Double.pi * Double($0) / 24) }, amplitude: 3, seed: 9)
        let result = RefitJob(generation: 1, history: wave, historyStart: 0, model: "hw", seasons: .auto, horizon: 2).run()
        XCTAssertEqual(result.seasonLengths.first, 24)
        XCTAssertEqual(result.model?.name, "hw")
    }

    func testAJobThatIsNeverReturnedIsAskedAgainAfterARefitPeriod() {
        var autopilot = Autopilot(config: config(properties))
        drive(&autopilot, Array(repeating: 10, count: 30), refit: false)
        XCTAssertNotNil(autopilot.refitRequest())
        drive(&autopilot, Array(repeating: 10, count: 49), start: 30, refit: false)
        XCTAssertNil(autopilot.refitRequest())
        drive(&autopilot, [10], start: 79, refit: false)
        XCTAssertNotNil(autopilot.refitRequest())
    }
}
