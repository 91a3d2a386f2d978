import Foundation
import KafkaProtocol
import KairosBroker
import KairosClient
import KairosServer
import KairosStorage
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A fake broker whose answers a test scripts, request by request: answer with a message, pass the request to a
/// real in-process `Broker` (the shared log behind several fake nodes), drop the connection, or stay silent.
/// Several of these with one backend make a scripted multi-broker cluster.
final class ScriptedBroker: @unchecked Sendable {
    enum Reply {
        /// Answer with this body (encoded at the request's version).
        case respond(any KafkaMessage)
        /// Let the backend broker answer.
        case delegate
        /// Let the backend broker handle it, but close the connection instead of answering (a lost response).
        case delegateThenDrop
        /// Close the connection.
        case drop
        /// Never answer.
        case silent
    }

    typealias Script = @Sendable (_ header: RequestHeader, _ body: ByteBuffer) -> Reply

    let nodeId: Int32
    let channel: Channel
    private let requests = NIOLockedValueBox<[Int16]>([])

    var port: Int { channel.localAddress!.port! }
    var address: BrokerAddress { BrokerAddress(host: "127.0.0.1", port: port) }

    /// API keys of the requests seen so far, in order.
    var seenApiKeys: [Int16] { requests.withLockedValue { $0 } }
    func count(_ api: ApiKey) -> Int { seenApiKeys.filter { $0 == api.rawValue }.count }

    private init(nodeId: Int32, channel: Channel) {
        self.nodeId = nodeId
        self.channel = channel
    }

    static func start(nodeId: Int32, backend: Broker?, script: @escaping Script) async throws -> ScriptedBroker {
        let box = NIOLockedValueBox<ScriptedBroker?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try child.pipeline.syncOperations.addHandler(ScriptHandler(backend: backend, script: script) { key in
                        box.withLockedValue { $0?.requests.withLockedValue { $0.append(key) } }
                    })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let broker = ScriptedBroker(nodeId: nodeId, channel: channel)
        box.withLockedValue { $0 = broker }
        return broker
    }

    func stop() async {
        try? await channel.close()
    }

    /// Builds a backend broker (no sockets) with in-memory logs.
    static func makeBackend() throws -> Broker {
        let directory = NSTemporaryDirectory() + "kairos-scripted-\(UInt64.random(in: 0...UInt64.max))"
        let config = try ServerConfig(properties: ["log.dirs": directory, "listeners": "PLAINTEXT://127.0.0.1:0"])
        var logger = Logger(label: "scripted-backend")
        logger.logLevel = .critical
        return try Broker(
            config: config.broker, logFactory: MemoryLogFactory(), logger: logger,
            clock: { Int64(Date().timeIntervalSince1970 * 1000) },
            randomId: { KafkaUUID(high: UInt64.random(in: 1...UInt64.max), low: UInt64.random(in: 1...UInt64.max)) })
    }

    /// An ApiVersions answer offering every API this codebase speaks, at every version.
    static var apiVersions: ApiVersionsResponse {
        ApiVersionsResponse(apiKeys: ApiKey.allCases.map {
            .init(apiKey: $0.rawValue, minVersion: $0.versions.lowerBound, maxVersion: $0.versions.upperBound)
        })
    }

    /// A Metadata answer naming `brokers` and one topic whose partitions have the given leaders.
    static func metadata(brokers: [ScriptedBroker], topic: String, leaders: [Int32]) -> MetadataResponse {
        MetadataResponse(
            brokers: brokers.map { .init(nodeId: $0.nodeId, host: "127.0.0.1", port: Int32($0.port)) },
            clusterId: "scripted", controllerId: brokers[0].nodeId,
            topics: [.init(errorCode: 0, name: topic, partitions: leaders.enumerated().map { index, leader in
                .init(errorCode: 0, partitionIndex: Int32(index), leaderId: leader, leaderEpoch: 0,
                      replicaNodes: [leader], isrNodes: [leader])
            })])
    }
}

extension ScriptedBroker {
    /// Client settings for tests against this node: short backoff, timeouts that fail a stuck test in seconds.
    var testClientConfig: ClientConfig {
        var config = ClientConfig()
        config.bootstrapServers = [address]
        config.retryBackoffMs = 10
        config.requestTimeoutMs = 5000
        config.defaultApiTimeoutMs = 5000
        return config
    }

    /// A producer bootstrapped from this node with `testClientConfig`'s timings and `linger.ms=0`, then
    /// `properties` on top.
    func testProducer(_ properties: [String: String]) throws -> KafkaProducer {
        var props = ["bootstrap.servers": address.description, "retry.backoff.ms": "10",
                     "request.timeout.ms": "5000", "linger.ms": "0"]
        props.merge(properties) { $1 }
        return try KafkaProducer(config: ProducerConfig(properties: props))
    }
}

private struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Framing.readFrame(from: &buffer, maxBytes: 64 << 20) else { return .needMoreData }
        context.fireChannelRead(NIOAny(frame))
        return .continue
    }
}

private final class ScriptHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let backend: Broker?
    private let script: ScriptedBroker.Script
    private let record: (Int16) -> Void
    private static let connectionIds = NIOLockedValueBox<UInt64>(0)

    init(backend: Broker?, script: @escaping ScriptedBroker.Script, record: @escaping (Int16) -> Void) {
        self.backend = backend
        self.script = script
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        var body = frame
        guard let header = try? RequestHeader.read(from: &body) else {
            context.close(promise: nil)
            return
        }
        record(header.apiKey)
        switch script(header, body) {
        case .respond(let message):
            var out = context.channel.allocator.buffer(capacity: 256)
            let headerVersion = ApiKey(rawValue: header.apiKey)!.responseHeaderVersion(header.apiVersion)
            Framing.writeFrame(into: &out) { buffer in
                ResponseHeader(correlationId: header.correlationId).write(into: &buffer, headerVersion: headerVersion)
                message.write(into: &buffer, version: header.apiVersion)
            }
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        case .delegate:
            delegate(frame: frame, drop: false, context: context)
        case .delegateThenDrop:
            delegate(frame: frame, drop: true, context: context)
        case .drop:
            context.close(promise: nil)
        case .silent:
            break
        }
    }

    private func delegate(frame: ByteBuffer, drop: Bool, context: ChannelHandlerContext) {
        guard let backend else { preconditionFailure("delegate without a backend") }
        let id = Self.connectionIds.withLockedValue { $0 += 1; return $0 }
        let reply = backend.handle(frame: frame, context: RequestContext(connectionId: id, eventLoop: context.eventLoop, peer: "test"))
        deliver(reply, drop: drop, context: context)
    }

    private func deliver(_ reply: BrokerReply, drop: Bool, context: ChannelHandlerContext) {
        switch reply {
        case .frame(let bytes):
            if drop { context.close(promise: nil) } else { context.writeAndFlush(wrapOutboundOut(bytes), promise: nil) }
        case .frameWithRecords(let parts, let records):
            if drop { return context.close(promise: nil) }
            for (index, part) in parts.enumerated() {
                context.write(wrapOutboundOut(part), promise: nil)
                guard index < records.count else { continue }
                switch records[index] {
                case .bytes(let bytes): context.write(wrapOutboundOut(bytes), promise: nil)
                case .empty: break
                case .file: preconditionFailure("the scripted backend keeps its logs in memory")
                }
            }
            context.flush()
        case .noResponse:
            if drop { context.close(promise: nil) }
        case .close:
            context.close(promise: nil)
        case .muted(let reply, _):
            deliver(reply, drop: drop, context: context)
        case .deferred(let future), .afterSync(let future):
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            future.whenSuccess { reply in bound.value.0.deliver(reply, drop: drop, context: bound.value.1) }
        }
    }
}
