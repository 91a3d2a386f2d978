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
/// when the connection ends, every waiting request fails with a retriable connection error. What is waiting and
/// whether the connection is still open live in a `ConnectionState` value; this handler performs its actions.
///
/// Deadlines are checked by one timer per connection, not one per request: scheduling and cancelling a timer for
/// every request was a fifth of a busy producer's event loop (a heap insert and removal each). The timer is set for
/// the earliest deadline; answers do not touch it; when it fires it fails what is overdue and sets itself for the
/// next deadline, if any.
final class ResponseRouter: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutgoingRequest
    typealias OutboundOut = ByteBuffer

    /// What an answer needs.
    struct Waiting {
        var headerVersion: Int16
        var promise: EventLoopPromise<ByteBuffer>
        var timeoutMs: Int
        var apiName: String
    }

    private var state: ConnectionState<Waiting>
    private let peer: String
    private var timer: Scheduled<Void>?

    private var context: ChannelHandlerContext?

    init(peer: String) {
        self.peer = peer
        self.state = ConnectionState(peer: peer)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        cancelTimer()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        var deadline = UInt64.max
        var waiting: Waiting?
        if let responsePromise = request.promise {
            if request.timeoutMs > 0 {
                deadline = NIODeadline.now().uptimeNanoseconds &+ UInt64(request.timeoutMs) * 1_000_000
            }
            waiting = Waiting(headerVersion: request.responseHeaderVersion, promise: responsePromise,
                              timeoutMs: request.timeoutMs, apiName: request.apiName)
        }
        switch state.event(.write(correlationId: request.correlationId, waiter: waiting, deadlineNanos: deadline)) {
        case .write(let armTimerAt):
            if let armTimerAt { armTimer(at: armTimerAt, context: context) }
            context.write(wrapOutboundOut(request.frame), promise: promise)
        case .refuse(let error):
            request.promise?.fail(error)
            promise?.fail(error)
        default:
            preconditionFailure("a write is written or refused")
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        guard let correlationId = frame.getInteger(at: frame.readerIndex, endianness: .big, as: Int32.self) else {
            return perform(state.event(.failed(.protocolViolation("unexpected response from \(peer)"))), context: context)
        }
        switch state.event(.response(correlationId: correlationId)) {
        case .deliver(let entry):
            do {
                _ = try ResponseHeader.read(from: &frame, headerVersion: entry.headerVersion)
                entry.promise.succeed(frame)
            } catch {
                entry.promise.fail(KafkaClientError.protocolViolation("bad response header from \(peer): \(error)"))
            }
        case let action:
            perform(action, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(state.event(.closed(.connection("connection to \(peer) closed"))), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        perform(state.event(.failed(.connection("connection to \(peer) failed: \(error)"))), context: context)
    }

    /// Sets the timer for `deadlineNanos`, replacing one set for later (the state decides when that is needed).
    private func armTimer(at deadlineNanos: UInt64, context: ChannelHandlerContext) {
        timer?.cancel()
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: .uptimeNanoseconds(min(deadlineNanos, UInt64(Int64.max)))) {
            loopBound.value.timerFired()
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    private func timerFired() {
        timer = nil
        guard let context else { return }
        perform(state.event(.timerFired(nowNanos: NIODeadline.now().uptimeNanoseconds)), context: context)
    }

    /// Does what the state asked for (everything but writes and deliveries, handled where they happen).
    private func perform(_ action: ConnectionState<Waiting>.Action, context: ChannelHandlerContext) {
        switch action {
        case .none, .write, .refuse, .deliver:
            break
        case .rearm(let armTimerAt):
            if let armTimerAt { armTimer(at: armTimerAt, context: context) }
        case .timeOut(let overdue, let others, let error):
            // As Kafka clients do: the connection goes too, since later answers on it could no longer be matched.
            cancelTimer()
            overdue.promise.fail(KafkaClientError.timedOut("\(overdue.apiName) to \(peer) after \(overdue.timeoutMs) ms"))
            for waiting in others { waiting.promise.fail(error) }
            context.close(promise: nil)
        case .failAll(let waiting, let error, let closeChannel):
            cancelTimer()
            for entry in waiting { entry.promise.fail(error) }
            if closeChannel { context.close(promise: nil) }
        }
    }
}
