import KafkaProtocol
import KairosBroker
import KairosServer
import KairosStorage
import Logging
import NIOCore
import NIOPosix
import XCTest

/// The transport honours a quota's mute: the answer over the quota comes at once with its throttle time, and a
/// request pipelined behind it is not answered before that time has passed. `/metrics` shows the client's bytes
/// and throttle time.
final class QuotaMutingTests: XCTestCase {
    func testAMutedConnectionAnswersPipelinedRequestsOnlyAfterTheThrottleTime() async throws {
        let directory = NSTemporaryDirectory() + "kairos-quota-test-\(UInt64.random(in: 0...UInt64.max))"
        let config = try ServerConfig(properties: [
            "listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": directory, "metrics.listener": "127.0.0.1:0",
            "quota.window.num": "2", "quota.window.size.seconds": "1",
        ])
        var logger = Logger(label: "quota-test")
        logger.logLevel = .critical
        let broker = try Broker(
            config: config.broker,
            logFactory: try DiskLogFactory(directory: directory, defaultConfig: config.broker.log, logger: logger),
            logger: logger, clock: { Int64(Date().timeIntervalSince1970 * 1000) }, randomId: { KafkaUUID(high: 1, low: 2) })
        let server = KafkaServer(config: config, broker: broker, logger: logger)
        let task = Task { try await server.run() }
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: directory)
        }
        for _ in 0..<500 where server.metricsEndpointPort == 0 { try await Task.sleep(nanoseconds: 10_000_000) }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try TestClient.connect(port: server.port, group: group)
        let create = try client.send(
            CreateTopicsRequest(topics: [.init(name: "q", numPartitions: 1, replicationFactor: 1)], timeoutMs: 1000), version: 7)
        _ = try client.receive(CreateTopicsResponse.self, version: 7, correlationId: create)
        // TestClient's client id is "test": 1,000 bytes per second.
        let alter = try client.send(
            AlterClientQuotasRequest(
                entries: [.init(entity: [.init(entityType: "client-id", entityName: "test")],
                                ops: [.init(key: "producer_byte_rate", value: 1_000, remove: false)])],
                validateOnly: false),
            version: 1)
        XCTAssertEqual(try client.receive(AlterClientQuotasResponse.self, version: 1, correlationId: alter).entries.first?.errorCode, 0)

        var builder = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000)
        builder.append(timestamp: 1_700_000_000_000, key: nil as ByteBuffer?, value: ByteBuffer(string: String(repeating: "z", count: 1_400)))
        let batch = try builder.finish(compression: .none)
        let request = ProduceRequest(acks: 1, timeoutMs: 1000, topicData: [.init(name: "q", partitionData: [.init(index: 0, records: batch)])])
        let first = try client.send(request, version: 9)
        let second = try client.send(request, version: 9)  // pipelined: arrives while the connection is muted
        let sent = Date()
        let firstResponse = try client.receive(ProduceResponse.self, version: 9, correlationId: first)
        let firstAt = Date().timeIntervalSince(sent)
        let secondResponse = try client.receive(ProduceResponse.self, version: 9, correlationId: second)
        let secondAt = Date().timeIntervalSince(sent)
        client.close()
        try await group.shutdownGracefully()

        let throttle = Double(firstResponse.throttleTimeMs) / 1_000
        XCTAssertGreaterThan(firstResponse.throttleTimeMs, 300, "about 1,470 bytes against 1,000/s measured over at least 1 s")
        XCTAssertLessThan(firstAt, throttle / 2, "the throttled answer goes out at once")
        XCTAssertGreaterThanOrEqual(secondAt, throttle * 0.95, "the pipelined request waits out the mute")
        XCTAssertEqual(firstResponse.responses[0].partitionResponses[0].errorCode, 0)
        XCTAssertEqual(secondResponse.responses[0].partitionResponses[0].baseOffset, 1, "both were written")

        let text = try httpGet(port: server.metricsEndpointPort, path: "/metrics")
        XCTAssertTrue(text.contains("kairos_client_bytes_total{client_id=\"test\",quota=\"producer_byte_rate\"} \(2 * batch.readableBytes)"), text)
        XCTAssertTrue(text.contains("kairos_client_throttle_time_ms_total{client_id=\"test\",quota=\"producer_byte_rate\"}"), text)
        XCTAssertTrue(text.contains("kairos_client_byte_rate{client_id=\"test\",quota=\"producer_byte_rate\"}"), text)
        server.shutdown()
        _ = try? await task.value
    }
}
