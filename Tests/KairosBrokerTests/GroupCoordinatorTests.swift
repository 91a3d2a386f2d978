import KafkaProtocol
import NIOCore
import XCTest

@testable import KairosBroker

/// The coordinator state machine, scenario by scenario, on a virtual clock.
final class GroupCoordinatorTests: XCTestCase {
    /// Brings `count` members into a Stable group; returns their ids (leader first) and the generation.
    private func stableGroup(_ d: inout GroupDriver, _ group: String, count: Int, sessionMs: Int32 = 10_000) -> ([String], Int32) {
        var joins: [(String, GroupReplyToken)] = []
        for i in 0..<count { joins.append(d.joinNew(group, client: "c\(i)", sessionMs: sessionMs)) }
        // Members that arrive during the initial delay extend it once more (Kafka's InitialDelayedJoin).
        d.advance(count > 1 ? 6_000 : 3_000)
        let results = joins.map { d.joinResult($0.1)! }
        let generation = results[0].generationId
        let leader = results[0].leaderId
        var syncs: [GroupReplyToken] = []
        for (id, _) in joins where id != leader { syncs.append(d.sync(group, member: id, generation: generation)) }
        syncs.append(d.sync(group, member: leader, generation: generation, assignments: joins.map { ($0.0, "a-\($0.0)") }))
        for s in syncs { XCTAssertEqual(d.syncResult(s)?.error, ErrorCode.none) }
        XCTAssertEqual(d.group(group)?.state, .stable)
        return ([leader] + joins.map(\.0).filter { $0 != leader }, generation)
    }

    func testFirstJoinNeedsAMemberIdThenWaitsOutTheInitialDelay() {
        var d = GroupDriver()
        let first = d.join("g", client: "rdkafka")
        let required = d.joinResult(first)!
        XCTAssertEqual(required.error, .memberIdRequired)
        XCTAssertTrue(required.memberId.hasPrefix("rdkafka-"))
        let parked = d.join("g", member: required.memberId, client: "rdkafka")
        XCTAssertNil(d.replies[parked], "the join waits for the initial rebalance delay")
        d.advance(2_900)
        XCTAssertNil(d.replies[parked])
        d.advance(100)
        let joined = d.joinResult(parked)!
        XCTAssertEqual(joined.error, .none)
        XCTAssertEqual(joined.generationId, 1)
        XCTAssertEqual(joined.leaderId, required.memberId)
        XCTAssertEqual(joined.protocolName, "range")
        XCTAssertEqual(joined.members.map(\.memberId), [required.memberId], "the leader sees every member's metadata")
        XCTAssertEqual(d.group("g")?.state, .completingRebalance)
        let s = d.sync("g", member: required.memberId, generation: 1, assignments: [(required.memberId, "all")])
        XCTAssertEqual(d.syncResult(s)?.assignment.string, "all")
        XCTAssertEqual(d.group("g")?.state, .stable)
    }

    func testMembersArrivingDuringTheDelayShareOneGeneration() {
        var d = GroupDriver()
        let a = d.joinNew("d", client: "a")
        d.advance(2_000)
        _ = d.joinNew("d", client: "b")
        d.advance(1_000)
        XCTAssertNil(d.replies[a.token], "a member arrived during the delay: it is extended")
        d.advance(2_900)
        XCTAssertNil(d.replies[a.token])
        d.advance(100)
        XCTAssertEqual(d.joinResult(a.token)?.members.count, 2)
        let (members, generation) = stableGroup(&d, "g", count: 3)
        XCTAssertEqual(generation, 1)
        XCTAssertEqual(Set(d.group("g")!.members.keys), Set(members))
        XCTAssertEqual(d.heartbeat("g", member: members[1], generation: 1), .none)
    }

    func testFollowersWaitForTheLeadersAssignment() {
        var d = GroupDriver()
        let a = d.joinNew("g", client: "a")
        let b = d.joinNew("g", client: "b")
        d.advance(6_000)
        let leader = d.joinResult(a.token)!.leaderId
        let follower = leader == a.memberId ? b.memberId : a.memberId
        XCTAssertEqual(d.joinResult(leader == a.memberId ? b.token : a.token)?.members.count, 0, "followers get no member list")
        let waiting = d.sync("g", member: follower, generation: 1)
        XCTAssertNil(d.replies[waiting])
        _ = d.sync("g", member: leader, generation: 1, assignments: [(leader, "L"), (follower, "F")])
        XCTAssertEqual(d.syncResult(waiting)?.assignment.string, "F")
    }

    func testLeaveStartsARebalanceThatCompletesWhenTheOthersRejoin() {
        var d = GroupDriver()
        let (members, generation) = stableGroup(&d, "g", count: 3)
        let out = d.leave("g", members: [(members[2], nil)])
        XCTAssertEqual(out?.members.first?.error, ErrorCode.none)
        XCTAssertEqual(d.group("g")?.state, .preparingRebalance)
        XCTAssertEqual(d.heartbeat("g", member: members[0], generation: generation), .rebalanceInProgress)
        let j0 = d.join("g", member: members[0])
        XCTAssertNil(d.replies[j0], "waits for the other remaining member")
        let j1 = d.join("g", member: members[1])
        XCTAssertEqual(d.joinResult(j0)?.generationId, generation + 1, "completes at once, no timeout involved")
        XCTAssertEqual(d.joinResult(j1)?.generationId, generation + 1)
        XCTAssertEqual(Set(d.joinResult(j0)!.members.map(\.memberId)), Set(members[0...1]))
    }

    func testSilentMemberIsRemovedAfterItsSessionTimeout() {
        var d = GroupDriver()
        let (members, generation) = stableGroup(&d, "g", count: 2, sessionMs: 6_000)
        for _ in 0..<5 {
            d.advance(1_000)
            XCTAssertEqual(d.heartbeat("g", member: members[0], generation: generation), .none)
        }
        XCTAssertEqual(d.group("g")?.members.count, 2, "5 s of silence is within a 6 s session")
        d.advance(1_000)
        XCTAssertEqual(d.group("g")?.members.count, 1)
        XCTAssertEqual(d.group("g")?.state, .preparingRebalance)
        XCTAssertEqual(d.heartbeat("g", member: members[1], generation: generation), .unknownMemberId)
        let rejoin = d.join("g", member: members[0])
        XCTAssertEqual(d.joinResult(rejoin)?.generationId, generation + 1)
    }

    func testRebalanceCompletesAtItsTimeoutWithoutAMemberThatNeverRejoins() {
        var d = GroupDriver()
        let (members, generation) = stableGroup(&d, "g", count: 3, sessionMs: 60_000)
        _ = d.leave("g", members: [(members[2], nil)])
        let j0 = d.join("g", member: members[0])
        // members[1] keeps heartbeating (so its session never ends) but never rejoins.
        for _ in 0..<29 {
            d.advance(1_000)
            XCTAssertEqual(d.heartbeat("g", member: members[1], generation: generation), .rebalanceInProgress)
        }
        XCTAssertNil(d.replies[j0])
        d.advance(1_000)
        let joined = d.joinResult(j0)!
        XCTAssertEqual(joined.error, .none)
        XCTAssertEqual(joined.members.map(\.memberId), [members[0]], "the straggler is out")
        XCTAssertEqual(d.heartbeat("g", member: members[1], generation: generation), .unknownMemberId)
    }

    func testLeaderThatNeverSyncsIsRemovedAfterTheRebalanceTimeout() {
        var d = GroupDriver()
        let a = d.joinNew("g", client: "a")
        let b = d.joinNew("g", client: "b")
        d.advance(6_000)
        let leader = d.joinResult(a.token)!.leaderId
        let follower = leader == a.memberId ? b.memberId : a.memberId
        let waiting = d.sync("g", member: follower, generation: 1)
        // The leader heartbeats (its assignor is slow) but never sends SyncGroup.
        for _ in 0..<29 {
            d.advance(1_000)
            XCTAssertEqual(d.heartbeat("g", member: leader, generation: 1), .none)
        }
        XCTAssertNil(d.replies[waiting])
        XCTAssertEqual(d.group("g")?.state, .completingRebalance)
        d.advance(1_000)
        XCTAssertEqual(d.syncResult(waiting)?.error, .rebalanceInProgress, "the follower is told to rejoin")
        XCTAssertNil(d.group("g")?.members[leader])
        let rejoin = d.join("g", member: follower)
        XCTAssertEqual(d.joinResult(rejoin)?.leaderId, follower)
        XCTAssertEqual(d.joinResult(rejoin)?.generationId, 2)
    }

    func testStaticMemberRestartKeepsItsAssignmentWithoutARebalance() {
        var d = GroupDriver()
        let j = d.join("g", instance: "host-1", client: "java")
        XCTAssertNil(d.replies[j], "static members skip MEMBER_ID_REQUIRED")
        d.advance(3_000)
        let first = d.joinResult(j)!
        XCTAssertTrue(first.memberId.hasPrefix("host-1-"))
        _ = d.sync("g", member: first.memberId, generation: 1, assignments: [(first.memberId, "mine")], instance: "host-1")
        // The process restarts: same instance id, no member id.
        let again = d.join("g", instance: "host-1", client: "java")
        let second = d.joinResult(again)!
        XCTAssertEqual(second.error, .none)
        XCTAssertNotEqual(second.memberId, first.memberId)
        XCTAssertEqual(second.generationId, 1, "no new generation")
        XCTAssertEqual(d.group("g")?.state, .stable)
        let s = d.sync("g", member: second.memberId, generation: 1, instance: "host-1")
        XCTAssertEqual(d.syncResult(s)?.assignment.string, "mine")
        XCTAssertEqual(d.heartbeat("g", member: first.memberId, generation: 1, instance: "host-1"), .fencedInstanceId)
        XCTAssertEqual(d.heartbeat("g", member: second.memberId, generation: 1, instance: "host-1"), .none)
    }

    func testStaticMembersRemovedByInstanceIdEmptyTheGroupAtOnceSoItCanBeDeleted() {
        var d = GroupDriver()
        let j1 = d.join("g", instance: "host-1", client: "java")
        let j2 = d.join("g", instance: "host-2", client: "java")
        d.advance(6_000)
        let (a, b) = (d.joinResult(j1)!, d.joinResult(j2)!)
        _ = d.sync("g", member: a.memberId, generation: a.generationId, instance: "host-1")
        _ = d.sync("g", member: b.memberId, generation: b.generationId, instance: "host-2")
        // Closing a static member sends nothing (KIP-345): the group keeps both, so it cannot be deleted.
        var t = d.token()
        d.apply(.deleteGroups(token: t, groupIds: ["g"]))
        guard case .deleteGroups(let before)? = d.replies[t] else { return XCTFail("no reply") }
        XCTAssertEqual(before, [.nonEmptyGroup])
        // Removed by instance id alone (an empty member id), as an admin client removes static members.
        let out = d.leave("g", members: [("", "host-1"), ("", "host-2"), ("", "host-3")])
        XCTAssertEqual(out?.members.map(\.error), [.none, .none, .unknownMemberId])
        XCTAssertEqual(d.group("g")?.state, .empty, "no session or rebalance timeout is waited for")
        t = d.token()
        d.apply(.deleteGroups(token: t, groupIds: ["g"]))
        guard case .deleteGroups(let after)? = d.replies[t] else { return XCTFail("no reply") }
        XCTAssertEqual(after, [.none])
        XCTAssertNil(d.group("g"))
    }

    func testBadRequestsGetKafkasErrors() {
        var d = GroupDriver()
        var t = d.join("", client: "x")
        XCTAssertEqual(d.joinResult(t)?.error, .invalidGroupId)
        t = d.join("g", sessionMs: 10)
        XCTAssertEqual(d.joinResult(t)?.error, .invalidSessionTimeout)
        t = d.join("g", member: "ghost")
        XCTAssertEqual(d.joinResult(t)?.error, .unknownMemberId)
        XCTAssertNil(d.group("g"), "refused joins leave no group behind")
        let (members, generation) = stableGroup(&d, "g", count: 2)
        t = d.join("g", protocols: ["other"])
        XCTAssertEqual(d.joinResult(t)?.error, .inconsistentGroupProtocol)
        XCTAssertEqual(d.heartbeat("g", member: "ghost", generation: generation), .unknownMemberId)
        XCTAssertEqual(d.heartbeat("g", member: members[0], generation: generation + 7), .illegalGeneration)
        XCTAssertEqual(d.heartbeat("nosuch", member: members[0], generation: 1), .unknownMemberId)
        t = d.sync("g", member: members[0], generation: 99)
        XCTAssertEqual(d.syncResult(t)?.error, .illegalGeneration)
        XCTAssertEqual(d.commit("g", offsets: [("t", 0, 5)]), [.unknownMemberId], "outsiders may not commit to a live group")
        XCTAssertEqual(d.commit("g", member: members[0], generation: 99, offsets: [("t", 0, 5)]), [.illegalGeneration])
        XCTAssertEqual(d.commit("g", member: members[0], generation: generation, offsets: [("t", 0, 5)], exists: false),
                       [.unknownTopicOrPartition])
        XCTAssertEqual(d.commit("gone", member: "m", generation: 4, offsets: [("t", 0, 5)]), [.illegalGeneration])
        XCTAssertEqual(d.commit("g", member: members[0], generation: generation, offsets: [("t", 0, 5)],
                                metadata: String(repeating: "x", count: 5_000)), [.offsetMetadataTooLarge])
        // A new member makes the group rebalance; until the leader syncs, commits are refused.
        let newcomer = d.joinNew("g", client: "late")
        _ = d.join("g", member: members[0])
        _ = d.join("g", member: members[1])
        XCTAssertEqual(d.group("g")?.state, .completingRebalance)
        XCTAssertEqual(d.commit("g", member: members[0], generation: generation + 1, offsets: [("t", 0, 5)]), [.rebalanceInProgress])
        XCTAssertNotNil(d.joinResult(newcomer.token))
        XCTAssertTrue(d.answeredTwice.isEmpty)
    }

    func testCommitsAreStoredAndLoggedAndDeletedGroupsAreGone() {
        var d = GroupDriver()
        XCTAssertEqual(d.commit("simple", offsets: [("t", 0, 10), ("t", 1, 20)]), [.none, .none])
        XCTAssertEqual(d.group("simple")?.offsets[GroupTopicPartition(topic: "t", partition: 1)]?.offset, 20)
        XCTAssertEqual(d.persisted.count, 2)
        let (members, generation) = stableGroup(&d, "g", count: 1)
        XCTAssertEqual(d.commit("g", member: members[0], generation: generation, offsets: [("t", 0, 7)]), [.none])
        let t = d.token()
        d.apply(.deleteGroups(token: t, groupIds: ["simple", "g", "nosuch"]))
        guard case .deleteGroups(let codes)? = d.replies[t] else { return XCTFail("no reply") }
        XCTAssertEqual(codes, [.none, .nonEmptyGroup, .groupIdNotFound])
        XCTAssertNil(d.group("simple"))
        XCTAssertTrue(d.persisted.contains(.group(groupId: "simple", value: nil)))
        XCTAssertTrue(d.persisted.contains(.offset(groupId: "simple", partition: GroupTopicPartition(topic: "t", partition: 0), value: nil)))
    }

    func testOffsetsOfAnEmptyGroupExpireAfterTheRetention() {
        var d = GroupDriver()
        let (members, generation) = stableGroup(&d, "g", count: 1)
        XCTAssertEqual(d.commit("g", member: members[0], generation: generation, offsets: [("t", 0, 7)]), [.none])
        _ = d.leave("g", members: [(members[0], nil)])
        XCTAssertEqual(d.group("g")?.state, .empty)
        d.advance(59 * 60_000)
        XCTAssertEqual(d.group("g")?.offsets.count, 1, "kept for the retention after the group became empty")
        d.advance(2 * 60_000)
        XCTAssertNil(d.group("g"), "expired, and the empty group with them")
        XCTAssertTrue(d.persisted.contains(.offset(groupId: "g", partition: GroupTopicPartition(topic: "t", partition: 0), value: nil)))
    }

    func testOffsetsOfAStableGroupDoNotExpire() {
        var d = GroupDriver()
        let (members, generation) = stableGroup(&d, "g", count: 1, sessionMs: 60_000)
        XCTAssertEqual(d.commit("g", member: members[0], generation: generation, offsets: [("t", 0, 7)]), [.none])
        for _ in 0..<150 {
            d.advance(30_000)
            XCTAssertEqual(d.heartbeat("g", member: members[0], generation: generation), .none)
        }
        XCTAssertEqual(d.group("g")?.offsets.count, 1)
    }

    func testLogReplayRestoresOffsetsAndGeneration() {
        var d = GroupDriver()
        let (members, generation) = stableGroup(&d, "g", count: 2)
        XCTAssertEqual(d.commit("g", member: members[0], generation: generation, offsets: [("t", 0, 7), ("u", 3, 9)]), [.none, .none])
        XCTAssertEqual(d.commit("simple", offsets: [("t", 0, 1)]), [.none])
        let t = d.token()
        d.apply(.deleteGroups(token: t, groupIds: ["simple"]))
        // Through the bytes, as the log holds them.
        let decoded = d.persisted.map { record -> OffsetLogRecord in
            let (key, value) = record.encode()
            return try! OffsetLogRecord.decode(key: key, value: value)!
        }
        XCTAssertEqual(decoded, d.persisted)
        var restored = GroupCoordinator(config: .testing, now: d.now)
        restored.load(decoded, now: d.now)
        XCTAssertNil(restored.groups["simple"])
        let g = restored.groups["g"]!
        XCTAssertEqual(g.state, .empty)
        XCTAssertEqual(g.generationId, generation)
        XCTAssertEqual(g.protocolType, "consumer")
        XCTAssertEqual(g.offsets[GroupTopicPartition(topic: "u", partition: 3)], d.group("g")!.offsets[GroupTopicPartition(topic: "u", partition: 3)])
        XCTAssertEqual(restored.snapshotRecords.count, 3, "one group record and two offsets")
    }
}
