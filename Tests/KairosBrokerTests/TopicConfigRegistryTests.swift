import Foundation
import KafkaProtocol
import KairosBroker
import KairosStorage
import XCTest

/// The topic registry seen through CreateTopics and DescribeConfigs, and the typed TopicConfig it builds.
final class TopicConfigRegistryTests: XCTestCase {
    private func create(_ h: BrokerHarness, _ name: String, _ configs: [String: String]) throws
        -> CreateTopicsResponse.CreatableTopicResult
    {
        try h.call(
            CreateTopicsRequest(
                topics: [.init(name: name, numPartitions: 1, replicationFactor: 1, assignments: [],
                               configs: configs.map { .init(name: $0.key, value: $0.value) })],
                timeoutMs: 1000, validateOnly: false),
            version: 7
        ).topics[0]
    }

    private func describeTopic(_ h: BrokerHarness, _ name: String) throws -> [DescribeConfigsResponse.DescribeConfigsResourceResult] {
        try h.call(
            DescribeConfigsRequest(resources: [.init(resourceType: 2, resourceName: name, configurationKeys: nil)]),
            version: 4
        ).results[0].configs
    }

    /// Kafka accepts every topic config it documents; Kairos used to refuse these two with INVALID_CONFIG.
    func testCreateTopicsAcceptsConfigsKairosDoesNotActOn() throws {
        let h = try BrokerHarness()
        let configs = [
            "compression.type": "lz4", "delete.retention.ms": "1000", "min.cleanable.dirty.ratio": "0.1",
            "min.insync.replicas": "1", "segment.jitter.ms": "5", "message.timestamp.after.max.ms": "3600000",
            "preallocate": "true", "cleanup.policy": "compact,delete",
        ]
        let result = try create(h, "accepting", configs)
        XCTAssertEqual(result.errorCode, 0, result.errorMessage ?? "")
        let echoed = Dictionary(uniqueKeysWithValues: (result.configs ?? []).map { ($0.name, $0.value) })
        for (name, value) in configs { XCTAssertEqual(echoed[name], value, name) }

        let described = try describeTopic(h, "accepting")
        let byName = Dictionary(uniqueKeysWithValues: described.map { ($0.name, $0) })
        XCTAssertEqual(described.map(\.name), TopicConfig.registry.properties.map(\.name), "every registry entry, in order")
        for (name, value) in configs {
            XCTAssertEqual(byName[name]?.value, value, name)
            XCTAssertEqual(byName[name]?.configSource, 1, "\(name) is DYNAMIC_TOPIC_CONFIG")
        }
        XCTAssertEqual(byName["file.delete.delay.ms"]?.value, "60000")
        XCTAssertEqual(byName["file.delete.delay.ms"]?.configSource, 5, "an untouched default is DEFAULT_CONFIG")
        XCTAssertEqual(byName["min.cleanable.dirty.ratio"]?.configType, 6, "DOUBLE")
        XCTAssertEqual(byName["retention.ms"]?.configType, 5, "LONG")
        XCTAssertEqual(byName["cleanup.policy"]?.configType, 7, "LIST")
    }

    func testBadTopicValuesAreRefusedNamingTheProperty() throws {
        let h = try BrokerHarness()
        let cases: [(String, String)] = [
            ("min.cleanable.dirty.ratio", "2"), ("compression.type", "brotli"), ("delete.retention.ms", "-1"),
            ("cleanup.policy", "shred"), ("segment.bytes", "13"), ("message.timestamp.type", "Whenever"),
            ("compression.gzip.level", "0"), ("preallocate", "perhaps"),
        ]
        for (name, value) in cases {
            let result = try create(h, "bad", [name: value])
            XCTAssertEqual(result.errorCode, ErrorCode.invalidConfig.rawValue, "\(name)=\(value)")
            XCTAssertTrue(result.errorMessage?.contains(name) == true, "\(name)=\(value): \(result.errorMessage ?? "nil")")
        }
    }

    func testBrokerDescribeListsTheRegistryWithSources() throws {
        let given = try BrokerConfig(properties: ["num.partitions": "4", "log.retention.hours": "2"])
        let h = try BrokerHarness { $0 = given }
        let configs = try h.call(
            DescribeConfigsRequest(resources: [.init(resourceType: 4, resourceName: "1", configurationKeys: nil)]), version: 4
        ).results[0].configs
        XCTAssertEqual(configs.map(\.name), BrokerConfig.registry.properties.map(\.name))
        let byName = Dictionary(uniqueKeysWithValues: configs.map { ($0.name, $0) })
        XCTAssertEqual(byName["num.partitions"]?.value, "4")
        XCTAssertEqual(byName["num.partitions"]?.configSource, 4, "STATIC_BROKER_CONFIG")
        XCTAssertEqual(byName["log.retention.ms"]?.value, "7200000", "set through its hours synonym")
        XCTAssertEqual(byName["log.retention.ms"]?.configSource, 4)
        XCTAssertEqual(byName["log.cleaner.delete.retention.ms"]?.value, "86400000", "an accepted-ignored default")
        XCTAssertEqual(byName["log.cleaner.delete.retention.ms"]?.configSource, 5, "DEFAULT_CONFIG")
        XCTAssertEqual(byName["auto.create.topics.enable"]?.configType, 1, "BOOLEAN")
    }

    func testTypedConfigResolvesAgainstTheBroker() throws {
        var broker = BrokerConfig()
        broker.log.retentionMs = 9_000
        let config = try TopicConfig(overrides: ["segment.bytes": "2048", "max.message.bytes": "100",
                                                 "message.timestamp.type": "LogAppendTime", "retention.bytes": nil])
        XCTAssertEqual(config.segmentBytes, 2048)
        XCTAssertNil(config.retentionBytes, "a null override resets to the default")
        XCTAssertEqual(config.logConfig(broker: broker).segmentBytes, 2048)
        XCTAssertEqual(config.logConfig(broker: broker).retentionMs, 9_000, "the broker's value where not overridden")
        XCTAssertEqual(config.maxMessageBytes(broker: broker), 100)
        XCTAssertTrue(config.usesLogAppendTime(broker: broker))

        let compact = try TopicConfig(overrides: ["cleanup.policy": "compact", "retention.ms": "5"])
        XCTAssertEqual(compact.logConfig(broker: broker).retentionMs, -1, "compact without a cleaner keeps every record")
        XCTAssertEqual(compact.logConfig(broker: broker).retentionBytes, -1)

        XCTAssertThrowsError(try TopicConfig(overrides: ["retention.ms": "soon"])) { error in
            XCTAssertEqual((error as? ConfigError)?.key, "retention.ms")
        }
    }

    func testApplyingChangesSetsAndRemovesOverrides() throws {
        let config = try TopicConfig(overrides: ["retention.ms": "1000", "segment.bytes": "4096"])
        let changed = try config.applying(["retention.ms": nil, "cleanup.policy": "compact", "segment.bytes": "8192"])
        XCTAssertNil(changed.retentionMs)
        XCTAssertEqual(changed.segmentBytes, 8192)
        XCTAssertEqual(changed.cleanupPolicy, CleanupPolicy(delete: false, compact: true))
        XCTAssertEqual(changed.overrides, ["cleanup.policy": "compact", "segment.bytes": "8192"])
        XCTAssertThrowsError(try config.applying(["retention.ms": "later"])) { XCTAssertEqual(($0 as? ConfigError)?.key, "retention.ms") }
        XCTAssertThrowsError(try config.applying(["no.such": nil])) { XCTAssertEqual(($0 as? ConfigError)?.key, "no.such") }
    }

    /// The catalog keeps overrides as text, as before they were typed, and reads them back typed.
    func testCatalogFormatIsUnchanged() throws {
        let config = try TopicConfig(overrides: ["retention.ms": "1000", "compression.type": "lz4"])
        let data = try JSONEncoder().encode(config)
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        XCTAssertEqual(json?["overrides"] as? [String: String], ["retention.ms": "1000", "compression.type": "lz4"])
        let decoded = try JSONDecoder().decode(TopicConfig.self, from: Data(#"{"overrides":{"retention.ms":"1000","compression.type":"lz4"}}"#.utf8))
        XCTAssertEqual(decoded, config)
        XCTAssertEqual(decoded.retentionMs, 1000)
        XCTAssertThrowsError(try JSONDecoder().decode(TopicConfig.self, from: Data(#"{"overrides":{"retention.ms":"x"}}"#.utf8)))
    }
}
