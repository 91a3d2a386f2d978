import KafkaProtocol
import KairosClient
import XCTest

/// KafkaAdmin's client-quota calls against a Kairos broker, and a KairosClient producer slowed to its quota by the
/// broker's muting (it does not read throttle times itself).
final class AdminQuotaTests: XCTestCase {
    func testAlterDescribeAndErrors() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        do {
            try await admin.alterClientQuotas([
                QuotaAlteration(entity: .client("p1"), set: ["producer_byte_rate": 1_048_576, "consumer_byte_rate": 2_000_000]),
                QuotaAlteration(entity: .user(nil), set: ["request_percentage": 40]),
            ])
            var quotas = try await admin.describeClientQuotas()
            XCTAssertEqual(quotas[.client("p1")], ["producer_byte_rate": 1_048_576, "consumer_byte_rate": 2_000_000])
            XCTAssertEqual(quotas[.user(nil)], ["request_percentage": 40])

            let onlyP1 = try await admin.describeClientQuotas(matching: [.clientId(.exact("p1"))], strict: true)
            XCTAssertEqual(Array(onlyP1.keys), [.client("p1")])

            try await admin.alterClientQuotas([QuotaAlteration(entity: .client("p1"), remove: ["consumer_byte_rate"])])
            try await admin.alterClientQuotas([QuotaAlteration(entity: .client("p2"), set: ["producer_byte_rate": 10])], validateOnly: true)
            quotas = try await admin.describeClientQuotas()
            XCTAssertEqual(quotas[.client("p1")], ["producer_byte_rate": 1_048_576])
            XCTAssertNil(quotas[.client("p2")], "validateOnly changes nothing")

            do {
                try await admin.alterClientQuotas([QuotaAlteration(entity: .client("p1"), set: ["producer_byte_rate": -1])])
                XCTFail("a negative rate must be refused")
            } catch let error as KafkaClientError {
                XCTAssertEqual(error.errorCode, .invalidRequest)
                XCTAssertTrue("\(error)".contains("client-id=p1"), "\(error)")
            }
        } catch {
            await admin.close()
            await broker.stop()
            throw error
        }
        await admin.close()
        await broker.stop()
    }

    func testAProducerUnderAQuotaIsSlowedToItsRate() async throws {
        let broker = try await TestBroker.start(properties: ["quota.window.num": "2", "quota.window.size.seconds": "1"])
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("limited", partitions: 1)
        let rate = 200_000.0
        try await admin.alterClientQuotas([QuotaAlteration(entity: .client("quota-test"), set: ["producer_byte_rate": rate])])
        let producer = try KafkaProducer(config: ProducerConfig(properties: [
            "bootstrap.servers": broker.address.description, "client.id": "quota-test", "linger.ms": "5",
            "request.timeout.ms": "30000", "delivery.timeout.ms": "60000"]))
        let value = String(repeating: "v", count: 1_000)
        let records = 800  // about 800 kB: about 4 s at the quota
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<records {
                group.addTask { _ = try await producer.send(ProducerRecord(topic: "limited", partition: 0, key: "\(i)", value: value)) }
            }
            try await group.waitForAll()
        }
        let seconds = Double((ContinuousClock.now - start).components.seconds)
            + Double((ContinuousClock.now - start).components.attoseconds) / 1e18
        await producer.close()
        await admin.close()
        await broker.stop()
        let delivered = Double(records * value.utf8.count) / seconds
        // The first window's allowance is spent at once, so the whole run is a little above the rate; it must not
        // be far above it (unthrottled, 800 kB take well under a second on this broker).
        XCTAssertLessThan(delivered, rate * 1.5, "delivered \(delivered) B/s in \(seconds) s under a quota of \(rate) B/s")
        XCTAssertGreaterThan(seconds, 2.5)
    }
}
