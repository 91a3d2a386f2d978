@testable import KairosClient
import XCTest

/// The pool's routing rules without a broker: loads are given as tables.
final class ProducerPoolRouterTests: XCTestCase {
    private func router(members: Int, active: Int) -> PoolRouter {
        var router = PoolRouter(memberCount: members)
        router.apply(router.plan(resizeTo: active))
        return router
    }

    func testKeylessRecordsGoToTheLeastLoadedActiveMemberAndTiesTakeTurns() {
        var r = router(members: 3, active: 3)
        var load = [5, 2, 9]
        XCTAssertEqual(r.route(slot: nil, memberLoad: { load[$0] }, slotInFlight: { _ in 0 }), .member(1))
        load = [0, 0, 0]
        let picks = (0..<6).map { _ in r.route(slot: nil, memberLoad: { load[$0] }, slotInFlight: { _ in 0 }) }
        XCTAssertEqual(Set(picks), [.member(0), .member(1), .member(2)], "equal loads take turns")
    }

    func testABusySlotStaysOnItsMemberAcrossGrowthAndAnIdleOneMoves() {
        var r = router(members: 3, active: 1)
        var slotBusy = [7: 0, 8: 0]
        let load = [10, 0, 0]
        XCTAssertEqual(r.route(slot: 7, memberLoad: { load[$0] }, slotInFlight: { slotBusy[$0]! }), .member(0))
        XCTAssertEqual(r.route(slot: 8, memberLoad: { load[$0] }, slotInFlight: { slotBusy[$0]! }), .member(0))
        slotBusy[7] = 3
        r.apply(r.plan(resizeTo: 3))
        XCTAssertEqual(r.route(slot: 7, memberLoad: { load[$0] }, slotInFlight: { slotBusy[$0]! }), .member(0),
                       "a slot with unfinished records keeps its member even when others are idle")
        let moved = r.route(slot: 8, memberLoad: { load[$0] }, slotInFlight: { slotBusy[$0]! })
        XCTAssertNotEqual(moved, .member(0), "an idle slot is placed again after the active set changed")
        // Once placed in this active set, it stays even when idle.
        XCTAssertEqual(r.route(slot: 8, memberLoad: { _ in 0 }, slotInFlight: { slotBusy[$0]! }), moved)
    }

    func testARetiredMembersBusySlotWaitsThenMovesOnceFinished() {
        var r = router(members: 2, active: 2)
        var busy = 0
        let load = [0, 100]
        // Place slot 3 on member 1 (the only one with room once member 0 looks fuller).
        XCTAssertEqual(r.route(slot: 3, memberLoad: { [100, 0][$0] }, slotInFlight: { _ in busy }), .member(1))
        busy = 2
        let plan = r.plan(resizeTo: 1)
        XCTAssertEqual(plan.retired, [1])
        r.apply(plan)
        XCTAssertEqual(r.states, [.active, .draining])
        XCTAssertEqual(r.route(slot: 3, memberLoad: { load[$0] }, slotInFlight: { _ in busy }), .wait)
        XCTAssertEqual(r.route(slot: nil, memberLoad: { load[$0] }, slotInFlight: { _ in busy }), .member(0),
                       "a draining member takes no keyless records")
        XCTAssertFalse(r.finishDrain(1, unfinished: 2))
        busy = 0
        XCTAssertEqual(r.route(slot: 3, memberLoad: { load[$0] }, slotInFlight: { _ in busy }), .member(0))
        XCTAssertTrue(r.finishDrain(1, unfinished: 0))
        XCTAssertEqual(r.states, [.active, .closed])
        XCTAssertFalse(r.finishDrain(1, unfinished: 0), "only a draining member finishes draining")
    }

    func testGrowingReactivatesDrainingMembersFirstThenStartsClosedOnes() {
        var r = router(members: 4, active: 3)
        r.apply(r.plan(resizeTo: 1))
        XCTAssertEqual(r.states, [.active, .draining, .draining, .closed])
        XCTAssertTrue(r.finishDrain(2, unfinished: 0))
        let plan = r.plan(resizeTo: 4)
        XCTAssertEqual(plan, PoolRouter.ResizePlan(reactivated: [1], started: [2, 3], retired: []))
        r.apply(plan)
        XCTAssertEqual(r.active, [0, 1, 2, 3])
        XCTAssertEqual(r.plan(resizeTo: 4), PoolRouter.ResizePlan())
        r.isClosed = true
        XCTAssertEqual(r.route(slot: 1, memberLoad: { _ in 0 }, slotInFlight: { _ in 0 }), .closed)
    }

    func testPoolPropertiesNameTheBadKey() throws {
        let base = ["bootstrap.servers": "127.0.0.1:1"]
        func error(_ extra: [String: String]) -> String {
            do {
                _ = try ProducerPoolConfig(properties: base.merging(extra) { $1 })
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(error(["producers.max": "0"]).contains("producers.max"), error(["producers.max": "0"]))
        XCTAssertTrue(error(["producers.min": "two"]).contains("producers.min"))
        XCTAssertTrue(error(["producers.min": "4", "producers.max": "2"]).contains("producers.min=4"))
        XCTAssertTrue(error(["producers.initial": "5"]).contains("producers.initial"))
        XCTAssertTrue(error(["producers.max": "65"]).contains("producers.max"))
        XCTAssertTrue(error(["acks": "2"]).contains("acks"), "member properties are checked too")
        let config = try ProducerPoolConfig(properties: base.merging([
            "producers.min": "2", "producers.max": "4", "producers.initial": "3", "client.id": "app", "x.y": "z"]) { $1 })
        XCTAssertEqual([config.minProducers, config.maxProducers, config.initialProducers], [2, 4, 3])
        XCTAssertEqual(config.unknownKeys, ["x.y"], "the pool's own keys are known")
        XCTAssertEqual(config.memberConfig(2).client.clientId, "app-2")
        let defaults = try ProducerPoolConfig(properties: base)
        XCTAssertEqual([defaults.minProducers, defaults.maxProducers, defaults.initialProducers], [1, 3, 1])
        XCTAssertEqual(try ProducerPoolConfig(properties: base.merging(["producers.min": "5"]) { $1 }).maxProducers, 5,
                       "producers.max defaults to at least producers.min")
    }
}
