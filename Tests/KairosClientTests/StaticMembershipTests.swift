import KafkaProtocol
import KairosClient
import XCTest

/// Static membership (`group.instance.id`, KIP-345) against the Kairos broker's group coordinator: a restarted
/// member gets its partitions back without a rebalance of the others, and a second process with the same
/// instance id fences the first.
final class StaticMembershipTests: XCTestCase {
    private let topic = "static"

    private func member(_ broker: TestBroker, group: String, instance: String) throws -> KafkaConsumer {
        KafkaConsumer(config: try ConsumerConfig(properties: [
            "bootstrap.servers": broker.address.description, "group.id": group, "group.instance.id": instance,
            "client.id": "static-\(instance)", "session.timeout.ms": "10000", "heartbeat.interval.ms": "100",
            // Also the rebalance timeout: a member that stops polling holds a rebalance up this long at most.
            "max.poll.interval.ms": "10000",
            "fetch.max.wait.ms": "20", "auto.offset.reset": "earliest", "enable.auto.commit": "false",
            "partition.assignment.strategy": "range", "retry.backoff.ms": "20"]))
    }

    /// Polls every consumer in a loop of its own until `done` holds (or `rounds` polls each): a member's JoinGroup
    /// is answered only once every member rejoined, so no consumer may wait for another's poll to return.
    private func pollTogether(_ consumers: [KafkaConsumer], rounds: Int = 100,
                              until done: @escaping @Sendable () async -> Bool) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for consumer in consumers {
                group.addTask {
                    for _ in 0..<rounds {
                        if await done() { return }
                        _ = try await consumer.poll(timeoutMs: 20)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private static func assignmentCounts(_ consumers: [KafkaConsumer]) async -> [Int] {
        var counts: [Int] = []
        for consumer in consumers { counts.append(await consumer.assignedPartitions.count) }
        return counts
    }

    func testRestartedStaticMemberGetsItsPartitionsBackAndADuplicateIsFenced() async throws {
        let broker = try await TestBroker.start(properties: ["group.initial.rebalance.delay.ms": "0"])
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic(topic, partitions: 4)
        let group = "static-group"

        let a = try member(broker, group: group, instance: "a")
        let b = try member(broker, group: group, instance: "b")
        try await a.subscribe([topic])
        try await b.subscribe([topic])
        try await pollTogether([a, b]) { await Self.assignmentCounts([a, b]) == [2, 2] }
        let aPartitions = await a.assignedPartitions
        let bPartitions = await b.assignedPartitions
        XCTAssertEqual(aPartitions.count, 2)
        XCTAssertEqual(Set(aPartitions).union(bPartitions).count, 4, "the two members split the four partitions")
        let aMeta = await a.groupMetadata, bMeta = await b.groupMetadata
        let aBefore = try XCTUnwrap(aMeta)
        let bBefore = try XCTUnwrap(bMeta)
        XCTAssertGreaterThanOrEqual(bBefore.generationId, 1)
        XCTAssertEqual(aBefore.generationId, bBefore.generationId)

        // "a" restarts: a static member sends no LeaveGroup, so its place waits session.timeout.ms for it.
        await a.close(autoCommit: false)
        let described = try await admin.describeGroups([group])
        XCTAssertEqual(described.first?.members.count, 2, "the closed static member is still in the group")
        let restarted = try member(broker, group: group, instance: "a")
        try await restarted.subscribe([topic])
        try await pollTogether([restarted, b]) { await restarted.assignedPartitions.count == 2 }
        let restartedPartitions = await restarted.assignedPartitions
        XCTAssertEqual(restartedPartitions, aPartitions, "the same partitions come back to the same instance id")
        let restartedMetaOptional = await restarted.groupMetadata
        let restartedMeta = try XCTUnwrap(restartedMetaOptional)
        XCTAssertNotEqual(restartedMeta.memberId, aBefore.memberId, "the new process gets a new member id")
        XCTAssertEqual(restartedMeta.generationId, bBefore.generationId, "no new generation")
        // Let b heartbeat several times: a rebalance would show up as REBALANCE_IN_PROGRESS and a rejoin.
        for _ in 0..<10 { _ = try await b.poll(timeoutMs: 50) }
        let bAfterRestart = await b.groupMetadata
        XCTAssertEqual(bAfterRestart, bBefore, "b was not rebalanced: same generation, same member id")
        let bPartitionsAfterRestart = await b.assignedPartitions
        XCTAssertEqual(bPartitionsAfterRestart, bPartitions)

        // A second process with instance id "a" while the first is alive: the newcomer takes the place, and the
        // member it replaced is fenced on its next heartbeat.
        let duplicate = try member(broker, group: group, instance: "a")
        try await duplicate.subscribe([topic])
        try await pollTogether([duplicate, b]) { await duplicate.assignedPartitions.count == 2 }
        let duplicatePartitions = await duplicate.assignedPartitions
        XCTAssertEqual(duplicatePartitions, aPartitions)
        var fencedError: KafkaClientError?
        for _ in 0..<100 where fencedError == nil {
            do {
                _ = try await restarted.poll(timeoutMs: 20)
                try await Task.sleep(for: .milliseconds(20))
            } catch let error as KafkaClientError {
                fencedError = error
            }
        }
        XCTAssertEqual(fencedError?.errorCode, .fencedInstanceId, "\(String(describing: fencedError))")
        let fencedAssignment = await restarted.assignedPartitions
        XCTAssertEqual(fencedAssignment, [], "a fenced member gives up its partitions")
        // Fatal: polling again does not take the instance id back from the newcomer.
        do {
            _ = try await restarted.poll(timeoutMs: 20)
            XCTFail("a fenced member must keep failing")
        } catch let error as KafkaClientError {
            XCTAssertEqual(error.errorCode, .fencedInstanceId)
        }
        do {
            try await restarted.commit([TopicPartition(topic: topic, partition: 0): 0])
            XCTFail("a fenced member cannot commit")
        } catch let error as KafkaClientError {
            XCTAssertEqual(error.errorCode, .fencedInstanceId)
        }
        for _ in 0..<5 { _ = try await duplicate.poll(timeoutMs: 50) }
        let duplicateStillHolds = await duplicate.assignedPartitions
        XCTAssertEqual(duplicateStillHolds, aPartitions)
        for _ in 0..<5 { _ = try await b.poll(timeoutMs: 50) }
        let bAtEnd = await b.groupMetadata
        XCTAssertEqual(bAtEnd, bBefore, "the fencing did not rebalance b either")
        let members = try await admin.describeGroups([group]).first?.members ?? []
        XCTAssertEqual(Set(members.compactMap(\.groupInstanceId)), ["a", "b"])
        let duplicateMemberId = await duplicate.groupMetadata?.memberId
        XCTAssertEqual(members.first { $0.groupInstanceId == "a" }?.memberId, duplicateMemberId)

        await restarted.close(autoCommit: false)
        await duplicate.close(autoCommit: false)
        await b.close(autoCommit: false)
        await admin.close()
        await broker.stop()
    }

    func testStaticMemberThatStaysAwayPastTheSessionTimeoutIsReplacedByARebalance() async throws {
        let broker = try await TestBroker.start(properties: [
            "group.initial.rebalance.delay.ms": "0", "group.min.session.timeout.ms": "500"])
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic(topic, partitions: 4)
        let group = "static-expiry"
        func shortSession(_ instance: String) throws -> KafkaConsumer {
            KafkaConsumer(config: try ConsumerConfig(properties: [
                "bootstrap.servers": broker.address.description, "group.id": group, "group.instance.id": instance,
                "session.timeout.ms": "800", "heartbeat.interval.ms": "100", "fetch.max.wait.ms": "20",
                "max.poll.interval.ms": "10000",
                "enable.auto.commit": "false", "partition.assignment.strategy": "range", "retry.backoff.ms": "20"]))
        }
        let a = try shortSession("a"), b = try shortSession("b")
        try await a.subscribe([topic])
        try await b.subscribe([topic])
        try await pollTogether([a, b]) { await Self.assignmentCounts([a, b]) == [2, 2] }
        let first = await b.groupMetadata
        let generation = try XCTUnwrap(first).generationId
        await a.close(autoCommit: false)
        // Without a LeaveGroup only the session timeout removes "a"; then b gets every partition.
        try await pollTogether([b], rounds: 200) { await b.assignedPartitions.count == 4 }
        let bPartitions = await b.assignedPartitions
        XCTAssertEqual(bPartitions.count, 4)
        let second = await b.groupMetadata
        let later = try XCTUnwrap(second).generationId
        XCTAssertGreaterThan(later, generation)
        await b.close(autoCommit: false)
        await admin.close()
        await broker.stop()
    }
}
