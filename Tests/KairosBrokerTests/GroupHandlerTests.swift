import KafkaProtocol
import NIOCore
import NIOEmbedded
import XCTest

@testable import KairosBroker

/// The group APIs over the wire format, through `Broker.handle`, with deferred replies and a virtual clock.
final class GroupHandlerTests: XCTestCase {
    /// Sends a request whose answer may be deferred; returns a box that fills when it completes.
    private func send<R: KafkaRequestMessage>(_ h: BrokerHarness, _ request: R, version: Int16) -> ReplyBox {
        let box = ReplyBox()
        switch h.broker.handle(frame: h.frame(request, version: version), context: h.context) {
        case .deferred(let future): future.whenSuccess { box.reply = $0 }
        case let reply: box.reply = reply
        }
        h.loop.run()
        return box
    }

    private func decode<M: KafkaMessage>(_ h: BrokerHarness, _ box: ReplyBox, as: M.Type, version: Int16) throws -> M {
        let reply = try XCTUnwrap(box.reply, "no reply yet")
        return try h.decode(reply, as: M.self, apiKey: M.apiKey, version: version)
    }

    private func tick(_ h: BrokerHarness, ms: Int64) {
        var left = ms
        while left > 0 {
            h.clock.nowMs += 100
            left -= 100
            h.broker.tickGroups()
        }
        h.loop.run()
    }

    func testGroupApisAreAdvertisedAtTheirFullRanges() throws {
        let h = try BrokerHarness()
        let response = try h.call(ApiVersionsRequest(), version: 3)
        let ranges = Dictionary(uniqueKeysWithValues: response.apiKeys.map { ($0.apiKey, $0.minVersion...$0.maxVersion) })
        XCTAssertEqual(ranges[ApiKey.joinGroup.rawValue], 0...9)
        XCTAssertEqual(ranges[ApiKey.offsetFetch.rawValue], 0...8)
        XCTAssertEqual(ranges[ApiKey.findCoordinator.rawValue], 0...4)
        XCTAssertEqual(ranges[ApiKey.offsetDelete.rawValue], 0...0)
    }

    func testFindCoordinatorNamesThisBroker() throws {
        let h = try BrokerHarness()
        let v3 = try h.call(FindCoordinatorRequest(key: "g", keyType: 0), version: 3)
        XCTAssertEqual(v3.errorCode, 0)
        XCTAssertEqual(v3.nodeId, h.broker.config.nodeId)
        XCTAssertEqual(v3.port, h.broker.advertisedAddress.port)
        let v4 = try h.call(FindCoordinatorRequest(keyType: 0, coordinatorKeys: ["a", "b"]), version: 4)
        XCTAssertEqual(v4.coordinators.map(\.key), ["a", "b"])
        let txn = try h.call(FindCoordinatorRequest(key: "tx", keyType: 1), version: 2)
        XCTAssertEqual(txn.errorCode, 0, "this broker coordinates transactional ids too")
        XCTAssertEqual(txn.nodeId, h.broker.config.nodeId)
        let unknown = try h.call(FindCoordinatorRequest(key: "x", keyType: 7), version: 2)
        XCTAssertEqual(unknown.errorCode, ErrorCode.invalidRequest.rawValue)
    }

    func testJoinSyncDescribeListLeaveOverTheWire() throws {
        let h = try BrokerHarness()
        let protocols = [JoinGroupRequest.JoinGroupRequestProtocol(name: "range", metadata: ByteBuffer(bytes: [0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 0]))]
        var join = JoinGroupRequest(groupId: "g", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, memberId: "",
                                    protocolType: "consumer", protocols: protocols)
        let first = try decode(h, send(h, join, version: 7), as: JoinGroupResponse.self, version: 7)
        XCTAssertEqual(first.errorCode, ErrorCode.memberIdRequired.rawValue)
        XCTAssertTrue(first.memberId.hasPrefix("harness-"), "the id starts with the client id")
        join.memberId = first.memberId
        let parked = send(h, join, version: 7)
        XCTAssertNil(parked.reply, "JoinGroup waits for the initial rebalance delay")
        tick(h, ms: 3_000)
        let joined = try decode(h, parked, as: JoinGroupResponse.self, version: 7)
        XCTAssertEqual(joined.errorCode, 0)
        XCTAssertEqual(joined.generationId, 1)
        XCTAssertEqual(joined.protocolType, "consumer")
        XCTAssertEqual(joined.members.map(\.memberId), [first.memberId])
        let sync = SyncGroupRequest(groupId: "g", generationId: 1, memberId: first.memberId, protocolType: "consumer",
                                    protocolName: "range", assignments: [.init(memberId: first.memberId, assignment: ByteBuffer(string: "A"))])
        let synced = try decode(h, send(h, sync, version: 5), as: SyncGroupResponse.self, version: 5)
        XCTAssertEqual(synced.assignment, ByteBuffer(string: "A"))
        XCTAssertEqual(synced.protocolName, "range")
        let beat = try h.call(HeartbeatRequest(groupId: "g", generationId: 1, memberId: first.memberId), version: 4)
        XCTAssertEqual(beat.errorCode, 0)
        let described = try h.call(DescribeGroupsRequest(groups: ["g", "nosuch"], includeAuthorizedOperations: true), version: 5)
        XCTAssertEqual(described.groups[0].groupState, "Stable")
        XCTAssertEqual(described.groups[0].protocolData, "range")
        XCTAssertEqual(described.groups[0].members.first?.clientId, "harness")
        XCTAssertEqual(described.groups[0].members.first?.memberAssignment, ByteBuffer(string: "A"))
        XCTAssertEqual(described.groups[1].groupState, "Dead")
        let listed = try h.call(ListGroupsRequest(statesFilter: ["stable"]), version: 4)
        XCTAssertEqual(listed.groups.map(\.groupId), ["g"])
        let typed = try h.call(ListGroupsRequest(statesFilter: ["Stable"], typesFilter: ["Classic"]), version: 5)
        XCTAssertEqual(typed.groups.map(\.groupId), ["g"])
        XCTAssertEqual(typed.groups.map(\.groupType), ["classic"], "v5 names the type")
        XCTAssertEqual(try h.call(ListGroupsRequest(typesFilter: ["consumer"]), version: 5).groups.count, 0,
                       "no group uses the new consumer protocol")
        XCTAssertEqual(try h.call(ListGroupsRequest(statesFilter: ["Empty"], typesFilter: ["classic"]), version: 5).groups.count, 0)
        let left = try h.call(LeaveGroupRequest(groupId: "g", memberId: first.memberId), version: 1)
        XCTAssertEqual(left.errorCode, 0)
        let again = try h.call(LeaveGroupRequest(groupId: "g", members: [.init(memberId: first.memberId)]), version: 5)
        XCTAssertEqual(again.members.first?.errorCode, ErrorCode.unknownMemberId.rawValue)
        XCTAssertEqual(try h.call(ListGroupsRequest(statesFilter: ["Empty"]), version: 4).groups.map(\.groupState), ["Empty"])
    }

    func testOffsetCommitAndFetchAcrossVersions() throws {
        let h = try BrokerHarness()
        try h.createTopic("t", partitions: 2)
        let commit = OffsetCommitRequest(
            groupId: "g", generationIdOrMemberEpoch: -1, memberId: "",
            topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 5, committedMetadata: "m"),
                                                   .init(partitionIndex: 9, committedOffset: 1)]),
                     .init(name: "nosuch", partitions: [.init(partitionIndex: 0, committedOffset: 1)])])
        let committed = try decode(h, send(h, commit, version: 8), as: OffsetCommitResponse.self, version: 8)
        XCTAssertEqual(committed.topics.map { $0.partitions.map(\.errorCode) },
                       [[0, ErrorCode.unknownTopicOrPartition.rawValue], [ErrorCode.unknownTopicOrPartition.rawValue]])
        let v1 = try h.call(OffsetFetchRequest(groupId: "g", topics: [.init(name: "t", partitionIndexes: [0, 1])]), version: 1)
        XCTAssertEqual(v1.topics[0].partitions.map(\.committedOffset), [42, -1])
        XCTAssertEqual(v1.topics[0].partitions[0].metadata, "m")
        let all = try h.call(OffsetFetchRequest(groupId: "g", topics: nil), version: 7)
        XCTAssertEqual(all.topics.map(\.name), ["t"])
        XCTAssertEqual(all.topics[0].partitions[0].committedLeaderEpoch, 5)
        let batch = try h.call(OffsetFetchRequest(groups: [.init(groupId: "g", topics: nil), .init(groupId: "other", topics: [.init(name: "t", partitionIndexes: [0])])]), version: 8)
        XCTAssertEqual(batch.groups.map(\.groupId), ["g", "other"])
        XCTAssertEqual(batch.groups[0].topics.first?.partitions.first?.committedOffset, 42)
        XCTAssertEqual(batch.groups[1].topics.first?.partitions.first?.committedOffset, -1)
    }

    func testDeleteOffsetsThenTheGroup() throws {
        let h = try BrokerHarness()
        try h.createTopic("t", partitions: 2)
        let commit = OffsetCommitRequest(groupId: "g", topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, committedOffset: 1), .init(partitionIndex: 1, committedOffset: 2)])])
        _ = try decode(h, send(h, commit, version: 2), as: OffsetCommitResponse.self, version: 2)
        let deleteOffsets = OffsetDeleteRequest(groupId: "g", topics: [.init(name: "t", partitions: [.init(partitionIndex: 0)])])
        let deleted = try decode(h, send(h, deleteOffsets, version: 0), as: OffsetDeleteResponse.self, version: 0)
        XCTAssertEqual(deleted.errorCode, 0)
        XCTAssertEqual(deleted.topics.first?.partitions.first?.errorCode, 0)
        let fetched = try h.call(OffsetFetchRequest(groupId: "g", topics: nil), version: 5)
        XCTAssertEqual(fetched.topics.first?.partitions.map(\.partitionIndex), [1])
        let groups = try decode(h, send(h, DeleteGroupsRequest(groupsNames: ["g", "g"]), version: 2), as: DeleteGroupsResponse.self, version: 2)
        XCTAssertEqual(groups.results.map(\.errorCode), [0, ErrorCode.groupIdNotFound.rawValue])
        XCTAssertEqual(try h.call(ListGroupsRequest(), version: 3).groups.count, 0)
    }

    func testTheOffsetsLogIsNoUserTopic() throws {
        let h = try BrokerHarness()
        let request = CreateTopicsRequest(topics: [.init(name: "__consumer_offsets", numPartitions: 1, replicationFactor: 1)], timeoutMs: 1000)
        XCTAssertEqual(try h.call(request, version: 7).topics.first?.errorCode, ErrorCode.topicAlreadyExists.rawValue)
        XCTAssertFalse(try h.call(MetadataRequest(topics: nil), version: 12).topics.contains { $0.name == "__consumer_offsets" })
    }
}

/// Where a possibly deferred reply lands.
final class ReplyBox: @unchecked Sendable {
    var reply: BrokerReply?
}
