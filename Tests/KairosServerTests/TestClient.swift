import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import XCTest

/// A raw Kafka connection for tests: sends frames and collects whole response frames in order.
final class TestClient: @unchecked Sendable {
    let channel: any Channel
    private let collector: FrameCollector
    private var correlationId: Int32 = 0

    static func connect(port: Int, group: any EventLoopGroup) throws -> TestClient {
        let collector = FrameCollector()
        let channel = try ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).wait()
        return TestClient(channel: channel, collector: collector)
    }

    private init(channel: any Channel, collector: FrameCollector) {
        self.channel = channel
        self.collector = collector
    }

    /// Sends raw bytes.
    func sendRaw(_ bytes: ByteBuffer) throws {
        try channel.writeAndFlush(bytes).wait()
    }

    /// Frames and sends a request; returns its correlation id.
    @discardableResult
    func send<R: KafkaRequestMessage>(_ request: R, version: Int16) throws -> Int32 {
        correlationId += 1
        var body = ByteBuffer()
        RequestHeader(apiKey: R.apiKey.rawValue, apiVersion: version, correlationId: correlationId, clientId: "test").write(into: &body)
        request.write(into: &body, version: version)
        var frame = ByteBuffer()
        frame.writeInteger(Int32(body.readableBytes))
        frame.writeBuffer(&body)
        try sendRaw(frame)
        return correlationId
    }

    /// Waits for the next response frame (without its size).
    func nextFrame(timeoutMs: Int = 5000) throws -> ByteBuffer {
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeoutMs))
        while NIODeadline.now() < deadline {
            if let f = collector.pop() { return f }
            if collector.isClosed { throw ClosedError() }
            usleep(1000)
        }
        throw TimeoutError()
    }

    /// Reads the next response as `M`, checking the correlation id.
    func receive<M: KafkaMessage>(_ type: M.Type, version: Int16, correlationId: Int32, timeoutMs: Int = 5000) throws -> M {
        var frame = try nextFrame(timeoutMs: timeoutMs)
        let header = try ResponseHeader.read(from: &frame, headerVersion: M.apiKey.responseHeaderVersion(version))
        XCTAssertEqual(header.correlationId, correlationId)
        return try M(from: &frame, version: version)
    }

    /// True once the server closed the connection.
    func waitClosed(timeoutMs: Int = 5000) -> Bool {
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeoutMs))
        while NIODeadline.now() < deadline {
            if collector.isClosed { return true }
            usleep(1000)
        }
        return false
    }

    func close() { try? channel.close().wait() }

    struct ClosedError: Error {}
    struct TimeoutError: Error {}
}

/// Collects size-prefixed frames from the server.
final class FrameCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private let lock = NIOLock()
    private var pending = ByteBuffer()
    private var frames: [ByteBuffer] = []
    private var closed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        lock.withLock {
            pending.writeBuffer(&bytes)
            while let size = pending.getInteger(at: pending.readerIndex, as: Int32.self), pending.readableBytes >= 4 + Int(size) {
                pending.moveReaderIndex(forwardBy: 4)
                frames.append(pending.readSlice(length: Int(size))!)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        lock.withLock { closed = true }
    }

    func pop() -> ByteBuffer? { lock.withLock { frames.isEmpty ? nil : frames.removeFirst() } }
    var isClosed: Bool { lock.withLock { closed && frames.isEmpty } }
}
