import KafkaProtocol
import KairosBroker
import KairosServer
import KairosStorage
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import XCTest

final class MetricsEndpointTests: XCTestCase {
    /// Starts a server with a metrics listener (both on free ports) over a fresh log directory, and waits until the
    /// metrics endpoint is bound.
    private func startServer(_ extra: [String: String]) async throws
        -> (server: KafkaServer, task: Task<Void, Error>, directory: String) {
        let directory = NSTemporaryDirectory() + "kairos-metrics-test-\(UInt64.random(in: 0...UInt64.max))"
        var properties = ["listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": directory, "metrics.listener": "127.0.0.1:0"]
        properties.merge(extra) { $1 }
        let config = try ServerConfig(properties: properties)
        var logger = Logger(label: "metrics-test")
        logger.logLevel = .critical
        let broker = try Broker(
            config: config.broker,
            logFactory: try DiskLogFactory(
                directory: directory, defaultConfig: config.broker.log, logger: logger, flushObserver: config.logFlushMetrics),
            logger: logger, clock: { Int64(Date().timeIntervalSince1970 * 1000) }, randomId: { KafkaUUID(high: 1, low: 2) })
        let server = KafkaServer(config: config, broker: broker, logger: logger)
        let task = Task { try await server.run() }
        for _ in 0..<500 where server.metricsEndpointPort == 0 { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertNotEqual(server.metricsEndpointPort, 0)
        return (server, task, directory)
    }

    func testPrometheusEndpointCountsRequestsAndBytes() async throws {
        let (server, task, directory) = try await startServer([:])
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: directory)
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try TestClient.connect(port: server.port, group: group)
        let create = try client.send(
            CreateTopicsRequest(topics: [.init(name: "m", numPartitions: 1, replicationFactor: 1)], timeoutMs: 1000), version: 7)
        _ = try client.receive(CreateTopicsResponse.self, version: 7, correlationId: create)
        var builder = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000)
        builder.append(timestamp: 1_700_000_000_000, key: nil as ByteBuffer?, value: ByteBuffer(string: "hello"))
        let batch = try builder.finish(compression: .none)
        let produce = try client.send(
            ProduceRequest(acks: 1, timeoutMs: 1000, topicData: [.init(name: "m", partitionData: [.init(index: 0, records: batch)])]),
            version: 9)
        _ = try client.receive(ProduceResponse.self, version: 9, correlationId: produce)
        client.close()
        try await group.shutdownGracefully()

        let text = try httpGet(port: server.metricsEndpointPort, path: "/metrics")
        XCTAssertTrue(text.hasPrefix("HTTP/1.0 200") || text.hasPrefix("HTTP/1.1 200"), text)
        XCTAssertTrue(text.contains("kairos_requests_total{api=\"Produce\"} 1"), text)
        XCTAssertTrue(text.contains("kairos_requests_total{api=\"CreateTopics\"} 1"), text)
        XCTAssertTrue(text.contains("kairos_topic_bytes_in_total{topic=\"m\"} \(batch.readableBytes)"), text)
        XCTAssertTrue(text.contains("kairos_topic_messages_in_total{topic=\"m\"} 1"), text)
        XCTAssertTrue(text.contains("kairos_under_replicated_partitions 0"), text)
        XCTAssertTrue(text.contains("kairos_network_request_queue_size 0"), text)
        XCTAssertTrue(text.contains("kairos_request_latency_seconds_count{api=\"Produce\"} 1"), text)
        // The per-partition load, as the KairosPartitionLoad API reports it.
        XCTAssertTrue(text.contains("kairos_partition_producing_connections{topic=\"m\",partition=\"0\"} 1"), text)
        XCTAssertTrue(text.contains("kairos_partition_fetching_members{topic=\"m\",partition=\"0\"} 0"), text)
        XCTAssertTrue(text.contains("kairos_partition_high_watermark{topic=\"m\",partition=\"0\"} 1"), text)
        let rateLine = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("kairos_partition_messages_in_per_second{topic=\"m\",partition=\"0\"}") })
        XCTAssertGreaterThan(Double(rateLine.split(separator: " ").last ?? "") ?? 0, 0, String(rateLine))
        XCTAssertTrue(try httpGet(port: server.metricsEndpointPort, path: "/nope").contains(" 404 "))
        server.shutdown()
        _ = try? await task.value
    }

    func testLogFlushLatencyCountsEveryForcedFlush() async throws {
        let (server, task, directory) = try await startServer(["log.flush.interval.messages": "1"])
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: directory)
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try TestClient.connect(port: server.port, group: group)
        let create = try client.send(
            CreateTopicsRequest(topics: [.init(name: "f", numPartitions: 1, replicationFactor: 1)], timeoutMs: 1000), version: 7)
        _ = try client.receive(CreateTopicsResponse.self, version: 7, correlationId: create)
        func produce(_ value: String) throws {
            var builder = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000)
            builder.append(timestamp: 1_700_000_000_000, key: nil as ByteBuffer?, value: ByteBuffer(string: value))
            let batch = try builder.finish(compression: .none)
            let id = try client.send(
                ProduceRequest(acks: 1, timeoutMs: 1000, topicData: [.init(name: "f", partitionData: [.init(index: 0, records: batch)])]),
                version: 9)
            let response = try client.receive(ProduceResponse.self, version: 9, correlationId: id)
            XCTAssertEqual(response.responses.first?.partitionResponses.first?.errorCode, 0)
        }

        let before = try flushCount(in: try httpGet(port: server.metricsEndpointPort, path: "/metrics"))
        for i in 0..<3 { try produce("record \(i)") }
        let text = try httpGet(port: server.metricsEndpointPort, path: "/metrics")
        client.close()
        try await group.shutdownGracefully()

        // log.flush.interval.messages=1: each one-record append is fsynced before it is acknowledged.
        let after = try flushCount(in: text)
        XCTAssertGreaterThanOrEqual(after - before, 3, text)
        XCTAssertEqual(server.metrics.logFlush.flushCount, Int64(after))
        XCTAssertTrue(text.contains("# TYPE kairos_log_flush_latency_seconds histogram"), text)
        XCTAssertTrue(text.contains("kairos_log_flush_latency_seconds_bucket{le=\"+Inf\"} \(after)"), text)
        let sumLine = text.split(separator: "\n").first { $0.hasPrefix("kairos_log_flush_latency_seconds_sum ") }
        let sumSeconds = try XCTUnwrap(sumLine.flatMap { Double($0.split(separator: " ")[1]) }, text)
        XCTAssertGreaterThan(sumSeconds, 0, "an fsync takes some time")
        XCTAssertLessThan(sumSeconds / Double(after), 10, "mean flush under 10 s")
        server.shutdown()
        _ = try? await task.value
    }

    func testEndpointRunsAsItsOwnServiceUntilGracefulShutdown() async throws {
        var logger = Logger(label: "metrics-service-test")
        logger.logLevel = .critical
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let endpoint = MetricsEndpoint(host: "127.0.0.1", port: 0, group: loops, logger: logger) { "kairos_test_gauge 42\n" }
        let group = ServiceGroup(services: [endpoint], logger: logger)
        let run = Task { try await group.run() }
        let port = try await endpoint.waitUntilBound()
        XCTAssertNotEqual(port, 0)
        XCTAssertEqual(endpoint.port, port)
        let text = try httpGet(port: port, path: "/metrics")
        XCTAssertTrue(text.hasPrefix("HTTP/1.0 200") || text.hasPrefix("HTTP/1.1 200"), text)
        XCTAssertTrue(text.contains("kairos_test_gauge 42"), text)
        XCTAssertTrue(try httpGet(port: port, path: "/nope").contains(" 404 "))

        // A second endpoint on the same port cannot bind: run() and waitUntilBound() both say so.
        let clash = MetricsEndpoint(host: "127.0.0.1", port: port, group: loops, logger: logger) { "" }
        do {
            try await clash.run()
            XCTFail("bound a port already taken")
        } catch {}
        do {
            _ = try await clash.waitUntilBound()
            XCTFail("waitUntilBound after a failed bind must throw")
        } catch {}

        await group.triggerGracefulShutdown()
        try await run.value
        XCTAssertFalse(canConnect(port: port), "the listener is closed once run() returns")
        try await loops.shutdownGracefully()
    }

    /// True when something accepts TCP connections on 127.0.0.1:`port`.
    private func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// The value of `kairos_log_flush_latency_seconds_count` in a scrape.
    private func flushCount(in text: String) throws -> Int {
        let line = text.split(separator: "\n").first { $0.hasPrefix("kairos_log_flush_latency_seconds_count ") }
        return try XCTUnwrap(line.flatMap { Int($0.split(separator: " ")[1]) }, text)
    }
}

/// A blocking HTTP/1.0 GET over a plain socket: the tests should not trust the server's own stack.
func httpGet(port: Int, path: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    XCTAssertGreaterThanOrEqual(fd, 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    XCTAssertEqual(connected, 0)
    let request = Array("GET \(path) HTTP/1.0\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response += chunk[0..<n]
    }
    return String(decoding: response, as: UTF8.self)
}
