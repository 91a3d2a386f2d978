import KafkaProtocol
import KairosClient
import NIOConcurrencyHelpers
import NIOCore
import XCTest

final class ProducerTests: XCTestCase {
    private func producerConfig(_ broker: TestBroker, _ properties: [String: String] = [:]) throws -> ProducerConfig {
        var props = ["bootstrap.servers": broker.address.description, "client.id": "producer-test",
                     "retry.backoff.ms": "20", "request.timeout.ms": "10000"]
        props.merge(properties) { $1 }
        return try ProducerConfig(properties: props)
    }

    func testRoundTripWithEveryCodec() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        for codec in CompressionCodec.allCases {
            let topic = "codec-\(codec.name)"
            try await admin.createTopic(topic, partitions: 1)
            let producer = try KafkaProducer(config: producerConfig(broker, [
                "compression.type": codec.name, "linger.ms": "20", "batch.size": "4096"]))
            // Concurrent sends so batches hold many records; values compress well so every codec shrinks them.
            let results = try await withThrowingTaskGroup(of: RecordMetadata.self) { group in
                for i in 0..<300 {
                    group.addTask {
                        try await producer.send(ProducerRecord(
                            topic: topic, partition: 0, key: "key-\(i)",
                            value: "value \(i) " + String(repeating: "abc", count: 20)))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(Set(results.map(\.offset)), Set(0..<300), codec.name)
            await producer.close()
            let read = try await readAll(topic: topic, from: broker.address, config: broker.clientConfig)
            XCTAssertEqual(read.count, 300, codec.name)
            for record in read {
                let i = Int(record.key!.dropFirst(4))!
                XCTAssertEqual(record.value, "value \(i) " + String(repeating: "abc", count: 20))
            }
            let metrics = producer.metrics.snapshot()
            XCTAssertGreaterThan(metrics["batch-size-avg"]!, 0)
            if codec != .none {
                XCTAssertLessThan(metrics["compression-rate-avg"]!, 1.0, "\(codec.name) must shrink repetitive values")
            } else {
                XCTAssertEqual(metrics["compression-rate-avg"]!, 1.0, accuracy: 0.0001)
            }
            XCTAssertGreaterThan(metrics["record-send-rate"]!, 0)
            XCTAssertGreaterThan(metrics["request-latency-avg"]!, 0)
            XCTAssertEqual(metrics["record-error-rate"]!, 0)
            XCTAssertEqual(metrics["buffer-available-bytes"]!, Double(producer.config.bufferMemoryBytes))
        }
        await admin.close()
        await broker.stop()
    }

    func testCompressedBatchesSealedByTheAppendingThreadKeepOrderWithoutDuplicates() async throws {
        // Small lz4 batches fill constantly and one request at a time keeps the sender behind, so the buffer is more
        // than half full and the sending task compresses the batches it fills itself while the sender drains the
        // others; with idempotence every record must land once, in send order, on its partition.
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("sealed", partitions: 2)
        let producer = try KafkaProducer(config: producerConfig(broker, [
            "compression.type": "lz4", "batch.size": "1024", "linger.ms": "50", "acks": "all",
            "enable.idempotence": "true", "buffer.memory": "65536", "max.in.flight.requests.per.connection": "1"]))
        let failures = NIOLockedValueBox(0)
        for i in 0..<4000 {
            try await producer.send(ProducerRecord(topic: "sealed", partition: Int32(i % 2), key: "k",
                                                   value: "\(i) " + String(repeating: "lz4 ", count: 10))) { report in
                if case .failure = report { failures.withLockedValue { $0 += 1 } }
            }
        }
        await producer.flush()
        XCTAssertEqual(failures.withLockedValue { $0 }, 0)
        XCTAssertLessThan(producer.metrics.snapshot()["compression-rate-avg"]!, 1.0)
        await producer.close()
        for partition in Int32(0)..<2 {
            let read = try await readAll(topic: "sealed", partition: partition, from: broker.address,
                                         config: broker.clientConfig)
            let sent = read.map { Int($0.value!.split(separator: " ")[0])! }
            XCTAssertEqual(sent, Array(stride(from: Int(partition), to: 4000, by: 2)), "partition \(partition)")
        }
        await admin.close()
        await broker.stop()
    }

    func testKeyedRecordsKeepOrderPerPartitionWithAcksVariants() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("keyed", partitions: 4)
        for acks in ["0", "1", "all"] {
            let producer = try KafkaProducer(config: producerConfig(broker, ["acks": acks, "linger.ms": "1"]))
            let reports = NIOLockedValueBox<[DeliveryReport]>([])
            for i in 0..<200 {
                try await producer.send(ProducerRecord(topic: "keyed", key: "k\(i % 10)", value: "\(acks)-\(i)")) { report in
                    reports.withLockedValue { $0.append(report) }
                }
            }
            await producer.flush()
            let delivered = reports.withLockedValue { $0 }
            XCTAssertEqual(delivered.count, 200, "acks=\(acks)")
            for report in delivered {
                guard case .success(let metadata) = report else { return XCTFail("acks=\(acks): \(report)") }
                if acks == "0" { XCTAssertEqual(metadata.offset, -1) } else { XCTAssertGreaterThanOrEqual(metadata.offset, 0) }
            }
            await producer.close()
        }
        // Same key, same partition, in send order.
        var byKey: [String: [Int]] = [:]
        var partitionOfKey: [String: Int32] = [:]
        for partition in Int32(0)..<4 {
            for record in try await readAll(topic: "keyed", partition: partition, from: broker.address, config: broker.clientConfig) {
                let key = record.key!
                if let known = partitionOfKey[key] { XCTAssertEqual(known, partition) } else { partitionOfKey[key] = partition }
                byKey[key, default: []].append(Int(record.value!.split(separator: "-")[1])!)
            }
        }
        XCTAssertEqual(byKey.values.map(\.count).reduce(0, +), 600)
        for (key, values) in byKey {
            // Each acks round sends i = key, key+10, ...; values must ascend within each round.
            var last = -1
            var ascendingRuns = 1
            for v in values {
                if v < last { ascendingRuns += 1 }
                last = v
            }
            XCTAssertEqual(ascendingRuns, 3, "key \(key) out of order: \(values)")
        }
        for (key, partition) in partitionOfKey {
            let expected = KeyHash.murmur2.partition(of: Array(key.utf8).withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[...]) }, partitionCount: 4)
            XCTAssertEqual(partition, expected, key)
        }
        await admin.close()
        await broker.stop()
    }

    func testFullBufferBlocksForMaxBlockMsThenThrows() async throws {
        // A broker that never answers Produce: nothing is ever acknowledged, so memory is never returned.
        let box = NIOLockedValueBox<ScriptedBroker?>(nil)
        let silent = try await ScriptedBroker.start(nodeId: 1, backend: nil) { header, _ in
            switch ApiKey(rawValue: header.apiKey) {
            case .apiVersions: return .respond(ScriptedBroker.apiVersions)
            case .metadata: return .respond(ScriptedBroker.metadata(brokers: [box.withLockedValue { $0! }], topic: "full", leaders: [1]))
            default: return .silent
            }
        }
        box.withLockedValue { $0 = silent }
        let producer = try KafkaProducer(config: ProducerConfig(properties: [
            "bootstrap.servers": silent.address.description, "linger.ms": "0", "buffer.memory": "4096",
            "max.block.ms": "200", "acks": "1", "request.timeout.ms": "30000"]))
        let value = String(repeating: "x", count: 100)
        var accepted = 0
        let started = ContinuousClock.now
        do {
            for _ in 0..<1000 {
                try await producer.send(ProducerRecord(topic: "full", value: value), onDelivery: nil)
                accepted += 1
            }
            XCTFail("the buffer never filled")
        } catch let error as KafkaClientError {
            XCTAssertTrue(error.isBufferExhausted, "\(error)")
        }
        let waited = ContinuousClock.now - started
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(200), "must block max.block.ms before failing")
        // 136 bytes are reserved per 100-byte record: 30 fit in 4096.
        XCTAssertEqual(accepted, 4096 / 136)
        XCTAssertThrowsError(try producer.trySend(ProducerRecord(topic: "full", value: value))) { error in
            XCTAssertTrue((error as? KafkaClientError)?.isBufferExhausted ?? false, "\(error)")
        }
        // The awaiting send fails the same way.
        do {
            _ = try await producer.send(ProducerRecord(topic: "full", value: value))
            XCTFail("send must fail while the buffer is full")
        } catch let error as KafkaClientError {
            XCTAssertTrue(error.isBufferExhausted, "\(error)")
        }
        XCTAssertGreaterThan(producer.metrics.snapshot()["record-error-rate"]!, 0)
        XCTAssertGreaterThan(silent.count(.produce), 0)
        await producer.close(timeoutMs: 100)
        await silent.stop()
    }

    func testConfigurationNamesAndErrors() throws {
        let config = try ProducerConfig(properties: [
            "bootstrap.servers": "a:1,b:2", "acks": "1", "batch.size": "1000", "linger.ms": "7",
            "compression.type": "zstd", "max.in.flight.requests.per.connection": "3", "something.else": "x"])
        XCTAssertEqual(config.client.bootstrapServers.count, 2)
        XCTAssertEqual(config.acks, .leader)
        XCTAssertEqual(config.batchSizeBytes, 1000)
        XCTAssertEqual(config.lingerMs, 7)
        XCTAssertEqual(config.compression, .zstd)
        XCTAssertFalse(config.enableIdempotence, "idempotence is off by default when acks is not all")
        XCTAssertEqual(config.unknownKeys, ["something.else"])
        XCTAssertThrowsError(try ProducerConfig(properties: ["acks": "2"])) { error in
            XCTAssertTrue("\(error)".contains("acks"))
        }
        XCTAssertThrowsError(try ProducerConfig(properties: ["compression.type": "brotli"]))
        XCTAssertThrowsError(try ProducerConfig(properties: ["linger.ms": "soon"])) { error in
            XCTAssertTrue("\(error)".contains("linger.ms"))
        }
        XCTAssertThrowsError(try ProducerConfig(properties: ["acks": "1", "enable.idempotence": "true"]))
        XCTAssertTrue(try ProducerConfig(properties: [:]).enableIdempotence)
    }

    func testRecordLargerThanMaxRequestSizeIsRefused() async throws {
        let broker = try await TestBroker.start()
        let producer = try KafkaProducer(config: producerConfig(broker, ["max.request.size": "1000"]))
        do {
            _ = try await producer.send(ProducerRecord(topic: "big", value: String(repeating: "y", count: 2000)))
            XCTFail("a record over max.request.size must be refused")
        } catch let error as KafkaClientError {
            XCTAssertFalse(error.isRetriable)
            XCTAssertTrue("\(error)".contains("exceeds"), "\(error)")
        }
        await producer.close()
        await broker.stop()
    }
}
