import Atomics
import KafkaProtocol
import NIOCore
import NIOPosix

/// One TCP connection to one broker, pipelined: any number of requests may be in flight, answers are matched by
/// correlation id. Opening it negotiates API versions, so each request goes out at the highest version both sides
/// speak.
public final class BrokerConnection: Sendable {
    /// Where this connection goes.
    public let address: BrokerAddress
    /// The broker's node id, or nil for a bootstrap connection made before metadata named it.
    public let nodeId: Int32?
    private let channel: Channel
    private let router: NIOLoopBound<ResponseRouter>
    private let clientId: String
    private let requestTimeoutMs: Int
    private let nextCorrelationId = ManagedAtomic<Int32>(1)
    /// The broker's version range per API key, from its ApiVersions answer.
    private let brokerVersions: [Int16: ClosedRange<Int16>]

    private init(
        address: BrokerAddress, nodeId: Int32?, channel: Channel, router: NIOLoopBound<ResponseRouter>, clientId: String,
        requestTimeoutMs: Int, brokerVersions: [Int16: ClosedRange<Int16>]
    ) {
        self.address = address
        self.nodeId = nodeId
        self.channel = channel
        self.router = router
        self.clientId = clientId
        self.requestTimeoutMs = requestTimeoutMs
        self.brokerVersions = brokerVersions
    }

    /// Connects and negotiates API versions. Throws a retriable connection error when the broker cannot be reached.
    public static func connect(
        to address: BrokerAddress, nodeId: Int32? = nil, config: ClientConfig, group: EventLoopGroup
    ) async throws -> BrokerConnection {
        let peer = address.description
        let frameBytesMax = config.responseFrameBytesMax
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(Int64(config.connectTimeoutMs)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(ResponseFrameDecoder(frameBytesMax: frameBytesMax)))
                    try channel.pipeline.syncOperations.addHandler(ResponseRouter(peer: peer))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: address.host, port: address.port).get()
        } catch {
            throw KafkaClientError.connection("cannot connect to \(peer): \(error)")
        }
        let router = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ResponseRouter.self), eventLoop: channel.eventLoop)
        }.get()
        let unnegotiated = BrokerConnection(
            address: address, nodeId: nodeId, channel: channel, router: router, clientId: config.clientId,
            requestTimeoutMs: config.requestTimeoutMs, brokerVersions: [:])
        do {
            let versions = try await unnegotiated.negotiateVersions()
            return BrokerConnection(
                address: address, nodeId: nodeId, channel: channel, router: router, clientId: config.clientId,
                requestTimeoutMs: config.requestTimeoutMs, brokerVersions: versions)
        } catch {
            unnegotiated.close()
            throw error
        }
    }

    /// Asks ApiVersions at our highest version; a broker that does not know it answers UNSUPPORTED_VERSION (or
    /// something we cannot parse), and then v0, which every broker speaks, is asked instead.
    private func negotiateVersions() async throws -> [Int16: ClosedRange<Int16>] {
        let request = ApiVersionsRequest(clientSoftwareName: "kairos-swift", clientSoftwareVersion: "0.1")
        var response: ApiVersionsResponse
        do {
            response = try await send(request, version: ApiVersionsRequest.versions.upperBound)
            if response.errorCode == ErrorCode.unsupportedVersion.rawValue {
                response = try await send(request, version: 0)
            }
        } catch let error as KafkaClientError where !error.isRetriable {
            response = try await send(request, version: 0)
        }
        guard response.errorCode == 0 else { throw KafkaClientError.broker(ErrorCode(response.errorCode)) }
        var versions: [Int16: ClosedRange<Int16>] = [:]
        for key in response.apiKeys where key.minVersion <= key.maxVersion {
            versions[key.apiKey] = key.minVersion...key.maxVersion
        }
        return versions
    }

    /// The highest version of `api` both sides speak; throws `unsupportedVersion` when there is none.
    public func version(of api: ApiKey) throws -> Int16 {
        guard let theirs = brokerVersions[api.rawValue] else { throw KafkaClientError.unsupportedVersion(api) }
        let ours = api.versions
        let high = min(theirs.upperBound, ours.upperBound)
        guard high >= max(theirs.lowerBound, ours.lowerBound) else { throw KafkaClientError.unsupportedVersion(api) }
        return high
    }

    /// True when the broker offers `api` at all.
    public func supports(_ api: ApiKey) -> Bool { (try? version(of: api)) != nil }

    /// True when ListOffsets answers carry one offset per partition (v1+) rather than a list.
    var supportsV1ListOffsets: Bool { ((try? version(of: .listOffsets)) ?? 0) >= 1 }

    /// True while the TCP connection is open.
    public var isActive: Bool { channel.isActive }

    /// Sends `request` at the negotiated version (or `version`) and returns the decoded answer.
    public func send<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16? = nil, timeoutMs: Int? = nil
    ) async throws -> Request.Response {
        let version = try version ?? self.version(of: Request.apiKey)
        var body = try await sendRaw(request, version: version, timeoutMs: timeoutMs ?? requestTimeoutMs)
        do {
            return try Request.Response(from: &body, version: version)
        } catch {
            throw KafkaClientError.protocolViolation("cannot decode \(Request.apiKey.name) v\(version) from \(address): \(error)")
        }
    }

    /// Sends `request` and returns the raw response body, for callers that decode it themselves.
    func sendRaw<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, timeoutMs: Int
    ) async throws -> ByteBuffer {
        try await enqueue(request, version: version, timeoutMs: timeoutMs).get()
    }

    /// Writes `request` now (requests enqueued one after another from one task reach the wire in that order)
    /// and returns the future raw response body.
    func enqueue<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, timeoutMs: Int, sizeHintBytes: Int = 256
    ) -> EventLoopFuture<ByteBuffer> {
        let correlationId = nextCorrelationId.loadThenWrappingIncrement(ordering: .relaxed)
        let frame = encode(request, version: version, correlationId: correlationId, sizeHintBytes: sizeHintBytes)
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        // The router starts the timeout when it writes the request, on the event loop.
        let outgoing = OutgoingRequest(
            frame: frame, correlationId: correlationId,
            responseHeaderVersion: Request.apiKey.responseHeaderVersion(version), promise: promise,
            timeoutMs: max(timeoutMs, 1), apiName: Request.apiKey.name)
        let peer = address
        channel.writeAndFlush(outgoing).whenFailure { error in
            // A write that never reached the router (the channel closed first) must still fail the request.
            promise.fail(error as? KafkaClientError ?? KafkaClientError.connection("write to \(peer) failed: \(error)"))
        }
        return promise.futureResult
    }

    /// Writes a request the broker does not answer (acks=0) now; the future completes once it is written.
    func enqueueWithoutResponse<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, sizeHintBytes: Int = 256
    ) -> EventLoopFuture<Void> {
        let correlationId = nextCorrelationId.loadThenWrappingIncrement(ordering: .relaxed)
        let frame = encode(request, version: version, correlationId: correlationId, sizeHintBytes: sizeHintBytes)
        let outgoing = OutgoingRequest(frame: frame, correlationId: correlationId, responseHeaderVersion: 0, promise: nil)
        let peer = address
        return channel.writeAndFlush(outgoing).flatMapErrorThrowing { error in
            throw error as? KafkaClientError ?? KafkaClientError.connection("write to \(peer) failed: \(error)")
        }
    }

    /// Sends a request the broker does not answer (Produce with acks=0); returns once it is written.
    public func sendWithoutResponse<Request: KafkaRequestMessage>(_ request: Request, version: Int16? = nil) async throws {
        let version = try version ?? self.version(of: Request.apiKey)
        let correlationId = nextCorrelationId.loadThenWrappingIncrement(ordering: .relaxed)
        let frame = encode(request, version: version, correlationId: correlationId)
        let outgoing = OutgoingRequest(frame: frame, correlationId: correlationId, responseHeaderVersion: 0, promise: nil)
        do {
            try await channel.writeAndFlush(outgoing)
        } catch let error as KafkaClientError {
            throw error
        } catch {
            throw KafkaClientError.connection("write to \(address) failed: \(error)")
        }
    }

    /// `sizeHintBytes` sizes the frame's buffer up front: a Produce request grown from a small buffer would be
    /// copied at every doubling.
    private func encode<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, correlationId: Int32, sizeHintBytes: Int = 256
    ) -> ByteBuffer {
        let header = RequestHeader(
            apiKey: Request.apiKey, apiVersion: version, correlationId: correlationId, clientId: clientId)
        // Frames are made and dropped per request: from recycled blocks. (Received responses keep the channel's
        // allocator: a fetch response grows by reallocation, which glibc does without copying for large buffers.)
        var frame = ByteBufferAllocator.blockCache.buffer(capacity: max(sizeHintBytes, 256))
        Framing.writeFrame(into: &frame) { body in
            header.write(into: &body)
            request.write(into: &body, version: version)
        }
        return frame
    }

    /// Closes the connection; requests still waiting fail with a connection error.
    public func close() {
        channel.close(promise: nil)
    }

    /// Closes the connection and waits until it is closed.
    public func closeAndWait() async {
        try? await channel.close()
    }
}
