import KairosClient
import NIOCore
import XCTest

final class AssignorTests: XCTestCase {
    private func member(_ id: String, _ topics: [String], owned: [TopicPartition] = [], generation: Int32 = -1) -> AssignorMember {
        AssignorMember(memberId: id, subscription: .init(topics: topics, ownedPartitions: owned, generationId: generation))
    }

    private func tps(_ topic: String, _ partitions: [Int32]) -> [TopicPartition] {
        partitions.map { TopicPartition(topic: topic, partition: $0) }
    }

    func testRangeGivesConsecutiveRangesWithTheRemainderFirst() {
        let result = PartitionAssignors.assign(.range, members: [member("b", ["t"]), member("a", ["t"])],
                                               partitionCounts: ["t": 5])
        XCTAssertEqual(result["a"], tps("t", [0, 1, 2]))
        XCTAssertEqual(result["b"], tps("t", [3, 4]))
    }

    func testRoundRobinDealsInTurnAndSkipsUnsubscribedMembers() {
        let result = PartitionAssignors.assign(
            .roundRobin, members: [member("a", ["t", "u"]), member("b", ["t"]), member("c", ["u"])],
            partitionCounts: ["t": 3, "u": 2])
        XCTAssertEqual(result["a"], tps("t", [0, 2]) + tps("u", [1]))
        XCTAssertEqual(result["b"], tps("t", [1]))
        XCTAssertEqual(result["c"], tps("u", [0]))
    }

    func testCooperativeStickyKeepsOwnedPartitionsAndWithholdsMovingOnes() {
        // a owned everything; b joins: a keeps its balanced share, the partitions a must give up are withheld
        // from b in this round (a revokes them first).
        let first = PartitionAssignors.assign(
            .cooperativeSticky, members: [member("a", ["t"], owned: tps("t", [0, 1, 2, 3]), generation: 1), member("b", ["t"])],
            partitionCounts: ["t": 4])
        XCTAssertEqual(first["a"], tps("t", [0, 1]))
        XCTAssertEqual(first["b"], [])
        // Second round: a now owns only 0 and 1; b gets the freed ones.
        let second = PartitionAssignors.assign(
            .cooperativeSticky, members: [member("a", ["t"], owned: tps("t", [0, 1]), generation: 2), member("b", ["t"], generation: 2)],
            partitionCounts: ["t": 4])
        XCTAssertEqual(second["a"], tps("t", [0, 1]))
        XCTAssertEqual(second["b"], tps("t", [2, 3]))
    }

    func testEveryAssignorCoversEachPartitionExactlyOnce() {
        for name in PartitionAssignorName.allCases {
            for memberCount in 1...5 {
                let members = (0..<memberCount).map { member("m\($0)", ["t", "u"]) }
                let result = PartitionAssignors.assign(name, members: members, partitionCounts: ["t": 7, "u": 3])
                let all = result.values.flatMap { $0 }
                XCTAssertEqual(all.count, 10, "\(name) with \(memberCount)")
                XCTAssertEqual(Set(all).count, 10, "\(name) with \(memberCount)")
                let sizes = result.values.map(\.count)
                if name != .range {
                    XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "\(name) must balance: \(sizes)")
                }
            }
        }
    }

    func testConsumerProtocolRoundTrips() throws {
        let subscription = ConsumerProtocol.Subscription(
            topics: ["a", "b"], userData: ByteBuffer(string: "u"), ownedPartitions: tps("a", [1, 0]), generationId: 4)
        for version: Int16 in 0...3 {
            let decoded = try ConsumerProtocol.Subscription(decoding: subscription.encoded(version: version))
            XCTAssertEqual(decoded.topics, ["a", "b"])
            XCTAssertEqual(decoded.userData, ByteBuffer(string: "u"))
            XCTAssertEqual(decoded.ownedPartitions, version >= 1 ? tps("a", [0, 1]) : [])
            XCTAssertEqual(decoded.generationId, version >= 2 ? 4 : -1)
        }
        let assignment = ConsumerProtocol.Assignment(partitions: tps("x", [2]) + tps("a", [0]))
        XCTAssertEqual(try ConsumerProtocol.Assignment(decoding: assignment.encoded()).partitions, tps("a", [0]) + tps("x", [2]))
        XCTAssertEqual(try ConsumerProtocol.Assignment(decoding: ByteBuffer()).partitions, [])
        XCTAssertThrowsError(try ConsumerProtocol.Subscription(decoding: ByteBuffer(bytes: [0, 1, 0])))
    }
}
