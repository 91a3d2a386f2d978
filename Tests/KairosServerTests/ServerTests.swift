import KafkaProtocol
import KairosBroker
import KairosServer
import KairosStorage
import Logging
import NIOCore
import NIOPosix
import XCTest

final class ServerTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var server: KafkaServer!
    private var serverTask: Task<Void, Error>!
    private var directory: String!

    override func setUp() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        directory = NSTemporaryDirectory() + "kairos-server-test-\(UInt64.random(in: 0...UInt64.max))"
        try await start(properties: ["socket.request.max.bytes": "10000"])
    }

    override func tearDown() async throws {
        server.shutdown()
        _ = try? await serverTask.value
        try? await group.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func start(properties: [String: String]) async throws {
        var props = properties
        props["listeners"] = "PLAINTEXT://127.0.0.1:0"
        props["log.dirs"] = directory
        let config = try ServerConfig(properties: props)
        var logger = Logger(label: "server-test")
        logger.logLevel = .critical
        let factory = try DiskLogFactory(directory: directory, defaultConfig: config.broker.log, logger: logger)
        let broker = try Broker(
            config: config.broker, logFactory: factory, logger: logger,
            clock: { Int64(Date().timeIntervalSince1970 * 1000) },
            randomId: { KafkaUUID(high: UInt64.random(in: 1...UInt64.max), low: UInt64.random(in: 1...UInt64.max)) })
        let server = KafkaServer(config: config, broker: broker, logger: logger)
        self.server = server
        serverTask = Task { try await server.run() }
        for _ in 0..<500 where server.port == 0 { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertNotEqual(server.port, 0, "server did not bind")
    }

    func testApiVersionsOverTheWire() throws {
        let client = try TestClient.connect(port: server.port, group: group)
        defer { client.close() }
        let id = try client.send(ApiVersionsRequest(clientSoftwareName: "t", clientSoftwareVersion: "1"), version: 3)
        let response = try client.receive(ApiVersionsResponse.self, version: 3, correlationId: id)
        XCTAssertEqual(response.errorCode, 0)
        XCTAssertTrue(response.apiKeys.contains { $0.apiKey == ApiKey.fetch.rawValue })
    }

    func testOversizeFrameClosesOnlyThatConnection() throws {
        let bad = try TestClient.connect(port: server.port, group: group)
        var frame = ByteBuffer()
        frame.writeInteger(Int32(20_000))
        frame.writeRepeatingByte(0, count: 100)
        try bad.sendRaw(frame)
        XCTAssertTrue(bad.waitClosed(), "a frame over socket.request.max.bytes must close the connection")

        let good = try TestClient.connect(port: server.port, group: group)
        defer { good.close() }
        let id = try good.send(ApiVersionsRequest(), version: 0)
        XCTAssertEqual(try good.receive(ApiVersionsResponse.self, version: 0, correlationId: id).errorCode, 0)
    }

    func testPipelinedRepliesKeepRequestOrderBehindAWaitingFetch() throws {
        let client = try TestClient.connect(port: server.port, group: group)
        defer { client.close() }
        let create = try client.send(
            CreateTopicsRequest(topics: [.init(name: "t", numPartitions: 1, replicationFactor: 1)], timeoutMs: 1000), version: 7)
        XCTAssertEqual(try client.receive(CreateTopicsResponse.self, version: 7, correlationId: create).topics[0].errorCode, 0)

        // A fetch that waits 300 ms, then a metadata request: the metadata answer must come second.
        let fetch = try client.send(
            FetchRequest(maxWaitMs: 300, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1,
                         topics: [.init(topic: "t", partitions: [.init(partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20)])]),
            version: 11)
        let metadata = try client.send(MetadataRequest(topics: nil), version: 9)
        let start = Date()
        let fetched = try client.receive(FetchResponse.self, version: 11, correlationId: fetch)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.2)
        XCTAssertEqual(fetched.responses[0].partitions[0].errorCode, 0)
        let described = try client.receive(MetadataResponse.self, version: 9, correlationId: metadata)
        XCTAssertEqual(described.topics.map(\.name), ["t"])
        XCTAssertEqual(described.brokers.first?.port, Int32(server.port), "port 0 binds advertise the real port")
    }

    func testProduceThenZeroCopyFetchFromDisk() throws {
        let client = try TestClient.connect(port: server.port, group: group)
        defer { client.close() }
        let create = try client.send(
            CreateTopicsRequest(topics: [.init(name: "disk", numPartitions: 1, replicationFactor: 1)], timeoutMs: 1000), version: 7)
        _ = try client.receive(CreateTopicsResponse.self, version: 7, correlationId: create)
        var builder = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000)
        for i in 0..<50 {
            var v = ByteBuffer()
            v.writeString("value-\(i)")
            _ = builder.append(timestamp: 1_700_000_000_000 + Int64(i), key: nil, value: v, headers: [])
        }
        let batch = try builder.finish(compression: .lz4, allocator: ByteBufferAllocator())
        for _ in 0..<3 {
            let id = try client.send(
                ProduceRequest(acks: -1, timeoutMs: 1000, topicData: [.init(name: "disk", partitionData: [.init(index: 0, records: batch)])]),
                version: 9)
            XCTAssertEqual(try client.receive(ProduceResponse.self, version: 9, correlationId: id).responses[0].partitionResponses[0].errorCode, 0)
        }
        let fetch = try client.send(
            FetchRequest(maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1,
                         topics: [.init(topic: "disk", partitions: [.init(partition: 0, fetchOffset: 50, partitionMaxBytes: 1 << 20)])]),
            version: 12)
        let response = try client.receive(FetchResponse.self, version: 12, correlationId: fetch)
        let partition = response.responses[0].partitions[0]
        XCTAssertEqual(partition.highWatermark, 150)
        var records = try XCTUnwrap(partition.records)
        var values: [String] = []
        var offsets: [Int64] = []
        while records.readableBytes > 0 {
            let decoded = try RecordBatch.decode(from: &records, maxDecompressedBytes: 1 << 20)
            for r in decoded.records {
                offsets.append(decoded.baseOffset + Int64(r.offsetDelta))
                values.append(String(buffer: r.value!))
            }
        }
        XCTAssertEqual(offsets, Array(50..<150), "fetch starts at the batch holding offset 50")
        XCTAssertEqual(values.first, "value-0")
    }

    func testPipelinedProducesInFsyncPerAckModeAreAllAnsweredInOrder() async throws {
        server.shutdown()
        _ = try? await serverTask.value
        try await start(properties: ["log.flush.interval.messages": "1"])
        try pipelineProducesAndCheckOrder()
    }

    /// Twenty produces to two partitions, a fetch waiting at the log end and a metadata request sent back to back on
    /// one connection: every reply comes, in request order, with the offsets in order per partition.
    private func pipelineProducesAndCheckOrder() throws {
        let client = try TestClient.connect(port: server.port, group: group)
        defer { client.close() }
        let create = try client.send(
            CreateTopicsRequest(topics: [.init(name: "synced", numPartitions: 2, replicationFactor: 1)], timeoutMs: 1000), version: 7)
        XCTAssertEqual(try client.receive(CreateTopicsResponse.self, version: 7, correlationId: create).topics[0].errorCode, 0)
        var builder = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000)
        var v = ByteBuffer()
        v.writeString("value")
        _ = builder.append(timestamp: 1_700_000_000_000, key: nil, value: v, headers: [])
        let batch = try builder.finish(compression: .none, allocator: ByteBufferAllocator())
        var ids: [(id: Int32, partition: Int32)] = []
        for i in 0..<20 {
            let partition = Int32(i % 2)
            let id = try client.send(
                ProduceRequest(acks: -1, timeoutMs: 1000,
                               topicData: [.init(name: "synced", partitionData: [.init(index: partition, records: batch)])]),
                version: 9)
            ids.append((id, partition))
        }
        // A fetch that waits at the log end (behind replies still waiting for the disk), then metadata.
        let fetch = try client.send(
            FetchRequest(maxWaitMs: 200, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1,
                         topics: [.init(topic: "synced", partitions: [.init(partition: 0, fetchOffset: 10, partitionMaxBytes: 1 << 20)])]),
            version: 11)
        let metadata = try client.send(MetadataRequest(topics: nil), version: 9)
        var next: [Int32: Int64] = [0: 0, 1: 0]
        for (id, partition) in ids {
            let response = try client.receive(ProduceResponse.self, version: 9, correlationId: id)
            let result = response.responses[0].partitionResponses[0]
            XCTAssertEqual(result.errorCode, 0)
            XCTAssertEqual(result.index, partition)
            XCTAssertEqual(result.baseOffset, next[partition])
            next[partition]! += 1
        }
        let fetched = try client.receive(FetchResponse.self, version: 11, correlationId: fetch)
        XCTAssertEqual(fetched.responses[0].partitions[0].errorCode, 0)
        XCTAssertEqual(fetched.responses[0].partitions[0].highWatermark, 10)
        XCTAssertEqual(try client.receive(MetadataResponse.self, version: 9, correlationId: metadata).topics.map(\.name), ["synced"])
    }

}
