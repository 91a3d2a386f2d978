import KafkaProtocol
import NIOCore
import KairosBroker
import XCTest

final class TopicAdminTests: XCTestCase {
    func testCreateListAndDescribeTopic() throws {
        let h = try BrokerHarness()
        try h.createTopic("orders", partitions: 3, configs: ["retention.ms": "1000"])
        let metadata = try h.call(MetadataRequest(topics: nil, allowAutoTopicCreation: false), version: 12)
        XCTAssertEqual(metadata.topics.map(\.name), ["orders"])
        XCTAssertEqual(metadata.topics[0].partitions.map(\.partitionIndex), [0, 1, 2])
        XCTAssertEqual(metadata.topics[0].partitions[0].leaderId, 1)
        XCTAssertEqual(metadata.brokers.first?.nodeId, 1)
        XCTAssertNotEqual(metadata.topics[0].topicId, .zero)

        let describe = try h.call(
            DescribeConfigsRequest(resources: [.init(resourceType: 2, resourceName: "orders", configurationKeys: nil)]),
            version: 4)
        let retention = describe.results[0].configs.first { $0.name == "retention.ms" }
        XCTAssertEqual(retention?.value, "1000")
        XCTAssertEqual(retention?.configSource, 1, "an override is DYNAMIC_TOPIC_CONFIG")
        let segment = describe.results[0].configs.first { $0.name == "segment.bytes" }
        XCTAssertEqual(segment?.value, "1073741824")
        XCTAssertEqual(segment?.configSource, 5, "an untouched default is DEFAULT_CONFIG")
    }

    func testCreateErrors() throws {
        let h = try BrokerHarness()
        try h.createTopic("dup")
        func create(_ name: String, partitions: Int32 = 1, replication: Int16 = 1, configs: [String: String] = [:], validateOnly: Bool = false)
            throws -> Int16
        {
            let r = try h.call(
                CreateTopicsRequest(
                    topics: [.init(name: name, numPartitions: partitions, replicationFactor: replication, assignments: [],
                                   configs: configs.map { .init(name: $0.key, value: $0.value) })],
                    timeoutMs: 1000, validateOnly: validateOnly),
                version: 7)
            return r.topics[0].errorCode
        }
        XCTAssertEqual(try create("dup"), ErrorCode.topicAlreadyExists.rawValue)
        XCTAssertEqual(try create("bad/name"), ErrorCode.invalidTopicException.rawValue)
        XCTAssertEqual(try create(String(repeating: "x", count: 250)), ErrorCode.invalidTopicException.rawValue)
        XCTAssertEqual(try create("zero", partitions: 0), ErrorCode.invalidPartitions.rawValue)
        XCTAssertEqual(try create("rf", replication: 3), ErrorCode.invalidReplicationFactor.rawValue)
        XCTAssertEqual(try create("cfg", configs: ["retention.ms": "soon"]), ErrorCode.invalidConfig.rawValue)
        XCTAssertEqual(try create("cfg2", configs: ["no.such.config": "1"]), ErrorCode.invalidConfig.rawValue)
        XCTAssertEqual(try create("checked", validateOnly: true), 0)
        let metadata = try h.call(MetadataRequest(topics: nil, allowAutoTopicCreation: false), version: 12)
        XCTAssertEqual(metadata.topics.map(\.name), ["dup"], "validate-only and failed creations leave no topic")
    }

    func testCreatePartitionsGrowsAndRefusesShrinking() throws {
        let h = try BrokerHarness()
        try h.createTopic("grow", partitions: 2)
        let grow = try h.call(
            CreatePartitionsRequest(topics: [.init(name: "grow", count: 5, assignments: nil)], timeoutMs: 1000, validateOnly: false),
            version: 3)
        XCTAssertEqual(grow.results[0].errorCode, 0)
        let shrink = try h.call(
            CreatePartitionsRequest(topics: [.init(name: "grow", count: 3, assignments: nil)], timeoutMs: 1000, validateOnly: false),
            version: 3)
        XCTAssertEqual(shrink.results[0].errorCode, ErrorCode.invalidPartitions.rawValue)
        let unknown = try h.call(
            CreatePartitionsRequest(topics: [.init(name: "nope", count: 3, assignments: nil)], timeoutMs: 1000, validateOnly: false),
            version: 3)
        XCTAssertEqual(unknown.results[0].errorCode, ErrorCode.unknownTopicOrPartition.rawValue)
        let metadata = try h.call(MetadataRequest(topics: [.init(name: "grow")], allowAutoTopicCreation: false), version: 12)
        XCTAssertEqual(metadata.topics[0].partitions.count, 5)
    }

    func testDeleteTopic() throws {
        let h = try BrokerHarness()
        try h.createTopic("gone")
        let deleted = try h.call(DeleteTopicsRequest(topicNames: ["gone", "never"], timeoutMs: 1000), version: 5)
        XCTAssertEqual(deleted.responses.map(\.errorCode), [0, ErrorCode.unknownTopicOrPartition.rawValue])
        let metadata = try h.call(MetadataRequest(topics: [.init(name: "gone")], allowAutoTopicCreation: false), version: 12)
        XCTAssertEqual(metadata.topics[0].errorCode, ErrorCode.unknownTopicOrPartition.rawValue)
    }

    func testMetadataAutoCreation() throws {
        let on = try BrokerHarness { $0.numPartitions = 4 }
        let created = try on.call(MetadataRequest(topics: [.init(name: "auto")], allowAutoTopicCreation: true), version: 12)
        XCTAssertEqual(created.topics[0].errorCode, 0)
        XCTAssertEqual(created.topics[0].partitions.count, 4)
        let refused = try on.call(MetadataRequest(topics: [.init(name: "notallowed")], allowAutoTopicCreation: false), version: 12)
        XCTAssertEqual(refused.topics[0].errorCode, ErrorCode.unknownTopicOrPartition.rawValue)
        let invalid = try on.call(MetadataRequest(topics: [.init(name: "in valid")], allowAutoTopicCreation: true), version: 12)
        XCTAssertEqual(invalid.topics[0].errorCode, ErrorCode.invalidTopicException.rawValue)

        let off = try BrokerHarness { $0.autoCreateTopicsEnable = false }
        let none = try off.call(MetadataRequest(topics: [.init(name: "auto")], allowAutoTopicCreation: true), version: 12)
        XCTAssertEqual(none.topics[0].errorCode, ErrorCode.unknownTopicOrPartition.rawValue)
    }

    func testApiVersionsAdvertisesAndAnswersUnsupportedVersions() throws {
        let h = try BrokerHarness()
        let response = try h.call(ApiVersionsRequest(clientSoftwareName: "t", clientSoftwareVersion: "1"), version: 3)
        XCTAssertEqual(response.errorCode, 0)
        let produce = response.apiKeys.first { $0.apiKey == ApiKey.produce.rawValue }
        XCTAssertEqual(produce?.minVersion, 0)
        XCTAssertGreaterThanOrEqual(produce?.maxVersion ?? 0, 7, "zstd needs Produce v7+")
        XCTAssertTrue(response.apiKeys.allSatisfy { $0.minVersion == 0 })

        // A version from the future: a v0 answer with UNSUPPORTED_VERSION and the list.
        var frame = ByteBuffer()
        RequestHeader(apiKey: ApiKey.apiVersions.rawValue, apiVersion: 99, correlationId: 42, clientId: "future").write(into: &frame)
        frame.writeBytes([0, 0, 0, 0])
        let reply = h.broker.handle(frame: frame, context: h.context)
        let v0 = try h.decode(reply, as: ApiVersionsResponse.self, apiKey: .apiVersions, version: 0)
        XCTAssertEqual(v0.errorCode, ErrorCode.unsupportedVersion.rawValue)
        XCTAssertFalse(v0.apiKeys.isEmpty)
    }

    func testGarbageAndUnknownApisCloseTheConnection() throws {
        let h = try BrokerHarness()
        var unknown = ByteBuffer()
        RequestHeader(apiKey: 9999, apiVersion: 0, correlationId: 1, clientId: nil).write(into: &unknown)
        guard case .close = h.broker.handle(frame: unknown, context: h.context) else { return XCTFail("unknown API must close") }

        var truncated = h.frame(MetadataRequest(topics: [.init(name: "abc")], allowAutoTopicCreation: true), version: 12)
        truncated = truncated.getSlice(at: 0, length: truncated.readableBytes - 3)!
        guard case .close = h.broker.handle(frame: truncated, context: h.context) else { return XCTFail("truncated must close") }

        let garbage = ByteBuffer(bytes: [0x00, 0x03])
        guard case .close = h.broker.handle(frame: garbage, context: h.context) else { return XCTFail("garbage must close") }

        // The broker still serves afterwards.
        XCTAssertEqual(try h.call(ApiVersionsRequest(), version: 0).errorCode, 0)
    }
}
