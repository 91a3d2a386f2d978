import KafkaProtocol
import KairosClient
import XCTest

final class AdminTests: XCTestCase {
    func testTopicLifecycleAgainstTheKairosBroker() async throws {
        let broker = try await TestBroker.start(properties: ["auto.create.topics.enable": "false"])
        let admin = KafkaAdmin(config: broker.clientConfig)
        do {
            try await admin.createTopic("orders", partitions: 3, configs: ["retention.ms": "60000"])
            try await admin.createTopic("payments", partitions: 1)
            let names = try await admin.listTopics()
            XCTAssertEqual(names, ["orders", "payments"])

            let described = try await admin.describeTopics(["orders"])
            XCTAssertEqual(described.count, 1)
            XCTAssertEqual(described[0].partitions.map(\.id), [0, 1, 2])
            XCTAssertTrue(described[0].partitions.allSatisfy { $0.leaderId >= 0 })

            do {
                try await admin.createTopic("orders", partitions: 3)
                XCTFail("creating an existing topic must fail")
            } catch let error as KafkaClientError {
                XCTAssertEqual(error.errorCode, .topicAlreadyExists)
            }

            try await admin.createPartitions(topic: "orders", totalCount: 5)
            let grown = try await admin.describeTopics(["orders"])
            XCTAssertEqual(grown[0].partitions.count, 5)

            let configs = try await admin.describeConfigs(topic: "orders")
            XCTAssertEqual(configs.first { $0.name == "retention.ms" }?.value, "60000")

            let offsets = try await admin.listOffsets([
                TopicPartition(topic: "orders", partition: 0): .earliest,
                TopicPartition(topic: "orders", partition: 1): .latest,
            ])
            XCTAssertEqual(offsets[TopicPartition(topic: "orders", partition: 0)]?.offset, 0)
            XCTAssertEqual(offsets[TopicPartition(topic: "orders", partition: 1)]?.offset, 0)

            try await admin.deleteTopics(["payments"])
            let remaining = try await admin.listTopics()
            XCTAssertEqual(remaining, ["orders"])

            do {
                _ = try await admin.describeTopics(["nope"])
                XCTFail("describing a missing topic must fail")
            } catch let error as KafkaClientError {
                XCTAssertEqual(error.errorCode, .unknownTopicOrPartition)
                XCTAssertFalse(error.isRetriable && error.errorCode == nil)
            }
        } catch {
            await admin.close()
            await broker.stop()
            throw error
        }
        await admin.close()
        await broker.stop()
    }

    func testConnectionNegotiatesVersionsAndFailsClearlyWhenNothingListens() async throws {
        let broker = try await TestBroker.start()
        let connection = try await BrokerConnection.connect(
            to: broker.address, config: broker.clientConfig, group: .singletonMultiThreadedEventLoopGroup)
        XCTAssertEqual(try connection.version(of: .produce), ApiKey.produce.versions.upperBound)
        XCTAssertTrue(connection.supports(.metadata))
        await connection.closeAndWait()
        await broker.stop()

        var config = broker.clientConfig
        config.bootstrapServers = [BrokerAddress(host: "127.0.0.1", port: 1)]
        do {
            _ = try await BrokerConnection.connect(to: config.bootstrapServers[0], config: config,
                                                   group: .singletonMultiThreadedEventLoopGroup)
            XCTFail("connecting to a closed port must fail")
        } catch let error as KafkaClientError {
            XCTAssertTrue(error.isRetriable, "\(error)")
        }
    }

    func testBrokerAddressParsing() throws {
        XCTAssertEqual(try BrokerAddress(parsing: "localhost:9092"), BrokerAddress(host: "localhost", port: 9092))
        XCTAssertEqual(try BrokerAddress(parsing: "PLAINTEXT://10.0.0.1:19092"), BrokerAddress(host: "10.0.0.1", port: 19092))
        XCTAssertEqual(try BrokerAddress(parsing: "[::1]:9092"), BrokerAddress(host: "::1", port: 9092))
        XCTAssertThrowsError(try BrokerAddress(parsing: "localhost"))
        XCTAssertThrowsError(try BrokerAddress(parsing: "h:99999"))
        XCTAssertEqual(try BrokerAddress.parseList("a:1, b:2").count, 2)
        XCTAssertThrowsError(try BrokerAddress.parseList(" , "))
    }
}
