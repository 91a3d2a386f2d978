import KafkaProtocol
import KairosBroker
import KairosStorage
import NIOCore
import XCTest

/// DescribeClientQuotas and AlterClientQuotas through the broker, their errors, persistence across a restart, and
/// the throttle time and muting of a produce over its quota.
final class ClientQuotaHandlerTests: XCTestCase {
    private typealias Entity = AlterClientQuotasRequest.AlterClientQuotasEntityData
    private typealias Op = AlterClientQuotasRequest.AlterClientQuotasOpData

    private func alter(
        _ h: BrokerHarness, _ entity: [Entity], _ ops: [Op], validateOnly: Bool = false, version: Int16 = 1
    ) throws -> AlterClientQuotasResponse.AlterClientQuotasEntryResult {
        let response = try h.call(
            AlterClientQuotasRequest(entries: [.init(entity: entity, ops: ops)], validateOnly: validateOnly), version: version)
        XCTAssertEqual(response.entries.count, 1)
        return response.entries[0]
    }

    private func describeAll(_ h: BrokerHarness, version: Int16 = 1) throws -> [String: [String: Double]] {
        let response = try h.call(DescribeClientQuotasRequest(components: [], strict: false), version: version)
        XCTAssertEqual(response.errorCode, 0)
        var out: [String: [String: Double]] = [:]
        for entry in response.entries ?? [] {
            let name = entry.entity.map { "\($0.entityType)=\($0.entityName ?? "<default>")" }.sorted().joined(separator: ",")
            out[name] = Dictionary(uniqueKeysWithValues: entry.values.map { ($0.key, $0.value) })
        }
        return out
    }

    func testAlterDescribeAndRemoveSurviveARestart() throws {
        let store = MemoryMetadataStore()
        let h = try BrokerHarness(metadata: store)
        XCTAssertEqual(try alter(h, [.init(entityType: "client-id", entityName: "p1")],
                                 [.init(key: "producer_byte_rate", value: 1_048_576, remove: false)]).errorCode, 0)
        XCTAssertEqual(try alter(h, [.init(entityType: "user", entityName: nil), .init(entityType: "client-id", entityName: nil)],
                                 [.init(key: "consumer_byte_rate", value: 2_000, remove: false),
                                  .init(key: "request_percentage", value: 25, remove: false)], version: 0).errorCode, 0)
        let expected: [String: [String: Double]] = [
            "client-id=p1": ["producer_byte_rate": 1_048_576],
            "client-id=<default>,user=<default>": ["consumer_byte_rate": 2_000, "request_percentage": 25],
        ]
        XCTAssertEqual(try describeAll(h), expected)
        XCTAssertEqual(try describeAll(h, version: 0), expected)

        let restarted = try BrokerHarness(metadata: store)
        XCTAssertEqual(try describeAll(restarted), expected, "quotas come back after a restart")

        XCTAssertEqual(try alter(restarted, [.init(entityType: "client-id", entityName: "p1")],
                                 [.init(key: "producer_byte_rate", value: 0, remove: true)]).errorCode, 0)
        XCTAssertEqual(try describeAll(try BrokerHarness(metadata: store)).keys.sorted(), ["client-id=<default>,user=<default>"],
                       "removing the last value removes the entity for good")
    }

    func testDescribeFilters() throws {
        let h = try BrokerHarness()
        _ = try alter(h, [.init(entityType: "user", entityName: "alice")], [.init(key: "producer_byte_rate", value: 10, remove: false)])
        _ = try alter(h, [.init(entityType: "user", entityName: "alice"), .init(entityType: "client-id", entityName: "c")],
                      [.init(key: "producer_byte_rate", value: 20, remove: false)])
        _ = try alter(h, [.init(entityType: "client-id", entityName: nil)], [.init(key: "producer_byte_rate", value: 30, remove: false)])
        func names(_ components: [DescribeClientQuotasRequest.ComponentData], strict: Bool) throws -> [String] {
            let r = try h.call(DescribeClientQuotasRequest(components: components, strict: strict), version: 1)
            XCTAssertEqual(r.errorCode, 0)
            return (r.entries ?? []).map { $0.entity.map { "\($0.entityType)=\($0.entityName ?? "<default>")" }.joined(separator: ",") }.sorted()
        }
        XCTAssertEqual(try names([.init(entityType: "user", matchType: 0, match: "alice")], strict: false),
                       ["user=alice", "user=alice,client-id=c"])
        XCTAssertEqual(try names([.init(entityType: "user", matchType: 0, match: "alice")], strict: true), ["user=alice"])
        XCTAssertEqual(try names([.init(entityType: "client-id", matchType: 1, match: nil)], strict: false), ["client-id=<default>"])
        XCTAssertEqual(try names([.init(entityType: "client-id", matchType: 2, match: nil)], strict: false),
                       ["client-id=<default>", "user=alice,client-id=c"])
    }

    func testBadRequestsGetInvalidRequestAndChangeNothing() throws {
        let h = try BrokerHarness()
        let invalid = ErrorCode.invalidRequest.rawValue
        let bad: [([Entity], [Op], String)] = [
            ([.init(entityType: "ip", entityName: "1.2.3.4")], [.init(key: "producer_byte_rate", value: 1, remove: false)], "entity type ip"),
            ([.init(entityType: "group", entityName: "g")], [.init(key: "producer_byte_rate", value: 1, remove: false)], "entity type group"),
            ([], [.init(key: "producer_byte_rate", value: 1, remove: false)], "no entity type"),
            ([.init(entityType: "user", entityName: "a"), .init(entityType: "user", entityName: "b")],
             [.init(key: "producer_byte_rate", value: 1, remove: false)], "appears twice"),
            ([.init(entityType: "client-id", entityName: "c")], [.init(key: "producer_byte_rates", value: 1, remove: false)], "producer_byte_rates"),
            ([.init(entityType: "client-id", entityName: "c")], [.init(key: "producer_byte_rate", value: -5, remove: false)], "negative"),
            ([.init(entityType: "client-id", entityName: "c")], [.init(key: "consumer_byte_rate", value: 1.5, remove: false)], "whole number"),
            ([.init(entityType: "client-id", entityName: "c")], [.init(key: "request_percentage", value: -1, remove: false)], "positive"),
        ]
        for (entity, ops, says) in bad {
            let result = try alter(h, entity, ops)
            XCTAssertEqual(result.errorCode, invalid, says)
            XCTAssertTrue(result.errorMessage?.contains(says) == true, "\(result.errorMessage ?? "nil") should say \(says)")
            XCTAssertEqual(result.entity.map(\.entityType), entity.map(\.entityType), "the entity is echoed")
        }
        XCTAssertEqual(try describeAll(h), [:])

        let valid = try alter(h, [.init(entityType: "client-id", entityName: "c")],
                              [.init(key: "producer_byte_rate", value: 100, remove: false)], validateOnly: true)
        XCTAssertEqual(valid.errorCode, 0)
        XCTAssertEqual(try describeAll(h), [:], "validateOnly changes nothing")

        for (components, says) in [
            ([DescribeClientQuotasRequest.ComponentData(entityType: "ip", matchType: 2, match: nil)], "entity type ip"),
            ([.init(entityType: "user", matchType: 7, match: nil)], "match type 7"),
            ([.init(entityType: "user", matchType: 0, match: nil)], "without a name"),
            ([.init(entityType: "user", matchType: 2, match: nil), .init(entityType: "user", matchType: 1, match: nil)], "twice"),
        ] {
            let r = try h.call(DescribeClientQuotasRequest(components: components, strict: false), version: 1)
            XCTAssertEqual(r.errorCode, invalid, says)
            XCTAssertNil(r.entries)
            XCTAssertTrue(r.errorMessage?.contains(says) == true, "\(r.errorMessage ?? "nil") should say \(says)")
        }
    }

    func testAProduceOverItsQuotaCarriesTheThrottleTimeAndMutesTheConnection() throws {
        let h = try BrokerHarness { $0.quotaWindowNum = 2 }
        try h.createTopic("t")
        // The harness's client id is "harness".
        _ = try alter(h, [.init(entityType: "client-id", entityName: "harness")], [.init(key: "producer_byte_rate", value: 100, remove: false)])
        let batch = TestBatch.make([("k", String(repeating: "x", count: 200))])
        let request = ProduceRequest(
            transactionalId: nil, acks: -1, timeoutMs: 1000, topicData: [.init(name: "t", partitionData: [.init(index: 0, records: batch)])])
        let reply = h.broker.handle(frame: h.frame(request, version: 9), context: h.context)
        guard case .muted(_, let ms) = reply else { return XCTFail("expected a muted reply, got \(reply)") }
        XCTAssertGreaterThan(ms, 0)
        let response = try h.decode(reply, as: ProduceResponse.self, apiKey: .produce, version: 9)
        XCTAssertEqual(Int64(response.throttleTimeMs), ms, "the answer carries the time the connection is muted")
        XCTAssertEqual(response.responses[0].partitionResponses[0].errorCode, 0, "a throttled produce is still written")
        XCTAssertEqual(response.responses[0].partitionResponses[0].baseOffset, 0)

        // Another client is not affected.
        _ = try alter(h, [.init(entityType: "client-id", entityName: "harness")], [.init(key: "producer_byte_rate", value: 0, remove: true)])
        let free = h.broker.handle(frame: h.frame(request, version: 9), context: h.context)
        guard case .frame = free else { return XCTFail("without a quota the reply is not muted: \(free)") }
    }

    func testAFetchThatGoesOverIsSentAndThrottledAndOneAlreadyOverIsAnsweredEmpty() throws {
        let h = try BrokerHarness { $0.quotaWindowNum = 2 }
        try h.createTopic("t")
        for _ in 0..<5 { _ = try h.produce("t", batch: TestBatch.make([("k", String(repeating: "y", count: 300))])) }
        _ = try alter(h, [.init(entityType: "client-id", entityName: nil)], [.init(key: "consumer_byte_rate", value: 300, remove: false)])
        // The first fetch is capped at what the quota allows in its window (300 bytes, but at least one batch of
        // about 370): it is sent, and as it takes the client over, with the throttle time and a mute.
        let reply = h.fetch("t", offset: 0)
        guard case .muted(_, let ms) = reply else { return XCTFail("expected a muted reply, got \(reply)") }
        let first = try h.decode(reply, as: FetchResponse.self, apiKey: .fetch, version: 12)
        let got = first.responses[0].partitions[0].records?.readableBytes ?? 0
        XCTAssertGreaterThan(got, 0)
        XCTAssertLessThan(got, 2 * 360, "capped at the quota's window: one batch")
        XCTAssertEqual(Int64(first.throttleTimeMs), ms)
        // A fetch while over (another connection of the client): no records, the throttle time, muted.
        let again = h.fetch("t", offset: 1)
        guard case .muted = again else { return XCTFail("expected a muted reply, got \(again)") }
        let second = try h.decode(again, as: FetchResponse.self, apiKey: .fetch, version: 12)
        XCTAssertGreaterThan(second.throttleTimeMs, 0)
        XCTAssertEqual(second.responses[0].partitions[0].records?.readableBytes ?? 0, 0)
        // After the throttle time the client is within its quota again and gets records.
        h.clock.nowMs += Int64(second.throttleTimeMs)
        let third = try h.decode(h.fetch("t", offset: 1), as: FetchResponse.self, apiKey: .fetch, version: 12)
        XCTAssertGreaterThan(third.responses[0].partitions[0].records?.readableBytes ?? 0, 0)
    }

    func testABatchLargerThanTheQuotaWindowIsStillDelivered() throws {
        let h = try BrokerHarness { $0.quotaWindowNum = 2 }
        try h.createTopic("t")
        _ = try h.produce("t", batch: TestBatch.make([("k", String(repeating: "b", count: 3_000))]))
        _ = try h.produce("t", batch: TestBatch.make([("k", "small")]))
        _ = try alter(h, [.init(entityType: "client-id", entityName: nil)], [.init(key: "consumer_byte_rate", value: 1_000, remove: false)])
        let first = try h.decode(h.fetch("t", offset: 0), as: FetchResponse.self, apiKey: .fetch, version: 12)
        XCTAssertGreaterThan(first.responses[0].partitions[0].records?.readableBytes ?? 0, 3_000, "one whole batch, as Kafka's fetch rule says")
        XCTAssertGreaterThan(first.throttleTimeMs, 0)
        h.clock.nowMs += Int64(first.throttleTimeMs)
        let next = try h.decode(h.fetch("t", offset: 1), as: FetchResponse.self, apiKey: .fetch, version: 12)
        XCTAssertGreaterThan(next.responses[0].partitions[0].records?.readableBytes ?? 0, 0, "the consumer moves on")
    }
}
