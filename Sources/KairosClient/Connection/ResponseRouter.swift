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
///
/// Deadlines are checked by one timer per connection, not one per request: scheduling and cancelling a timer for
/// every request was a fifth of a busy producer's event loop (a heap insert and removal each). The timer is set for
/// the earliest deadline; answers do not touch it; when it fires it fails what is overdue and sets itself for the
/// next deadline, if any.
final class ResponseRouter: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutgoingRequest
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        var headerVersion: Int16
        var promise: EventLoopPromise<ByteBuffer>
        /// Monotonic deadline (`NIODeadline.uptimeNanoseconds`), `.max` for none.
        var deadlineNanos: UInt64
        var timeoutMs: Int
        var apiName: String
    }

    private var pending: [Int32: Waiting] = [:]
    private var closedError: KafkaClientError?
    private let peer: String
    private var timer: Scheduled<Void>?
    /// When the timer fires; `.max` without a timer.
    private var timerNanos: UInt64 = .max

    private var context: ChannelHandlerContext?

    init(peer: String) {
        self.peer = peer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        timer?.cancel()
        timer = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let error = closedError {
            request.promise?.fail(error)
            promise?.fail(error)
            return
        }
        if let responsePromise = request.promise {
            var deadline = UInt64.max
            if request.timeoutMs > 0 {
                deadline = NIODeadline.now().uptimeNanoseconds &+ UInt64(request.timeoutMs) * 1_000_000
                armTimer(at: deadline, context: context)
            }
            pending[request.correlationId] = Waiting(headerVersion: request.responseHeaderVersion,
                                                     promise: responsePromise, deadlineNanos: deadline,
                                                     timeoutMs: request.timeoutMs, apiName: request.apiName)
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

    /// Makes sure the timer fires by `deadlineNanos`; a timer already set for earlier is kept.
    private func armTimer(at deadlineNanos: UInt64, context: ChannelHandlerContext) {
        guard deadlineNanos < timerNanos else { return }
        timer?.cancel()
        timerNanos = deadlineNanos
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: .uptimeNanoseconds(min(deadlineNanos, UInt64(Int64.max)))) {
            loopBound.value.timerFired()
        }
    }

    /// Fails the first overdue request (and with it the connection, as Kafka clients do: later answers on it
    /// could no longer be matched with confidence), or sets the timer for the next deadline.
    private func timerFired() {
        timer = nil
        timerNanos = .max
        let now = NIODeadline.now().uptimeNanoseconds
        var next = UInt64.max
        var overdue: (id: Int32, entry: Waiting)?
        for (id, entry) in pending {
            if entry.deadlineNanos <= now {
                if overdue == nil || entry.deadlineNanos < overdue!.entry.deadlineNanos { overdue = (id, entry) }
            } else {
                next = min(next, entry.deadlineNanos)
            }
        }
        if let overdue {
            pending.removeValue(forKey: overdue.id)
            overdue.entry.promise.fail(KafkaClientError.timedOut(
                "\(overdue.entry.apiName) to \(peer) after \(overdue.entry.timeoutMs) ms"))
            if let context { fail(.connection("request to \(peer) timed out"), context: context) }
            return
        }
        if next != .max, let context { armTimer(at: next, context: context) }
    }

    private func fail(_ error: KafkaClientError, context: ChannelHandlerContext) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: KafkaClientError) {
        if closedError == nil { closedError = error }
        timer?.cancel()
        timer = nil
        timerNanos = .max
        let waiting = pending
        pending = [:]
        for (_, entry) in waiting { entry.promise.fail(error) }
    }
}
