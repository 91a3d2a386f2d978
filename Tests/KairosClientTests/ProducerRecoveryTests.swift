import KafkaProtocol
import KairosBroker
import KairosClient
import NIOConcurrencyHelpers
import NIOCore
import XCTest

/// How the producer recovers when the broker refuses a batch: splitting a batch that is too large, and taking a new
/// producer id when an idempotent producer's sequences can no longer line up. One scripted node in front of a real
/// log decides per Produce request.
final class ProducerRecoveryTests: XCTestCase {
    /// The header of the first batch of a Produce request body.
    private static func firstBatch(_ header: RequestHeader, _ body: ByteBuffer) -> RecordBatchHeader? {
        var body = body
        guard let request = try? ProduceRequest(from: &body, version: header.apiVersion),
              let records = request.topicData.first?.partitionData.first?.records else { return nil }
        return try? RecordBatchHeader(peeking: records)
    }

    private static func refuse(_ topic: String, _ code: ErrorCode) -> ScriptedBroker.Reply {
        .respond(ProduceResponse(responses: [.init(name: topic, partitionResponses: [
            .init(index: 0, errorCode: code.rawValue, baseOffset: -1)])]))
    }

    private func start(topic: String, produce: @escaping @Sendable (RequestHeader, ByteBuffer) -> ScriptedBroker.Reply)
        async throws -> ScriptedBroker {
        let backend = try ScriptedBroker.makeBackend()
        let box = NIOLockedValueBox<ScriptedBroker?>(nil)
        let node = try await ScriptedBroker.start(nodeId: 1, backend: backend) { header, body in
            switch ApiKey(rawValue: header.apiKey) {
            case .produce: return produce(header, body)
            // The backend would name its own (unbound) listener: the metadata must point at this node.
            case .metadata: return .respond(ScriptedBroker.metadata(brokers: [box.withLockedValue { $0! }], topic: topic, leaders: [1]))
            default: return .delegate
            }
        }
        box.withLockedValue { $0 = node }
        let admin = KafkaAdmin(config: node.testClientConfig)
        try await admin.createTopics([NewTopic(name: topic, partitions: 1)])
        await admin.close()
        return node
    }

    /// Sends `count` records without waiting, flushes, and returns the reports in send order.
    private func sendAll(_ producer: KafkaProducer, topic: String, count: Int) async throws -> [DeliveryReport] {
        let reports = NIOLockedValueBox<[Int: DeliveryReport]>([:])
        for i in 0..<count {
            try await producer.send(ProducerRecord(topic: topic, key: "k", value: "value-\(i)")) { report in
                reports.withLockedValue { $0[i] = report }
            }
        }
        await producer.flush()
        let all = reports.withLockedValue { $0 }
        XCTAssertEqual(all.count, count, "every record is reported")
        return (0..<count).compactMap { all[$0] }
    }

    private func values(_ node: ScriptedBroker, topic: String) async throws -> [String?] {
        try await readAll(topic: topic, from: node.address, config: node.testClientConfig).map(\.value)
    }

    func testBatchTooLargeIsSplitAndEveryRecordDeliveredOnceInOrder() async throws {
        for idempotent in [true, false] {
            let topic = "split-\(idempotent)"
            let refused = NIOLockedValueBox(0)
            // The broker takes at most 8 records in one batch.
            let node = try await start(topic: topic) { header, body in
                if let batch = Self.firstBatch(header, body), batch.recordCount > 8 {
                    refused.withLockedValue { $0 += 1 }
                    return Self.refuse(topic, .messageTooLarge)
                }
                return .delegate
            }
            // Without idempotence, Kafka keeps order across retries only with one request in flight.
            let producer = try node.testProducer(["enable.idempotence": "\(idempotent)", "acks": idempotent ? "all" : "1",
                                               "batch.size": "100000", "linger.ms": "50",
                                               "max.in.flight.requests.per.connection": idempotent ? "5" : "1"])
            let reports = try await sendAll(producer, topic: topic, count: 40)
            let offsets = reports.compactMap { try? $0.get().offset }
            XCTAssertEqual(offsets, (0..<40).map(Int64.init), "idempotent=\(idempotent): all delivered, offsets in send order")
            XCTAssertGreaterThan(refused.withLockedValue { $0 }, 0, "the first batch must have been refused")
            let read = try await values(node, topic: topic)
            XCTAssertEqual(read, (0..<40).map { "value-\($0)" }, "idempotent=\(idempotent): once each, in order")
            if idempotent {
                XCTAssertGreaterThanOrEqual(node.count(.initProducerId), 2, "the split batches are renumbered under a new id")
            }
            await producer.close()
            await node.stop()
        }
    }

    func testOneRecordTooLargeFailsWithMessageTooLarge() async throws {
        let topic = "single-too-large"
        let node = try await start(topic: topic) { _, _ in Self.refuse(topic, .messageTooLarge) }
        let producer = try node.testProducer(["enable.idempotence": "false", "acks": "1", "linger.ms": "0"])
        do {
            _ = try await producer.send(ProducerRecord(topic: topic, value: "x"))
            XCTFail("must fail")
        } catch let error as KafkaClientError {
            XCTAssertEqual(error.errorCode, .messageTooLarge)
        }
        XCTAssertEqual(node.count(.produce), 1, "one record cannot be split: no retry")
        await producer.close()
        await node.stop()
    }

    func testUnknownProducerIdTakesANewIdAndResends() async throws {
        let topic = "unknown-producer"
        let forgotten = NIOLockedValueBox<Int64?>(nil)
        // The broker has forgotten the producer's first id (as after its records were deleted by retention) and
        // refuses every batch that carries it.
        let node = try await start(topic: topic) { header, body in
            guard let id = Self.firstBatch(header, body)?.producerId else { return .delegate }
            let refuse = forgotten.withLockedValue { first in
                if first == nil { first = id }
                return first == id
            }
            return refuse ? Self.refuse(topic, .unknownProducerId) : .delegate
        }
        let producer = try node.testProducer(["enable.idempotence": "true", "acks": "all", "linger.ms": "5",
                                           "batch.size": "300"])
        let reports = try await sendAll(producer, topic: topic, count: 30)
        XCTAssertEqual(reports.filter { (try? $0.get()) == nil }.count, 0, "nothing fails")
        XCTAssertEqual(node.count(.initProducerId), 2, "one new producer id")
        let read = try await values(node, topic: topic)
        XCTAssertEqual(read, (0..<30).map { "value-\($0)" }, "once each, in order")
        await producer.close()
        await node.stop()
    }

    func testABatchThatFailsForGoodDoesNotStrandTheRest() async throws {
        let topic = "gap"
        // The batch with base sequence 0 is refused for good; every later batch then meets a sequence gap at the
        // broker (OUT_OF_ORDER_SEQUENCE_NUMBER) until the producer takes a new id and renumbers them.
        let refusedFirst = NIOLockedValueBox(false)
        let node = try await start(topic: topic) { header, body in
            if let batch = Self.firstBatch(header, body), batch.baseSequence == 0,
               !refusedFirst.withLockedValue({ $0 }) {
                refusedFirst.withLockedValue { $0 = true }
                return Self.refuse(topic, .invalidRecord)
            }
            return .delegate
        }
        let producer = try node.testProducer(["enable.idempotence": "true", "acks": "all", "linger.ms": "0",
                                           "batch.size": "200", "max.in.flight.requests.per.connection": "5"])
        let reports = try await sendAll(producer, topic: topic, count: 40)
        let failed = reports.enumerated().filter { (try? $0.element.get()) == nil }.map(\.offset)
        XCTAssertFalse(failed.isEmpty, "the refused batch fails")
        XCTAssertEqual(failed, Array(0..<failed.count), "only the first batch's records fail")
        for report in reports[failed.count...] {
            if case .failure(let error) = report { XCTFail("a later record failed: \(error)") }
        }
        let read = try await values(node, topic: topic)
        XCTAssertEqual(read, (failed.count..<40).map { "value-\($0)" }, "the rest arrive once each, in order")
        XCTAssertGreaterThanOrEqual(node.count(.initProducerId), 2)
        await producer.close()
        await node.stop()
    }
}
