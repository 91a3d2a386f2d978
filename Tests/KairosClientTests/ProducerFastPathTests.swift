import KafkaProtocol
import KairosClient
import NIOConcurrencyHelpers
import NIOCore
import XCTest

/// A partitioner that leases partitions 0, 1, 2... in turn for `leaseBytes` each and records what it hears.
private final class LeasingPartitioner: Partitioner, Sendable {
    struct Seen {
        var leases: [PartitionLease] = []
        var appended: [(partition: Int32, bytes: Int)] = []
        var perRecordCalls = 0
    }

    let leaseBytes: Int
    let seen = NIOLockedValueBox(Seen())

    init(leaseBytes: Int) { self.leaseBytes = leaseBytes }

    func partition(topic: String, key: ByteBuffer?, partitionCount: Int, loads: any PartitionLoadSource) -> Int32 {
        seen.withLockedValue { $0.perRecordCalls += 1 }
        return 0
    }

    func nullKeyLease(topic: String, partitionCount: Int, loads: any PartitionLoadSource) -> PartitionLease? {
        seen.withLockedValue { seen in
            let lease = PartitionLease(partition: Int32(seen.leases.count % partitionCount), stickyBytes: leaseBytes,
                                       partitionCount: partitionCount)
            seen.leases.append(lease)
            return lease
        }
    }

    func recordAppended(topic: String, partition: Int32, bytes: Int) {
        seen.withLockedValue { $0.appended.append((partition, bytes)) }
    }
}

/// The producer's per-record fast path: partition leases, cached partition counts, and the sender wake-ups.
final class ProducerFastPathTests: XCTestCase {
    private func producerConfig(_ broker: TestBroker, _ properties: [String: String]) throws -> ProducerConfig {
        var props = ["bootstrap.servers": broker.address.description, "client.id": "fast-path-test",
                     "retry.backoff.ms": "20", "request.timeout.ms": "10000", "acks": "1"]
        props.merge(properties) { $1 }
        return try ProducerConfig(properties: props)
    }

    /// Records without a key follow the lease for its bytes, then the partitioner is asked again and hears the
    /// bytes of the run in one call; keyed and explicit records never use the lease.
    func testNullKeyRecordsFollowLeasesAndReportTheirBytes() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("leased", partitions: 3)
        let partitioner = LeasingPartitioner(leaseBytes: 1000)
        var config = try producerConfig(broker, ["linger.ms": "1"])
        config.partitioner = .custom(partitioner)
        let producer = try KafkaProducer(config: config)
        let value = String(repeating: "v", count: 100)
        let partitions = NIOLockedValueBox<[Int: Int32]>([:])
        for i in 0..<100 {
            try await producer.send(ProducerRecord(topic: "leased", value: value)) { report in
                if case .success(let metadata) = report { partitions.withLockedValue { $0[i] = metadata.partition } }
            }
        }
        // A keyed record asks the partitioner itself; an explicit partition asks nobody.
        let keyed = try await producer.send(ProducerRecord(topic: "leased", key: "k", value: value))
        let explicit = try await producer.send(ProducerRecord(topic: "leased", partition: 2, value: value))
        await producer.flush()
        await producer.close()

        XCTAssertEqual(keyed.partition, 0)
        XCTAssertEqual(explicit.partition, 2)
        let byRecord = partitions.withLockedValue { $0 }
        XCTAssertEqual(byRecord.count, 100, "every record is delivered")
        let seen = partitioner.seen.withLockedValue { $0 }
        XCTAssertEqual(seen.perRecordCalls, 1, "only the keyed record asks for a partition")
        // Each lease of 1000 bytes holds the same number of 100-byte records (about 108 bytes each in the batch).
        let run = (0..<100).prefix { byRecord[$0] == byRecord[0] }.count
        XCTAssertTrue((9...10).contains(run), "a 1000-byte lease holds \(run) records")
        for i in 0..<100 {
            XCTAssertEqual(byRecord[i], Int32((i / run) % 3), "record \(i) follows lease \(i / run)")
        }
        XCTAssertEqual(seen.leases.count, (100 + run - 1) / run)
        // Every ended lease was reported in one call with at least its bytes; the last one is still running.
        let leaseReports = seen.appended.filter { $0.bytes >= 1000 }
        XCTAssertEqual(leaseReports.count, seen.leases.count - 1)
        XCTAssertEqual(leaseReports.map(\.partition), (0..<leaseReports.count).map { Int32($0 % 3) })
        await admin.close()
        await broker.stop()
    }

    /// The built-in sticky partitioner, leased, still moves on after `batch.size` bytes and spreads records.
    func testDefaultPartitionerStillSpreadsNullKeyRecords() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("spread", partitions: 4)
        let producer = try KafkaProducer(config: producerConfig(broker, ["linger.ms": "5", "batch.size": "2048"]))
        let counts = NIOLockedValueBox<[Int32: Int]>([:])
        let value = String(repeating: "s", count: 100)
        for _ in 0..<2000 {
            try await producer.send(ProducerRecord(topic: "spread", value: value)) { report in
                if case .success(let metadata) = report { counts.withLockedValue { $0[metadata.partition, default: 0] += 1 } }
            }
        }
        await producer.flush()
        await producer.close()
        let byPartition = counts.withLockedValue { $0 }
        XCTAssertEqual(byPartition.values.reduce(0, +), 2000)
        // About 100 switches among 4 partitions: all of them get records.
        XCTAssertEqual(byPartition.count, 4, "\(byPartition)")
        await admin.close()
        await broker.stop()
    }

    /// With nothing else happening, the linger deadline alone wakes the sender; flush wakes it at once.
    func testLingerDeadlineAndFlushWakeTheSender() async throws {
        let broker = try await TestBroker.start()
        let lingering = try KafkaProducer(config: producerConfig(broker, ["linger.ms": "30"]))
        let first = try await lingering.send(ProducerRecord(topic: "linger", value: "a"))
        let second = try await lingering.send(ProducerRecord(topic: "linger", value: "b"))
        XCTAssertEqual([first.offset, second.offset], [0, 1])
        await lingering.close()

        // A linger of ten minutes: only flush can make the batch ready.
        let patient = try KafkaProducer(config: producerConfig(broker, ["linger.ms": "600000"]))
        let delivered = NIOLockedValueBox(0)
        for _ in 0..<10 {
            try await patient.send(ProducerRecord(topic: "linger", value: "c")) { report in
                if case .success = report { delivered.withLockedValue { $0 += 1 } }
            }
        }
        let started = ContinuousClock.now
        await patient.flush()
        XCTAssertEqual(delivered.withLockedValue { $0 }, 10)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(30))
        await patient.close()
        await broker.stop()
    }

    /// `trySend` works once `partitionCount(of:)` fetched the topic, and refuses a partition out of range.
    func testTrySendAfterPartitionCount() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("try", partitions: 2)
        let producer = try KafkaProducer(config: producerConfig(broker, ["linger.ms": "1"]))
        let count = try await producer.partitionCount(of: "try")
        XCTAssertEqual(count, 2)
        let delivered = NIOLockedValueBox(0)
        for i in 0..<50 {
            try producer.trySend(ProducerRecord(topic: "try", partition: Int32(i % 2), value: "x")) { report in
                if case .success = report { delivered.withLockedValue { $0 += 1 } }
            }
        }
        XCTAssertThrowsError(try producer.trySend(ProducerRecord(topic: "try", partition: 2, value: "x"))) { error in
            XCTAssertFalse((error as? KafkaClientError)?.isRetriable ?? true, "\(error)")
        }
        await producer.flush()
        XCTAssertEqual(delivered.withLockedValue { $0 }, 50)
        await producer.close()
        await admin.close()
        await broker.stop()
    }
}
