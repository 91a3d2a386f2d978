import KafkaProtocol
@testable import KairosClient
import XCTest

/// The consumer's state machine as a value: subscribe, join, sync, heartbeat answers, leave, fenced and closed.
final class ConsumerGroupStateTests: XCTestCase {
    private func joined(_ topics: [String] = ["b", "a"], member: String = "m-1", generation: Int32 = 3)
        -> ConsumerGroupState {
        var group = ConsumerGroupState()
        XCTAssertEqual(group.event(.subscribe(topics)), .rejoin)
        XCTAssertEqual(group.event(.joined(memberId: member, generationId: generation)), .none)
        XCTAssertEqual(group.event(.synced(anotherRound: false)), .none)
        return group
    }

    func testSubscribeJoinSync() {
        var group = ConsumerGroupState()
        XCTAssertNil(group.topics)
        XCTAssertFalse(group.needsJoin, "assign mode never joins")
        XCTAssertEqual(group.member, .init(memberId: "", generationId: -1))

        XCTAssertEqual(group.event(.subscribe(["b", "a"])), .rejoin)
        XCTAssertEqual(group.topics, ["a", "b"], "kept sorted")
        XCTAssertTrue(group.needsJoin)
        XCTAssertNil(group.heartbeatMember, "no generation yet: no heartbeats")

        XCTAssertEqual(group.event(.memberIdRequired("m-1")), .none)
        XCTAssertEqual(group.member.memberId, "m-1")
        XCTAssertEqual(group.event(.joined(memberId: "m-1", generationId: 3)), .none)
        XCTAssertTrue(group.needsJoin, "still rejoining until synced")
        XCTAssertEqual(group.event(.synced(anotherRound: false)), .none)
        XCTAssertFalse(group.needsJoin)
        XCTAssertEqual(group.heartbeatMember, .init(memberId: "m-1", generationId: 3))
    }

    func testCooperativeSecondRound() {
        var group = ConsumerGroupState()
        _ = group.event(.subscribe(["t"]))
        _ = group.event(.joined(memberId: "m", generationId: 1))
        XCTAssertEqual(group.event(.synced(anotherRound: true)), .rejoin)
        XCTAssertTrue(group.needsJoin)
        XCTAssertEqual(group.member.generationId, 1, "the generation stays for commits before the second round")
    }

    func testResubscribeKeepsTheMember() {
        var group = joined()
        XCTAssertEqual(group.event(.subscribe(["c"])), .rejoin)
        XCTAssertEqual(group.topics, ["c"])
        XCTAssertEqual(group.member, .init(memberId: "m-1", generationId: 3))
        XCTAssertTrue(group.needsJoin)
    }

    func testHeartbeatAnswers() {
        var group = joined()
        XCTAssertEqual(group.event(.heartbeat(generationId: 3, code: .none)), .none)
        XCTAssertFalse(group.needsJoin)

        XCTAssertEqual(group.event(.heartbeat(generationId: 3, code: .rebalanceInProgress)), .rejoin)
        XCTAssertTrue(group.needsJoin)
        XCTAssertEqual(group.member, .init(memberId: "m-1", generationId: 3), "a rebalance keeps id and generation")

        group = joined()
        XCTAssertEqual(group.event(.heartbeat(generationId: 3, code: .illegalGeneration)), .rejoin)
        XCTAssertEqual(group.member, .init(memberId: "m-1", generationId: -1), "an old generation keeps the id")

        group = joined()
        XCTAssertEqual(group.event(.heartbeat(generationId: 3, code: .unknownMemberId)), .rejoin)
        XCTAssertEqual(group.member, .init(memberId: "", generationId: -1), "an unknown member starts over")

        group = joined()
        XCTAssertEqual(group.event(.heartbeat(generationId: 3, code: .notCoordinator)), .forgetCoordinator)
        XCTAssertEqual(group.event(.heartbeat(generationId: 3, code: .coordinatorLoadInProgress)), .forgetCoordinator)
        XCTAssertFalse(group.needsJoin)
        XCTAssertEqual(group.event(.heartbeat(generationId: 3, code: .unknownServerError)), .none)

        XCTAssertEqual(group.event(.heartbeat(generationId: 3, code: .fencedInstanceId)), .fence,
                       "the consumer builds the error and reports .fenced")
        XCTAssertNil(group.fenced, "nothing changes until then")
    }

    func testLateHeartbeatOfAnOldGenerationIsIgnored() {
        var group = joined(generation: 3)
        _ = group.event(.heartbeat(generationId: 3, code: .rebalanceInProgress))
        _ = group.event(.joined(memberId: "m-1", generationId: 4))
        _ = group.event(.synced(anotherRound: false))
        XCTAssertEqual(group.event(.heartbeat(generationId: 3, code: .unknownMemberId)), .none)
        XCTAssertEqual(group.member, .init(memberId: "m-1", generationId: 4))
        XCTAssertFalse(group.needsJoin)
    }

    func testJoinRefusedStartsOverAsNewMember() {
        var group = joined()
        _ = group.event(.heartbeat(generationId: 3, code: .rebalanceInProgress))
        XCTAssertEqual(group.event(.joinRefused), .rejoin)
        XCTAssertEqual(group.member, .init(memberId: "", generationId: -1))
        XCTAssertTrue(group.needsJoin)
    }

    func testLeaveThenUnsubscribe() {
        var group = joined()
        XCTAssertEqual(group.event(.left), .none)
        XCTAssertEqual(group.member, .init(memberId: "", generationId: -1))
        XCTAssertEqual(group.event(.unsubscribe), .none)
        XCTAssertNil(group.topics)
        XCTAssertFalse(group.needsJoin)
        // Answers that arrive after unsubscribing change nothing.
        XCTAssertEqual(group.event(.joined(memberId: "late", generationId: 9)), .none)
        XCTAssertEqual(group.event(.heartbeat(generationId: -1, code: .rebalanceInProgress)), .none)
        XCTAssertEqual(group.member, .init(memberId: "", generationId: -1))
    }

    func testFencedIsFatalUntilClosed() {
        var group = joined()
        let error = KafkaClientError.broker(.fencedInstanceId, message: "taken")
        XCTAssertEqual(group.event(.fenced(error)), .fence)
        XCTAssertNotNil(group.fenced)
        XCTAssertNil(group.topics)
        XCTAssertFalse(group.needsJoin)
        XCTAssertNil(group.heartbeatMember)
        XCTAssertEqual(group.event(.fenced(error)), .none, "fenced once")
        XCTAssertEqual(group.event(.subscribe(["x"])), .none, "subscribing does not undo it")
        XCTAssertEqual(group.event(.unsubscribe), .none)
        XCTAssertNotNil(group.fenced)
        XCTAssertEqual(group.event(.closed), .none)
        XCTAssertTrue(group.isClosed)
        XCTAssertNil(group.fenced)
    }

    func testClosedIsFinal() {
        var group = joined()
        _ = group.event(.closed)
        XCTAssertTrue(group.isClosed)
        XCTAssertNil(group.topics)
        XCTAssertNil(group.heartbeatMember)
        XCTAssertEqual(group.event(.subscribe(["t"])), .none)
        XCTAssertEqual(group.event(.fenced(.closed)), .none)
        XCTAssertTrue(group.isClosed)
        XCTAssertNil(group.fenced)
    }
}
