import KafkaProtocol
import NIOCore
import NIOEmbedded
import XCTest

@testable import KairosBroker

/// The KairosPartitionLoad API through `Broker.handle` on a virtual clock: produce and fetch from several
/// connections, a consumer group assigned a partition, another that only committed, then the rates,
/// connections, members and lags the API reports.
final class PartitionLoadApiTests: XCTestCase {
    private func context(_ h: BrokerHarness, connection: UInt64) -> RequestContext {
        RequestContext(connectionId: connection, eventLoop: h.loop, peer: "test-\(connection)")
    }

    /// Sends `request` on `connection` and returns the reply once it completed (running deferred ones).
    private func send<R: KafkaRequestMessage>(_ h: BrokerHarness, _ request: R, version: Int16, connection: UInt64 = 1) -> BrokerReply? {
        var result: BrokerReply?
        switch h.broker.handle(frame: h.frame(request, version: version), context: context(h, connection: connection)) {
        case .deferred(let future): future.whenSuccess { result = $0 }
        case let reply: result = reply
        }
        h.loop.run()
        return result
    }

    private func produce(_ h: BrokerHarness, partition: Int32, records: Int, connection: UInt64) throws {
        let batch = TestBatch.make((0..<records).map { (key: nil, value: "v\($0)") })
        let request = ProduceRequest(transactionalId: nil, acks: -1, timeoutMs: 1000,
                                     topicData: [.init(name: "t", partitionData: [.init(index: partition, records: batch)])])
        let reply = try XCTUnwrap(send(h, request, version: 9, connection: connection))
        let response = try h.decode(reply, as: ProduceResponse.self, apiKey: .produce, version: 9)
        XCTAssertEqual(response.responses[0].partitionResponses[0].errorCode, 0)
    }

    /// A consumer-protocol assignment of `partitions` of topic t.
    private func assignment(_ partitions: [Int32]) -> ByteBuffer {
        var b = ByteBuffer()
        b.writeInteger(Int16(0))
        b.writeInteger(Int32(1))
        b.writeInteger(Int16(1))
        b.writeString("t")
        b.writeInteger(Int32(partitions.count))
        for p in partitions { b.writeInteger(p) }
        b.writeInteger(Int32(-1))  // no user data
        return b
    }

    /// Joins group `slow` with one member and assigns it `partitions` of t.
    private func joinSlowGroup(_ h: BrokerHarness, partitions: [Int32]) throws {
        let metadata = ByteBuffer(bytes: [0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 0])
        var join = JoinGroupRequest(groupId: "slow", sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 20_000, memberId: "",
                                    protocolType: "consumer", protocols: [.init(name: "range", metadata: metadata)])
        let first = try h.decode(try XCTUnwrap(send(h, join, version: 7)), as: JoinGroupResponse.self, apiKey: .joinGroup, version: 7)
        join.memberId = first.memberId
        var parked: BrokerReply?
        if case .deferred(let future) = h.broker.handle(frame: h.frame(join, version: 7), context: h.context) {
            future.whenSuccess { parked = $0 }
        }
        for _ in 0..<30 { h.clock.nowMs += 100; h.broker.tickGroups() }
        h.loop.run()
        _ = try h.decode(try XCTUnwrap(parked, "join answered"), as: JoinGroupResponse.self, apiKey: .joinGroup, version: 7)
        let sync = SyncGroupRequest(groupId: "slow", generationId: 1, memberId: first.memberId, protocolType: "consumer",
                                    protocolName: "range", assignments: [.init(memberId: first.memberId, assignment: assignment(partitions))])
        let synced = try h.decode(try XCTUnwrap(send(h, sync, version: 5)), as: SyncGroupResponse.self, apiKey: .syncGroup, version: 5)
        XCTAssertEqual(synced.errorCode, 0)
    }

    func testTheApiIsAdvertisedBesideKafkasOwn() throws {
        let h = try BrokerHarness()
        let versions = try h.call(ApiVersionsRequest(), version: 3)
        let load = try XCTUnwrap(versions.apiKeys.first { $0.apiKey == 10000 })
        XCTAssertEqual(load.minVersion, 0)
        XCTAssertEqual(load.maxVersion, 0)
    }

    func testProduceFetchAndGroupsShowUpAsRatesConnectionsMembersAndLag() throws {
        let h = try BrokerHarness()
        try h.createTopic("t", partitions: 3)
        try joinSlowGroup(h, partitions: [0])
        // The first reading sets the rate reference; everything after it is measured against it.
        _ = try h.call(KairosPartitionLoadRequest(topics: nil), version: 0)
        try produce(h, partition: 0, records: 10, connection: 11)
        try produce(h, partition: 0, records: 6, connection: 12)
        try produce(h, partition: 1, records: 4, connection: 11)
        let fetch = FetchRequest(maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
                                 topics: [.init(topic: "t", partitions: [.init(partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20)])])
        XCTAssertNotNil(send(h, fetch, version: 12, connection: 21))
        // A group that committed offset 3 of partition 0 and then went quiet: lag 16 − 3.
        let commit = OffsetCommitRequest(groupId: "lazy", generationIdOrMemberEpoch: -1, memberId: "",
                                         topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, committedOffset: 3)])])
        XCTAssertNotNil(send(h, commit, version: 8))
        h.clock.nowMs += 2000

        let load = try h.call(KairosPartitionLoadRequest(topics: [.init(name: "t")]), version: 0)
        XCTAssertEqual(load.errorCode, 0)
        XCTAssertEqual(load.windowMs, 2000)
        let partitions = try XCTUnwrap(load.topics.first { $0.name == "t" }).partitions
        XCTAssertEqual(partitions.map(\.partitionIndex), [0, 1, 2])
        let hot = partitions[0]
        XCTAssertEqual(hot.recordsInPerSec, 8, accuracy: 1e-9, "16 records in 2 s")
        XCTAssertGreaterThan(hot.bytesInPerSec, 0)
        XCTAssertEqual(hot.recordsOutPerSec, 8, accuracy: 1e-9, "the fetch returned both batches")
        XCTAssertEqual(hot.producingConnections, 2)
        XCTAssertEqual(hot.fetchingConnections, 1)
        XCTAssertEqual(hot.fetchingMembers, 1)
        XCTAssertEqual(hot.highWatermark, 16)
        XCTAssertEqual(hot.groups.map(\.groupId), ["lazy", "slow"])
        XCTAssertEqual(hot.groups[0].committedOffset, 3)
        XCTAssertEqual(hot.groups[0].lag, 13)
        XCTAssertEqual(hot.groups[0].members, 0)
        XCTAssertEqual(hot.groups[1].members, 1)
        XCTAssertEqual(hot.groups[1].committedOffset, -1)
        XCTAssertEqual(hot.groups[1].lag, 16, "no commit yet: everything from the log start is owed")
        XCTAssertEqual(partitions[1].recordsInPerSec, 2, accuracy: 1e-9)
        XCTAssertEqual(partitions[1].producingConnections, 1)
        XCTAssertEqual(partitions[1].fetchingMembers, 0)
        XCTAssertEqual(partitions[2].recordsInPerSec, 0)
        XCTAssertEqual(partitions[2].producingConnections, 0)
        XCTAssertEqual(partitions[2].groups, [])

        // Quiet for two more windows: the rates fall to zero, the lag stays.
        h.clock.nowMs += 2000
        _ = try h.call(KairosPartitionLoadRequest(topics: nil), version: 0)
        h.clock.nowMs += 2000
        let quiet = try h.call(KairosPartitionLoadRequest(topics: nil), version: 0)
        XCTAssertEqual(quiet.topics[0].partitions[0].recordsInPerSec, 0)
        XCTAssertEqual(quiet.topics[0].partitions[0].groups[0].lag, 13)
    }

    func testAnUnknownTopicIsNamedWithItsError() throws {
        let h = try BrokerHarness()
        try h.createTopic("t", partitions: 1)
        let load = try h.call(KairosPartitionLoadRequest(topics: [.init(name: "t"), .init(name: "nosuch")]), version: 0)
        XCTAssertEqual(load.topics.map(\.name), ["t", "nosuch"])
        XCTAssertEqual(load.topics[1].errorCode, ErrorCode.unknownTopicOrPartition.rawValue)
        XCTAssertEqual(load.topics[1].partitions, [])
    }
}
