import Atomics
import KafkaProtocol
import KairosClient
import NIOConcurrencyHelpers
import NIOCore
import XCTest

/// A retired member that cannot finish its records yet: a scripted node holds every Produce request unanswered
/// until the test lets them through, so the moments "the key's records are unfinished" and "they are done" are
/// the test's to choose.
final class ProducerPoolDrainTests: XCTestCase {
    func testAKeyWaitsForItsRecordsInARetiredMemberThenMovesInOrder() async throws {
        let topic = "held"
        let hold = ManagedAtomic(true)
        let backend = try ScriptedBroker.makeBackend()
        let box = NIOLockedValueBox<ScriptedBroker?>(nil)
        let node = try await ScriptedBroker.start(nodeId: 1, backend: backend) { header, _ in
            switch ApiKey(rawValue: header.apiKey) {
            // Held requests are never answered nor written; the producer's request timeout sends them again.
            case .produce: return hold.load(ordering: .relaxed) ? .silent : .delegate
            case .metadata: return .respond(ScriptedBroker.metadata(brokers: [box.withLockedValue { $0! }], topic: topic, leaders: [1]))
            default: return .delegate
            }
        }
        box.withLockedValue { $0 = node }
        let admin = KafkaAdmin(config: node.testClientConfig)
        try await admin.createTopics([NewTopic(name: topic, partitions: 1)])
        await admin.close()

        let pool = try ProducerPool(properties: [
            "bootstrap.servers": node.address.description, "acks": "1", "linger.ms": "0", "retry.backoff.ms": "20",
            "request.timeout.ms": "300", "delivery.timeout.ms": "30000",
            "producers.min": "1", "producers.max": "2", "producers.initial": "2"])
        let reports = NIOLockedValueBox<[String: DeliveryReport]>([:])
        let report: @Sendable (String) -> @Sendable (DeliveryReport) -> Void = { value in
            { result in reports.withLockedValue { $0[value] = result } }
        }
        // A keyless record loads member 0, so the key's first record goes to the idle member 1.
        try await pool.send(ProducerRecord(topic: topic, value: "free-1"), onDelivery: report("free-1"))
        try await pool.send(ProducerRecord(topic: topic, key: "pinned", value: "pinned-1"), onDelivery: report("pinned-1"))
        XCTAssertEqual(pool.snapshot().members.map(\.inFlight), [1, 1])

        try pool.resize(to: 1)
        XCTAssertEqual(pool.snapshot().members.map(\.state), [.active, .draining])
        XCTAssertThrowsError(try pool.trySend(ProducerRecord(topic: topic, key: "pinned", value: "never"))) { error in
            XCTAssertTrue((error as? KafkaClientError)?.isRetriable ?? false, "\(error)")
        }
        let waiting = Task {
            try await pool.send(ProducerRecord(topic: topic, key: "pinned", value: "pinned-2"), onDelivery: report("pinned-2"))
        }
        try await pool.send(ProducerRecord(topic: topic, key: "other", value: "other-1"), onDelivery: report("other-1"))
        try await Task.sleep(for: .milliseconds(400))
        var snapshot = pool.snapshot()
        XCTAssertEqual(snapshot.members[1].recordsSent, 1, "a retired member takes no new records")
        XCTAssertEqual(snapshot.members[0].recordsSent, 2, "the pinned key's next record waits; other keys go on")
        XCTAssertEqual(snapshot.members[1].state, .draining, "it still holds its record")
        XCTAssertEqual(reports.withLockedValue { $0.count }, 0)

        hold.store(false, ordering: .relaxed)
        try await waiting.value
        await pool.waitForRetiredMembers()
        await pool.flush()
        snapshot = pool.snapshot()
        XCTAssertEqual(snapshot.members.map(\.state), [.active, .closed])
        XCTAssertEqual(snapshot.members.map(\.recordsSent), [3, 1])
        XCTAssertEqual(snapshot.recordsAcked, 4)
        let all = reports.withLockedValue { $0 }
        XCTAssertEqual(Set(all.keys), ["free-1", "pinned-1", "pinned-2", "other-1"])
        XCTAssertTrue(all.values.allSatisfy { (try? $0.get()) != nil }, "\(all)")
        await pool.close()

        let read = try await readAll(topic: topic, from: node.address, config: node.testClientConfig)
        XCTAssertEqual(read.map(\.value!).sorted(), ["free-1", "other-1", "pinned-1", "pinned-2"], "each record once")
        XCTAssertEqual(read.filter { $0.key == "pinned" }.map(\.value!), ["pinned-1", "pinned-2"], "the key's order")
        await node.stop()
    }

    func testCloseGivesUpAfterItsTimeoutAndFailsWaitingRecords() async throws {
        let topic = "stuck"
        let box = NIOLockedValueBox<ScriptedBroker?>(nil)
        let node = try await ScriptedBroker.start(nodeId: 1, backend: nil) { header, _ in
            switch ApiKey(rawValue: header.apiKey) {
            case .apiVersions: return .respond(ScriptedBroker.apiVersions)
            case .metadata: return .respond(ScriptedBroker.metadata(brokers: [box.withLockedValue { $0! }], topic: topic, leaders: [1]))
            default: return .silent
            }
        }
        box.withLockedValue { $0 = node }
        let pool = try ProducerPool(properties: [
            "bootstrap.servers": node.address.description, "acks": "1", "linger.ms": "0",
            "request.timeout.ms": "30000", "producers.max": "2", "producers.initial": "2"])
        try await pool.send(ProducerRecord(topic: topic, value: "free"), onDelivery: nil)
        try await pool.send(ProducerRecord(topic: topic, key: "pinned", value: "1"), onDelivery: nil)
        try pool.resize(to: 1)
        let waiting = Task { try await pool.send(ProducerRecord(topic: topic, key: "pinned", value: "2"), onDelivery: nil) }
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        await pool.close(timeoutMs: 300)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "close gives up after its timeout")
        do {
            try await waiting.value
            XCTFail("a record still waiting for its key when the pool closes is refused")
        } catch let error as KafkaClientError {
            XCTAssertTrue(error.isClosed, "\(error)")
        }
        XCTAssertEqual(pool.snapshot().members.map(\.recordsSent), [1, 1])
        await node.stop()
    }
}
