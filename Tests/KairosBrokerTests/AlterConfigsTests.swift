import KafkaProtocol
import KairosStorage
import XCTest

@testable import KairosBroker

/// AlterConfigs / IncrementalAlterConfigs on the broker itself: what a client library cannot send (the cluster
/// default resource, another broker's id, a resource twice) and what a restart reads back from the metadata store.
final class AlterConfigsTests: XCTestCase {
    private func incremental(
        _ h: BrokerHarness, type: Int8 = 4, name: String, _ ops: [(String, Int8, String?)], validateOnly: Bool = false
    ) throws -> [IncrementalAlterConfigsResponse.AlterConfigsResourceResponse] {
        try h.call(IncrementalAlterConfigsRequest(
            resources: [.init(resourceType: type, resourceName: name, configs: ops.map { .init(name: $0.0, configOperation: $0.1, value: $0.2) })],
            validateOnly: validateOnly), version: 1).responses
    }

    private func describe(_ h: BrokerHarness, type: Int8 = 4, name: String, key: String) throws -> DescribeConfigsResponse.DescribeConfigsResourceResult? {
        try h.call(DescribeConfigsRequest(resources: [.init(resourceType: type, resourceName: name, configurationKeys: [key])]),
                   version: 4).results[0].configs.first
    }

    func testClusterDefaultAndPerBrokerLayersAndTheirSources() throws {
        let h = try BrokerHarness { $0.givenProperties = ["log.retention.ms": "1000"]; $0.log.retentionMs = 1000 }
        try h.createTopic("orders")
        XCTAssertEqual(try describe(h, name: "1", key: "log.retention.ms")?.configSource, ConfigSource.staticBroker)

        XCTAssertEqual(try incremental(h, name: "", [("log.retention.ms", 0, "2000")])[0].errorCode, 0)
        XCTAssertEqual(try describe(h, name: "1", key: "log.retention.ms")?.value, "2000")
        XCTAssertEqual(try describe(h, name: "1", key: "log.retention.ms")?.configSource, ConfigSource.dynamicDefaultBroker)
        XCTAssertEqual(try describe(h, type: 2, name: "orders", key: "retention.ms")?.value, "2000")

        XCTAssertEqual(try incremental(h, name: "1", [("log.retention.ms", 0, "3000")])[0].errorCode, 0)
        XCTAssertEqual(try describe(h, name: "1", key: "log.retention.ms")?.configSource, ConfigSource.dynamicBroker)
        XCTAssertEqual(try describe(h, name: "", key: "log.retention.ms")?.value, "2000", "the default resource shows its own")
        XCTAssertEqual(try incremental(h, name: "1", [("log.roll.ms", 0, "9000")])[0].errorCode, 0)
        XCTAssertEqual(try describe(h, name: "", key: "log.roll.ms")?.value, "604800000", "not this node's own value")
        XCTAssertEqual(try describe(h, name: "", key: "log.roll.ms")?.configSource, ConfigSource.defaultConfig)
        XCTAssertEqual(try describe(h, name: "1", key: "log.roll.ms")?.value, "9000")
        XCTAssertEqual(h.broker.config.log.retentionMs, 3000)
        let log = h.broker.topics.topic("orders")!.partitions[0].log as! MemoryLog
        XCTAssertEqual(log.currentConfig.retentionMs, 3000, "open logs get the new default at once")

        XCTAssertEqual(try incremental(h, name: "1", [("log.retention.ms", 1, nil)])[0].errorCode, 0)
        XCTAssertEqual(h.broker.config.log.retentionMs, 2000)
        XCTAssertEqual(try incremental(h, name: "", [("log.retention.ms", 1, nil)])[0].errorCode, 0)
        XCTAssertEqual(h.broker.config.log.retentionMs, 1000, "back to the properties file")
        XCTAssertEqual(log.currentConfig.retentionMs, 1000)
        XCTAssertEqual(try describe(h, name: "1", key: "log.retention.ms")?.configSource, ConfigSource.staticBroker)
    }

    func testRefusedBrokerChangesChangeNothing() throws {
        let h = try BrokerHarness()
        let cases: [(String, [(String, Int8, String?)], ErrorCode)] = [
            ("7", [("log.retention.ms", 0, "1")], .invalidRequest),
            ("1", [("num.partitions", 0, "3")], .invalidConfig),
            ("1", [("no.such", 0, "3")], .invalidConfig),
            ("1", [("log.retention.ms", 0, "-5")], .invalidConfig),
            ("1", [("log.retention.ms", 0, nil)], .invalidRequest),
            ("1", [("log.retention.ms", 0, "1"), ("log.retention.ms", 0, "2")], .invalidRequest),
            ("1", [("log.retention.ms", 2, "1")], .invalidConfig),
            ("1", [("log.retention.ms", 9, "1")], .invalidRequest),
        ]
        for (name, ops, code) in cases {
            let r = try incremental(h, name: name, [("log.roll.ms", 0, "5000")] + ops)[0]
            XCTAssertEqual(r.errorCode, code.rawValue, "\(name) \(ops): \(r.errorMessage ?? "")")
            XCTAssertNotNil(r.errorMessage)
        }
        XCTAssertEqual(h.broker.config.log.segmentMs, BrokerConfig().log.segmentMs, "nothing half-applied")
        XCTAssertTrue(h.broker.metadata.current.dynamicBrokerConfigs.isEmpty)
        XCTAssertEqual(try incremental(h, name: "1", [("log.roll.ms", 0, "5000")], validateOnly: true)[0].errorCode, 0)
        XCTAssertEqual(h.broker.config.log.segmentMs, BrokerConfig().log.segmentMs, "validateOnly changes nothing")
    }

    func testAResourceNamedTwiceIsRefusedAndOtherResourcesAreServed() throws {
        let h = try BrokerHarness()
        try h.createTopic("a")
        let response = try h.call(AlterConfigsRequest(resources: [
            .init(resourceType: 2, resourceName: "a", configs: [.init(name: "retention.ms", value: "10")]),
            .init(resourceType: 2, resourceName: "a", configs: [.init(name: "retention.ms", value: "20")]),
            .init(resourceType: 4, resourceName: "1", configs: [.init(name: "log.roll.ms", value: "7000")]),
            .init(resourceType: 2, resourceName: "missing", configs: []),
            .init(resourceType: 8, resourceName: "1", configs: []),
        ], validateOnly: false), version: 2)
        XCTAssertEqual(response.responses.map(\.errorCode), [
            ErrorCode.invalidRequest.rawValue, ErrorCode.invalidRequest.rawValue, 0,
            ErrorCode.unknownTopicOrPartition.rawValue, ErrorCode.invalidRequest.rawValue,
        ])
        XCTAssertNil(h.broker.topics.topic("a")!.config.retentionMs)
        XCTAssertEqual(h.broker.config.log.segmentMs, 7000)
    }

    func testChangesAreReadBackFromTheMetadataStoreAtStart() throws {
        let store = MemoryMetadataStore()
        let factory = MemoryLogFactory()
        do {
            let h = try BrokerHarness(logFactory: factory, metadata: store)
            try h.createTopic("orders")
            XCTAssertEqual(try incremental(h, type: 2, name: "orders", [("retention.ms", 0, "5000"), ("segment.ms", 0, "700")])[0].errorCode, 0)
            let log = h.broker.topics.topic("orders")!.partitions[0].log as! MemoryLog
            XCTAssertEqual(log.currentConfig.retentionMs, 5000, "the open log gets the topic's new settings at once")
            XCTAssertEqual(log.currentConfig.segmentMs, 700)
            XCTAssertEqual(try incremental(h, type: 2, name: "orders", [("segment.ms", 1, nil)])[0].errorCode, 0)
            XCTAssertEqual(log.currentConfig.segmentMs, BrokerConfig().log.segmentMs, "a deleted override falls back at once")
            XCTAssertEqual(try incremental(h, name: "", [("message.max.bytes", 0, "4000")])[0].errorCode, 0)
        }
        XCTAssertEqual(store.current.dynamicBrokerConfigs, ["": ["message.max.bytes": "4000"]])
        let h = try BrokerHarness(logFactory: factory, metadata: store)
        XCTAssertEqual(h.broker.config.messageMaxBytes, 4000)
        XCTAssertEqual(h.broker.topics.topic("orders")?.config.retentionMs, 5000)
        XCTAssertEqual(try describe(h, name: "1", key: "message.max.bytes")?.configSource, ConfigSource.dynamicDefaultBroker)
    }
}
