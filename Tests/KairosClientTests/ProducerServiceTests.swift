import KafkaProtocol
import KairosClient
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import XCTest

/// `KafkaProducer` and `KafkaConsumer` as swift-service-lifecycle services: graceful shutdown of their service group
/// sends what the producer still buffers (and commits what the consumer read) before `run()` returns.
final class ProducerServiceTests: XCTestCase {
    private var logger: Logger {
        var logger = Logger(label: "service-test")
        logger.logLevel = .critical
        return logger
    }

    func testGracefulShutdownSendsEverythingBufferedBeforeRunReturns() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("svc", partitions: 1)
        // A linger far longer than the test: without the shutdown's flush nothing would go out.
        let producer = try KafkaProducer(config: ProducerConfig(properties: [
            "bootstrap.servers": broker.address.description, "linger.ms": "600000", "batch.size": "1000000"]))
        let group = ServiceGroup(services: [producer], logger: logger)
        let run = Task { try await group.run() }

        let delivered = NIOLockedValueBox<[Int64]>([])
        let failed = NIOLockedValueBox(0)
        for i in 0..<500 {
            try await producer.send(ProducerRecord(topic: "svc", partition: 0, value: "r\(i)")) { report in
                switch report {
                case .success(let metadata): delivered.withLockedValue { $0.append(metadata.offset) }
                case .failure: failed.withLockedValue { $0 += 1 }
                }
            }
        }
        XCTAssertEqual(delivered.withLockedValue { $0.count }, 0, "all buffered, lingering")

        await group.triggerGracefulShutdown()
        try await run.value
        XCTAssertEqual(delivered.withLockedValue { $0.sorted() }, Array(0..<500), "every record acknowledged before run returned")
        XCTAssertEqual(failed.withLockedValue { $0 }, 0)
        let read = try await readAll(topic: "svc", from: broker.address, config: broker.clientConfig)
        XCTAssertEqual(read.map(\.value), (0..<500).map { "r\($0)" })
        do {
            try await producer.send(ProducerRecord(topic: "svc", partition: 0, value: "late"), onDelivery: nil)
            XCTFail("a producer shut down takes no records")
        } catch let error as KafkaClientError {
            XCTAssertTrue(error.isClosed, "\(error)")
        }
        await admin.close()
        await broker.stop()
    }

    func testCloseEndsRunAndCancellationClosesAtOnce() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("svc-cancel", partitions: 1)
        let config = try ProducerConfig(properties: [
            "bootstrap.servers": broker.address.description, "linger.ms": "600000", "batch.size": "1000000"])

        // A close from elsewhere ends run().
        let closed = try KafkaProducer(config: config)
        let closedRun = Task { try await closed.run() }
        try await closed.send(ProducerRecord(topic: "svc-cancel", partition: 0, value: "a"), onDelivery: nil)
        await closed.close()
        try await closedRun.value

        // Cancellation ends run() without waiting for the linger: every record gets its report (sent or closed).
        let producer = try KafkaProducer(config: config)
        let run = Task { try await producer.run() }
        let reports = NIOLockedValueBox(0)
        for i in 0..<100 {
            try await producer.send(ProducerRecord(topic: "svc-cancel", partition: 0, value: "c\(i)")) { _ in
                reports.withLockedValue { $0 += 1 }
            }
        }
        let started = ContinuousClock.now
        run.cancel()
        try await run.value
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(30), "cancellation does not wait out linger.ms")
        // A batch the sender took before the close gave up reports when its answer comes, possibly after run().
        for _ in 0..<500 where reports.withLockedValue({ $0 }) < 100 { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertEqual(reports.withLockedValue { $0 }, 100, "every record hears its fate: sent, or failed with closed")
        await admin.close()
        await broker.stop()
    }

    func testConsumerShutdownCommitsWhatWasReadAndEndsIteration() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("svc-read", partitions: 1)
        let producer = try KafkaProducer(config: ProducerConfig(properties: ["bootstrap.servers": broker.address.description]))
        for i in 0..<50 { _ = try await producer.send(ProducerRecord(topic: "svc-read", partition: 0, value: "v\(i)")) }
        await producer.close()

        let consumerProperties = [
            "bootstrap.servers": broker.address.description, "group.id": "svc-group", "auto.offset.reset": "earliest",
            "enable.auto.commit": "true", "auto.commit.interval.ms": "600000", "fetch.max.wait.ms": "20",
            "heartbeat.interval.ms": "100", "session.timeout.ms": "10000", "retry.backoff.ms": "20"]
        let consumer = KafkaConsumer(config: try ConsumerConfig(properties: consumerProperties))
        try await consumer.subscribe(["svc-read"])
        let group = ServiceGroup(services: [consumer], logger: logger)
        let run = Task { try await group.run() }
        let reader = Task {
            var values: [String] = []
            for try await record in consumer.records {
                values.append(record.valueString ?? "")
            }
            return values
        }
        // Wait until the reader has everything, then shut down: the close commits the position (50).
        for _ in 0..<500 {
            if await consumer.position(TopicPartition(topic: "svc-read", partition: 0)) == 50 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        await group.triggerGracefulShutdown()
        try await run.value
        let values = try await reader.value
        XCTAssertEqual(values, (0..<50).map { "v\($0)" }, "iteration ends with the shutdown")

        let check = KafkaConsumer(config: try ConsumerConfig(properties: consumerProperties))
        let committed = try await check.committedOffsets([TopicPartition(topic: "svc-read", partition: 0)])
        XCTAssertEqual(committed[TopicPartition(topic: "svc-read", partition: 0)], 50, "committed on shutdown")
        await check.close(autoCommit: false)
        await admin.close()
        await broker.stop()
    }
}
