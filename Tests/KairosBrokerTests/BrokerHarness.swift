import KafkaProtocol
import KairosBroker
import KairosStorage
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import XCTest

/// A broker on in-memory logs (or the given factory and metadata store) with a virtual clock, and a way to send it
/// typed requests.
final class BrokerHarness {
    let loop = EmbeddedEventLoop()
    let clock = VirtualClock()
    let broker: Broker
    private var correlationId: Int32 = 0

    init(
        logFactory: any LogFactory = MemoryLogFactory(), metadata: (any MetadataStore)? = nil,
        configure: (inout BrokerConfig) -> Void = { _ in }
    ) throws {
        var config = BrokerConfig()
        configure(&config)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        broker = try Broker(
            config: config, logFactory: logFactory, metadata: metadata, logger: logger, clock: { [clock] in clock.nowMs },
            randomId: sequentialTopicIds(high: 0xABCD))
    }

    var context: RequestContext { RequestContext(connectionId: 1, eventLoop: loop, peer: "test") }

    /// Frames a request as a client would.
    func frame<R: KafkaRequestMessage>(_ request: R, version: Int16) -> ByteBuffer {
        correlationId += 1
        var buffer = ByteBuffer()
        RequestHeader(apiKey: R.apiKey.rawValue, apiVersion: version, correlationId: correlationId, clientId: "harness")
            .write(into: &buffer)
        request.write(into: &buffer, version: version)
        return buffer
    }

    /// Sends a request and decodes its immediate response.
    func call<R: KafkaRequestMessage>(_ request: R, version: Int16, file: StaticString = #filePath, line: UInt = #line) throws -> R.Response {
        let reply = broker.handle(frame: frame(request, version: version), context: context)
        return try decode(reply, as: R.Response.self, apiKey: R.apiKey, version: version, file: file, line: line)
    }

    /// Decodes a reply that must be a complete frame.
    func decode<M: KafkaMessage>(
        _ reply: BrokerReply, as type: M.Type, apiKey: ApiKey, version: Int16, file: StaticString = #filePath, line: UInt = #line
    ) throws -> M {
        var bytes: ByteBuffer
        switch reply {
        case .frame(let b): bytes = b
        case .frameWithRecords(let parts, let records):
            bytes = ByteBuffer()
            for (i, p) in parts.enumerated() {
                bytes.writeImmutableBuffer(p)
                if i < records.count, case .bytes(let r) = records[i] { bytes.writeImmutableBuffer(r) }
            }
        case .muted(let inner, _):
            return try decode(inner, as: type, apiKey: apiKey, version: version, file: file, line: line)
        case .deferred(let future):
            loop.run()
            return try decode(try future.wait(), as: type, apiKey: apiKey, version: version, file: file, line: line)
        default:
            XCTFail("expected a response frame, got \(reply)", file: file, line: line)
            throw HarnessError()
        }
        let size = try bytes.readInt32()
        XCTAssertEqual(Int(size), bytes.readableBytes, "frame size", file: file, line: line)
        _ = try ResponseHeader.read(from: &bytes, headerVersion: apiKey.responseHeaderVersion(version))
        let message = try M(from: &bytes, version: version)
        XCTAssertEqual(bytes.readableBytes, 0, "bytes left after the response", file: file, line: line)
        return message
    }

    func createTopic(_ name: String, partitions: Int32 = 1, configs: [String: String] = [:]) throws {
        let request = CreateTopicsRequest(
            topics: [.init(name: name, numPartitions: partitions, replicationFactor: 1, assignments: [],
                           configs: configs.map { .init(name: $0.key, value: $0.value) })],
            timeoutMs: 1000)
        let response = try call(request, version: 7)
        XCTAssertEqual(response.topics.first?.errorCode, 0, "create \(name)")
    }

    func produce(_ topic: String, partition: Int32 = 0, batch: ByteBuffer, acks: Int16 = -1, version: Int16 = 9) throws
        -> ProduceResponse.PartitionProduceResponse
    {
        let request = ProduceRequest(
            transactionalId: nil, acks: acks, timeoutMs: 1000,
            topicData: [.init(name: topic, partitionData: [.init(index: partition, records: batch)])])
        let response = try call(request, version: version)
        return response.responses[0].partitionResponses[0]
    }

    func fetch(_ topic: String, partition: Int32 = 0, offset: Int64, maxWaitMs: Int32 = 0, minBytes: Int32 = 1, version: Int16 = 12)
        -> BrokerReply
    {
        let request = FetchRequest(
            maxWaitMs: maxWaitMs, minBytes: minBytes, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
            topics: [.init(topic: topic, partitions: [.init(partition: partition, fetchOffset: offset, partitionMaxBytes: 1 << 20)])])
        return broker.handle(frame: frame(request, version: version), context: context)
    }
}

struct HarnessError: Error {}

/// A clock tests move by hand.
final class VirtualClock: @unchecked Sendable {
    var nowMs: Int64 = 1_700_000_000_000
}

/// Topic ids 1, 2, 3, ... under a fixed high half: distinct and replayable.
func sequentialTopicIds(high: UInt64) -> @Sendable () -> KafkaUUID {
    let counter = NIOLockedValueBox<UInt64>(0)
    return { KafkaUUID(high: high, low: counter.withLockedValue { $0 += 1; return $0 }) }
}
