import KafkaProtocol
import NIOCore

/// One request on its way out: the whole frame, and what to do with the answer.
struct OutgoingRequest {
    /// Size prefix, header and body, ready for the wire.
    var frame: ByteBuffer
    var correlationId: Int32
    /// The response header version the answer will use (decided by the request's API and version).
    var responseHeaderVersion: Int16
    /// Completed with the response body (after its header); nil when the broker sends no answer (acks=0).
    var promise: EventLoopPromise<ByteBuffer>?
    /// How long the answer may take, counted from the write; the timer is set on the event loop, which is
    /// cheaper than scheduling it from the sending thread.
    var timeoutMs: Int = 0
    /// The API's name, for the timeout's message.
    var apiName: String = ""
}

/// Splits the inbound byte stream into frames, refusing any larger than the limit.
struct ResponseFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    let frameBytesMax: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Framing.readFrame(from: &buffer, maxBytes: frameBytesMax) else { return .needMoreData }
        context.fireChannelRead(NIOAny(frame))
        return .continue
    }
}

/// Matches answers to requests by correlation id, so any number of requests can be in flight on one connection;
/// when the connection ends, every waiting request fails with a retriable connection error.
final class ResponseRouter: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutgoingRequest
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        var headerVersion: Int16
        var promise: EventLoopPromise<ByteBuffer>
        var timer: Scheduled<Void>?
    }

    private var pending: [Int32: Waiting] = [:]
    private var closedError: KafkaClientError?
    private let peer: String

    private var context: ChannelHandlerContext?

    init(peer: String) {
        self.peer = peer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let error = closedError {
            request.promise?.fail(error)
            promise?.fail(error)
            return
        }
        if let responsePromise = request.promise {
            var timer: Scheduled<Void>?
            if request.timeoutMs > 0 {
                let correlationId = request.correlationId, peer = self.peer
                let apiName = request.apiName, timeoutMs = request.timeoutMs
                let description: @Sendable () -> String = { "\(apiName) to \(peer) after \(timeoutMs) ms" }
                let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
                timer = context.eventLoop.scheduleTask(in: .milliseconds(Int64(request.timeoutMs))) {
                    loopBound.value.timeOut(correlationId: correlationId, description: description())
                }
            }
            pending[request.correlationId] = Waiting(headerVersion: request.responseHeaderVersion,
                                                     promise: responsePromise, timer: timer)
        }
        context.write(wrapOutboundOut(request.frame), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        guard let correlationId = frame.getInteger(at: frame.readerIndex, endianness: .big, as: Int32.self),
              let entry = pending.removeValue(forKey: correlationId)
        else {
            // An answer to nothing we asked (or to a request we gave up on): the stream can no longer be trusted.
            fail(.protocolViolation("unexpected response from \(peer)"), context: context)
            return
        }
        entry.timer?.cancel()
        do {
            _ = try ResponseHeader.read(from: &frame, headerVersion: entry.headerVersion)
            entry.promise.succeed(frame)
        } catch {
            entry.promise.fail(KafkaClientError.protocolViolation("bad response header from \(peer): \(error)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connection("connection to \(peer) closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(.connection("connection to \(peer) failed: \(error)"), context: context)
    }

    /// Fails one waiting request (its deadline passed) and closes the connection, as Kafka clients do: later
    /// answers on it could no longer be matched with confidence.
    func timeOut(correlationId: Int32, description: String) {
        guard let entry = pending.removeValue(forKey: correlationId) else { return }
        entry.timer?.cancel()
        entry.promise.fail(KafkaClientError.timedOut(description))
        if let context { fail(.connection("request to \(peer) timed out"), context: context) }
    }

    private func fail(_ error: KafkaClientError, context: ChannelHandlerContext) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: KafkaClientError) {
        if closedError == nil { closedError = error }
        let waiting = pending
        pending = [:]
        for (_, entry) in waiting {
            entry.timer?.cancel()
            entry.promise.fail(error)
        }
    }
}
