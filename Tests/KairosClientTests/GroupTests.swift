import KafkaProtocol
import KairosClient
import XCTest

/// Consumer groups (`subscribe`) against the Kairos broker's group coordinator, with each client-side assignor:
/// members split the partitions, a newcomer gets a share, a member that leaves hands its partitions over, and
/// commits are where the next member resumes. (TansuTests checks the same against the peer broker Tansu.)
final class GroupTests: XCTestCase {
    private func member(_ broker: TestBroker, group: String, assignor: String) throws -> KafkaConsumer {
        KafkaConsumer(config: try ConsumerConfig(properties: [
            "bootstrap.servers": broker.address.description, "group.id": group, "auto.offset.reset": "earliest",
            "session.timeout.ms": "10000", "heartbeat.interval.ms": "100", "max.poll.interval.ms": "10000",
            "fetch.max.wait.ms": "20", "partition.assignment.strategy": assignor, "enable.auto.commit": "false",
            "retry.backoff.ms": "20"]))
    }

    /// Polls each consumer in a loop of its own until `done` holds: a JoinGroup is answered only once every
    /// member rejoined, so no member may wait for another's poll to return.
    private func pollEach(_ consumers: [KafkaConsumer], until done: @escaping @Sendable () async -> Bool) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for consumer in consumers {
                group.addTask {
                    for _ in 0..<300 {
                        if await done() { return }
                        _ = try await consumer.poll(timeoutMs: 20)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private static func assignments(_ consumers: [KafkaConsumer]) async -> [[TopicPartition]] {
        var all: [[TopicPartition]] = []
        for consumer in consumers { all.append(await consumer.assignedPartitions) }
        return all
    }

    /// True when the assignments cover `count` partitions, each exactly once, with these sizes in some order.
    private static func isSplit(_ assignments: [[TopicPartition]], count: Int, sizes: [Int]) -> Bool {
        let flat = assignments.flatMap { $0 }
        return flat.count == count && Set(flat).count == count && assignments.map(\.count).sorted() == sizes.sorted()
    }

    func testEveryAssignorSplitsGrowsAndShrinksTheGroup() async throws {
        let broker = try await TestBroker.start(properties: ["group.initial.rebalance.delay.ms": "0"])
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("shared", partitions: 4)
        for assignor in ["range", "roundrobin", "cooperative-sticky"] {
            let group = "g-\(assignor)"
            let a = try member(broker, group: group, assignor: assignor)
            let b = try member(broker, group: group, assignor: assignor)
            try await a.subscribe(["shared"])
            try await b.subscribe(["shared"])
            try await pollEach([a, b]) { Self.isSplit(await Self.assignments([a, b]), count: 4, sizes: [2, 2]) }
            let two = await Self.assignments([a, b])
            XCTAssertTrue(Self.isSplit(two, count: 4, sizes: [2, 2]), "\(assignor): \(two)")

            let c = try member(broker, group: group, assignor: assignor)
            try await c.subscribe(["shared"])
            try await pollEach([a, b, c]) { Self.isSplit(await Self.assignments([a, b, c]), count: 4, sizes: [1, 1, 2]) }
            let three = await Self.assignments([a, b, c])
            XCTAssertTrue(Self.isSplit(three, count: 4, sizes: [1, 1, 2]), "\(assignor): \(three)")
            if assignor == "cooperative-sticky" {
                // Sticky: the old members keep what they can; only the newcomer's partition moved.
                XCTAssertTrue(Set(three[0]).isSubset(of: two[0]), "\(three[0]) not within \(two[0])")
                XCTAssertTrue(Set(three[1]).isSubset(of: two[1]), "\(three[1]) not within \(two[1])")
            }
            let describedGroup = try await admin.describeGroups([group]).first
            XCTAssertEqual(describedGroup?.state, "Stable")
            XCTAssertEqual(describedGroup?.protocolName, assignor)
            XCTAssertEqual(describedGroup?.members.count, 3)

            // A dynamic member leaves (LeaveGroup): its partitions go to the others without waiting for a timeout.
            await c.close(autoCommit: false)
            try await pollEach([a, b]) { Self.isSplit(await Self.assignments([a, b]), count: 4, sizes: [2, 2]) }
            let after = await Self.assignments([a, b])
            XCTAssertTrue(Self.isSplit(after, count: 4, sizes: [2, 2]), "\(assignor) after a leave: \(after)")
            await a.close(autoCommit: false)
            await b.close(autoCommit: false)
        }
        await admin.close()
        await broker.stop()
    }

    func testCooperativeStickyGivesANewcomerAShareWhenTheOwnersHoldTheRoundedUpShare() {
        // a and b own 2 + 2 of 4 partitions; c joins. Balanced is 2/1/1, so one owner must give one up (withheld
        // this round), and c gets it in the next.
        func tps(_ partitions: [Int32]) -> [TopicPartition] { partitions.map { TopicPartition(topic: "t", partition: $0) } }
        func member(_ id: String, owned: [Int32], generation: Int32) -> AssignorMember {
            AssignorMember(memberId: id, subscription: .init(topics: ["t"], ownedPartitions: tps(owned), generationId: generation))
        }
        let first = PartitionAssignors.assign(.cooperativeSticky, members: [
            member("a", owned: [0, 1], generation: 3), member("b", owned: [2, 3], generation: 3),
            member("c", owned: [], generation: -1)], partitionCounts: ["t": 4])
        XCTAssertEqual(first["a"], tps([0, 1]))
        XCTAssertEqual(first["b"], tps([2]), "b keeps its minimum share and revokes 3")
        XCTAssertEqual(first["c"], [], "3 is withheld until b revoked it")
        let second = PartitionAssignors.assign(.cooperativeSticky, members: [
            member("a", owned: [0, 1], generation: 4), member("b", owned: [2], generation: 4),
            member("c", owned: [], generation: 4)], partitionCounts: ["t": 4])
        XCTAssertEqual(second["a"], tps([0, 1]))
        XCTAssertEqual(second["b"], tps([2]))
        XCTAssertEqual(second["c"], tps([3]))
    }

    func testCommittedOffsetsAreWhereTheNextMemberResumes() async throws {
        let broker = try await TestBroker.start(properties: ["group.initial.rebalance.delay.ms": "0"])
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("resume", partitions: 2)
        let producer = try KafkaProducer(config: ProducerConfig(properties: [
            "bootstrap.servers": broker.address.description, "linger.ms": "1"]))
        for i in 0..<20 {
            try await producer.send(ProducerRecord(topic: "resume", partition: Int32(i % 2), value: "r\(i)"), onDelivery: nil)
        }
        await producer.close()
        let p0 = TopicPartition(topic: "resume", partition: 0), p1 = TopicPartition(topic: "resume", partition: 1)

        let first = try member(broker, group: "g-resume", assignor: "range")
        try await first.subscribe(["resume"])
        var read: [ConsumerRecord] = []
        for _ in 0..<200 where read.count < 20 { read += try await first.poll(timeoutMs: 20) }
        XCTAssertEqual(read.count, 20)
        try await first.commit([p0: 4, p1: 7])
        let committed = try await first.committedOffsets([p0, p1])
        XCTAssertEqual(committed, [p0: 4, p1: 7])
        await first.close(autoCommit: false)

        let second = try member(broker, group: "g-resume", assignor: "roundrobin,range")
        try await second.subscribe(["resume"])
        var again: [ConsumerRecord] = []
        for _ in 0..<200 where again.count < 9 { again += try await second.poll(timeoutMs: 20) }
        XCTAssertEqual(again.filter { $0.partition == 0 }.map(\.offset), Array(4..<10))
        XCTAssertEqual(again.filter { $0.partition == 1 }.map(\.offset), Array(7..<10))
        await second.close(autoCommit: false)
        await admin.close()
        await broker.stop()
    }
}
