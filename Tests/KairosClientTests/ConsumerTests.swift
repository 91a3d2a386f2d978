import KafkaProtocol
import KairosClient
import XCTest

final class ConsumerTests: XCTestCase {
    private func consumerConfig(_ broker: TestBroker, _ properties: [String: String] = [:]) throws -> ConsumerConfig {
        var props = ["bootstrap.servers": broker.address.description, "fetch.max.wait.ms": "50",
                     "auto.offset.reset": "earliest", "retry.backoff.ms": "20"]
        props.merge(properties) { $1 }
        return try ConsumerConfig(properties: props)
    }

    private func produce(_ broker: TestBroker, topic: String, partitions: Int32, count: Int, codec: String = "none") async throws {
        let producer = try KafkaProducer(config: ProducerConfig(properties: [
            "bootstrap.servers": broker.address.description, "linger.ms": "2", "compression.type": codec]))
        for i in 0..<count {
            try await producer.send(ProducerRecord(topic: topic, partition: Int32(i) % partitions, key: "k\(i)", value: "v\(i)"),
                                    onDelivery: nil)
        }
        await producer.close()
    }

    private func drain(_ consumer: KafkaConsumer, expecting count: Int) async throws -> [ConsumerRecord] {
        var records: [ConsumerRecord] = []
        for _ in 0..<200 where records.count < count {
            records += try await consumer.poll(timeoutMs: 100)
        }
        return records
    }

    func testAssignedPartitionsAreReadInOrderInPollSizedBatches() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("read", partitions: 2)
        try await produce(broker, topic: "read", partitions: 2, count: 300, codec: "lz4")
        let consumer = KafkaConsumer(config: try consumerConfig(broker, ["max.poll.records": "40", "enable.auto.commit": "false"]))
        try await consumer.assign([TopicPartition(topic: "read", partition: 0), TopicPartition(topic: "read", partition: 1)])
        var records: [ConsumerRecord] = []
        for _ in 0..<200 where records.count < 300 {
            let batch = try await consumer.poll(timeoutMs: 100)
            XCTAssertLessThanOrEqual(batch.count, 40)
            records += batch
        }
        XCTAssertEqual(records.count, 300)
        for partition in Int32(0)...1 {
            let offsets = records.filter { $0.partition == partition }.map(\.offset)
            XCTAssertEqual(offsets, Array(0..<150), "partition \(partition) in order, each once")
        }
        XCTAssertEqual(Set(records.map { $0.valueString! }).count, 300)
        let nothing = try await consumer.poll(timeoutMs: 50)
        XCTAssertEqual(nothing, [])
        let end = await consumer.position(TopicPartition(topic: "read", partition: 0))
        XCTAssertEqual(end, 150)
        await consumer.close()
        await admin.close()
        await broker.stop()
    }

    func testSeekPauseResumeAndLatestReset() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("moves", partitions: 2)
        try await produce(broker, topic: "moves", partitions: 2, count: 20)
        let p0 = TopicPartition(topic: "moves", partition: 0), p1 = TopicPartition(topic: "moves", partition: 1)

        let latest = KafkaConsumer(config: try consumerConfig(broker, ["auto.offset.reset": "latest"]))
        try await latest.assign([p0])
        let none = try await latest.poll(timeoutMs: 50)
        XCTAssertEqual(none, [], "latest starts after what exists")
        let latestPosition = await latest.position(p0)
        XCTAssertEqual(latestPosition, 10)
        await latest.close()

        let consumer = KafkaConsumer(config: try consumerConfig(broker))
        try await consumer.assign([p0, p1])
        await consumer.pause([p1])
        let onlyP0 = try await drain(consumer, expecting: 10)
        XCTAssertEqual(onlyP0.count, 10)
        XCTAssertTrue(onlyP0.allSatisfy { $0.partition == 0 })
        await consumer.resume([p1])
        let p1Records = try await drain(consumer, expecting: 10)
        XCTAssertEqual(p1Records.map(\.partition), Array(repeating: 1, count: 10))
        try await consumer.seek(p0, to: 7)
        let again = try await drain(consumer, expecting: 3)
        XCTAssertEqual(again.map(\.offset), [7, 8, 9])
        try await consumer.seek([p1], to: .earliest)
        let restart = try await drain(consumer, expecting: 10)
        XCTAssertEqual(restart.first?.offset, 0)
        do {
            try await consumer.seek(TopicPartition(topic: "moves", partition: 5), to: 0)
            XCTFail("seek on an unassigned partition must fail")
        } catch let error as KafkaClientError {
            XCTAssertFalse(error.isRetriable)
        }
        await consumer.close()
        await admin.close()
        await broker.stop()
    }

    func testRecordsAsAnAsyncSequence() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("stream", partitions: 1)
        try await produce(broker, topic: "stream", partitions: 1, count: 25, codec: "zstd")
        let consumer = KafkaConsumer(config: try consumerConfig(broker))
        try await consumer.assign([TopicPartition(topic: "stream", partition: 0)])
        var values: [String] = []
        for try await record in consumer.records {
            values.append(record.valueString!)
            if values.count == 25 { break }
        }
        XCTAssertEqual(values, (0..<25).map { "v\($0)" })
        await consumer.close()
        await admin.close()
        await broker.stop()
    }

    func testConsumerConfigNames() throws {
        let config = try ConsumerConfig(properties: [
            "group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": "false", "max.poll.records": "7",
            "partition.assignment.strategy": "roundrobin,org.apache.kafka.clients.consumer.CooperativeStickyAssignor"])
        XCTAssertEqual(config.groupId, "g")
        XCTAssertEqual(config.autoOffsetReset, .earliest)
        XCTAssertFalse(config.enableAutoCommit)
        XCTAssertEqual(config.maxPollRecords, 7)
        XCTAssertEqual(config.assignors, [.roundRobin, .cooperativeSticky])
        XCTAssertTrue(config.checkCrcs, "check.crcs defaults to true, as in Kafka's consumer")
        XCTAssertFalse(try ConsumerConfig(properties: ["check.crcs": "false"]).checkCrcs)
        XCTAssertThrowsError(try ConsumerConfig(properties: ["check.crcs": "sometimes"]))
        XCTAssertThrowsError(try ConsumerConfig(properties: ["auto.offset.reset": "smallest"]))
        XCTAssertThrowsError(try ConsumerConfig(properties: ["partition.assignment.strategy": "sticky-ish"]))
    }
}
