import KafkaProtocol
import KairosBroker
import KairosClient
import NIOConcurrencyHelpers
import NIOCore
import XCTest

/// Multi-broker behaviour with scripted brokers in front of one real log: leader moves, a broker going away,
/// lost responses under idempotence, and errors that must not be retried.
final class ClusterTests: XCTestCase {
    private struct Cluster {
        let backend: Broker
        let nodes: [ScriptedBroker]
    }

    /// Two scripted nodes (ids 1 and 2) over one backend; `leader` says who leads partition 0 of `topic` now, and
    /// `produce` decides what node `id` does with a Produce request.
    private func makeCluster(
        topic: String, leader: NIOLockedValueBox<Int32>,
        produce: @escaping @Sendable (_ node: Int32, _ leader: Int32) -> ScriptedBroker.Reply
    ) async throws -> Cluster {
        let backend = try ScriptedBroker.makeBackend()
        let nodes = NIOLockedValueBox<[ScriptedBroker]>([])
        var started: [ScriptedBroker] = []
        for id in Int32(1)...2 {
            let node = try await ScriptedBroker.start(nodeId: id, backend: backend) { header, _ in
                switch ApiKey(rawValue: header.apiKey) {
                case .metadata:
                    return .respond(ScriptedBroker.metadata(
                        brokers: nodes.withLockedValue { $0 }, topic: topic, leaders: [leader.withLockedValue { $0 }]))
                case .produce:
                    return produce(id, leader.withLockedValue { $0 })
                default:
                    return .delegate
                }
            }
            started.append(node)
        }
        nodes.withLockedValue { $0 = started }
        // Create the topic in the backend log through a node.
        let admin = KafkaAdmin(config: started[0].testClientConfig)
        try await admin.createTopics([NewTopic(name: topic, partitions: 1)])
        await admin.close()
        return Cluster(backend: backend, nodes: started)
    }

    private func highWatermark(_ cluster: Cluster, topic: String) async throws -> Int64 {
        let admin = KafkaAdmin(config: cluster.nodes[0].testClientConfig)
        defer { Task { await admin.close() } }
        return try await admin.listOffsets([TopicPartition(topic: topic, partition: 0): .latest]).values.first!.offset
    }

    func testLeaderMoveIsFollowedAfterNotLeaderOrFollower() async throws {
        let leader = NIOLockedValueBox<Int32>(1)
        let cluster = try await makeCluster(topic: "moving", leader: leader) { node, leader in
            node == leader ? .delegate : .respond(ProduceResponse(responses: [.init(
                name: "moving", partitionResponses: [.init(index: 0, errorCode: ErrorCode.notLeaderOrFollower.rawValue)])]))
        }
        let producer = try cluster.nodes[0].testProducer([:])
        for i in 0..<10 {
            let metadata = try await producer.send(ProducerRecord(topic: "moving", value: "a\(i)"))
            XCTAssertEqual(metadata.offset, Int64(i))
        }
        leader.withLockedValue { $0 = 2 }
        for i in 10..<20 {
            let metadata = try await producer.send(ProducerRecord(topic: "moving", value: "b\(i)"))
            XCTAssertEqual(metadata.offset, Int64(i))
        }
        XCTAssertGreaterThan(cluster.nodes[1].count(.produce), 0, "records must reach the new leader")
        XCTAssertGreaterThan(cluster.nodes[0].count(.metadata), 1, "NOT_LEADER_OR_FOLLOWER must refresh metadata")
        let end = try await highWatermark(cluster, topic: "moving")
        XCTAssertEqual(end, 20)
        await producer.close()
        for node in cluster.nodes { await node.stop() }
    }

    func testBrokerGoingAwayFailsOverToTheNewLeader() async throws {
        let leader = NIOLockedValueBox<Int32>(1)
        let cluster = try await makeCluster(topic: "failover", leader: leader) { node, leader in
            node == leader ? .delegate : .drop
        }
        let producer = try cluster.nodes[1].testProducer([:])
        _ = try await producer.send(ProducerRecord(topic: "failover", value: "before"))
        // Node 1 "dies": its connections drop on Produce and the cluster elects node 2.
        leader.withLockedValue { $0 = 2 }
        let metadata = try await producer.send(ProducerRecord(topic: "failover", value: "after"))
        XCTAssertEqual(metadata.offset, 1)
        await producer.close()
        for node in cluster.nodes { await node.stop() }
    }

    func testIdempotentRetriesAfterLostResponsesWriteEachRecordOnce() async throws {
        let leader = NIOLockedValueBox<Int32>(1)
        let produceCount = NIOLockedValueBox(0)
        // Every third Produce request is written to the log but its answer is lost with the connection.
        let cluster = try await makeCluster(topic: "exactly-once", leader: leader) { _, _ in
            let n = produceCount.withLockedValue { $0 += 1; return $0 }
            return n % 3 == 1 ? .delegateThenDrop : .delegate
        }
        let producer = try cluster.nodes[0].testProducer(["enable.idempotence": "true", "acks": "all",
                                                       "max.in.flight.requests.per.connection": "5", "batch.size": "200"])
        let reports = NIOLockedValueBox<[DeliveryReport]>([])
        for i in 0..<200 {
            try await producer.send(ProducerRecord(topic: "exactly-once", key: "k", value: "v\(i)")) { report in
                reports.withLockedValue { $0.append(report) }
            }
        }
        await producer.flush()
        let failures = reports.withLockedValue { $0.filter { if case .failure = $0 { return true } else { return false } } }
        XCTAssertEqual(failures.count, 0, "\(failures.prefix(3))")
        XCTAssertGreaterThan(produceCount.withLockedValue { $0 }, 3, "some responses must have been lost")
        let end = try await highWatermark(cluster, topic: "exactly-once")
        XCTAssertEqual(end, 200, "each record exactly once")
        let read = try await readAll(topic: "exactly-once", from: cluster.nodes[0].address, config: cluster.nodes[0].testClientConfig)
        XCTAssertEqual(read.map(\.value), (0..<200).map { "v\($0)" }, "in send order, without duplicates")
        await producer.close()
        for node in cluster.nodes { await node.stop() }
    }

    func testNonRetriableErrorFailsAtOnce() async throws {
        let leader = NIOLockedValueBox<Int32>(1)
        let cluster = try await makeCluster(topic: "denied", leader: leader) { _, _ in
            .respond(ProduceResponse(responses: [.init(name: "denied", partitionResponses: [
                .init(index: 0, errorCode: ErrorCode.topicAuthorizationFailed.rawValue)])]))
        }
        let producer = try cluster.nodes[0].testProducer(["enable.idempotence": "false", "acks": "1"])
        do {
            _ = try await producer.send(ProducerRecord(topic: "denied", value: "x"))
            XCTFail("must fail")
        } catch let error as KafkaClientError {
            XCTAssertEqual(error.errorCode, .topicAuthorizationFailed)
            XCTAssertFalse(error.isRetriable)
        }
        XCTAssertEqual(cluster.nodes[0].count(.produce), 1, "a non-retriable error must not be retried")
        await producer.close()
        for node in cluster.nodes { await node.stop() }
    }

    func testRetriesAreBoundedByDeliveryTimeout() async throws {
        let leader = NIOLockedValueBox<Int32>(1)
        let cluster = try await makeCluster(topic: "stuck", leader: leader) { _, _ in
            .respond(ProduceResponse(responses: [.init(name: "stuck", partitionResponses: [
                .init(index: 0, errorCode: ErrorCode.notEnoughReplicas.rawValue)])]))
        }
        let producer = try cluster.nodes[0].testProducer(["enable.idempotence": "false", "acks": "all",
                                                       "delivery.timeout.ms": "300"])
        let started = ContinuousClock.now
        do {
            _ = try await producer.send(ProducerRecord(topic: "stuck", value: "x"))
            XCTFail("must fail")
        } catch let error as KafkaClientError {
            // Either the last attempt's error, or the expiry naming it.
            XCTAssertTrue(error.errorCode == .notEnoughReplicas || "\(error)".contains("NOT_ENOUGH_REPLICAS"), "\(error)")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        XCTAssertGreaterThan(cluster.nodes[0].count(.produce), 2, "a retriable error is retried")
        await producer.close()
        for node in cluster.nodes { await node.stop() }
    }
}
