#if canImport(Glibc)
import Glibc
#endif
import KairosBroker
import KairosStorage
import Logging
import NIOCore

/// Runs one client connection: hands each request frame to the broker in arrival order and writes
/// the replies in the same order, as Kafka's protocol requires. A reply that is not ready yet (a
/// fetch waiting for data) holds back the frames behind it until it completes. A reply waiting only for
/// the disk (a produce in fsync-per-ack mode) does not: later requests are handled meanwhile, so their
/// batches join the same group commit, and their replies queue behind it (at most `syncLookahead`).
final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = IOData

    /// A reply that must wait for an earlier one still waiting for the disk.
    private final class PendingReply {
        let apiKey: Int16
        let started: NIODeadline
        var reply: BrokerReply?
        init(apiKey: Int16, started: NIODeadline, reply: BrokerReply? = nil) {
            self.apiKey = apiKey
            self.started = started
            self.reply = reply
        }
    }

    /// Requests handled while earlier replies wait for the disk, before the connection stops reading more.
    static let syncLookahead = 64

    private let broker: Broker
    private let logger: Logger
    private let connectionId: UInt64
    private let tracker: ConnectionTracker
    private let metrics: ServerMetrics
    /// The listener this connection came in through (Metadata advertises its address).
    private let listenerName: String
    /// Fetched records are written as bytes, not sent from the file: TLS must encrypt them, which sendfile skips.
    private let copiesFileRegions: Bool
    /// The connection's SASL state on a SASL listener (nil elsewhere).
    private let authentication: ConnectionAuthentication?
    private var queued: [ByteBuffer] = []
    /// Replies in request order whose head waits for the disk; empty in the common case.
    private var pending = CircularBuffer<PendingReply>()
    /// A deferred reply (a fetch waiting for data) is in hand: later requests wait for it.
    private var deferredInHand = false
    private var waiting: Bool { deferredInHand || pending.count >= Self.syncLookahead }
    /// Muted by a quota: frames read meanwhile wait in `queued` and reading from the socket is paused.
    private var muted = false
    private var closing = false
    /// Shutting down: no new requests, close once the one in hand is answered.
    private var draining = false
    private var peer = "?"

    init(
        broker: Broker, logger: Logger, connectionId: UInt64, tracker: ConnectionTracker, metrics: ServerMetrics,
        listenerName: String = "", copiesFileRegions: Bool = false, authentication: ConnectionAuthentication? = nil
    ) {
        self.authentication = authentication
        self.copiesFileRegions = copiesFileRegions
        self.metrics = metrics
        self.listenerName = listenerName
        self.broker = broker
        self.logger = logger
        self.connectionId = connectionId
        self.tracker = tracker
    }

    func channelActive(context: ChannelHandlerContext) {
        peer = context.remoteAddress.map { "\($0)" } ?? "?"
        tracker.opened(connectionId, channel: context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        tracker.closed(connectionId)
        dropQueued()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if draining { return }
        metrics.queuedRequests.wrappingIncrement(ordering: .relaxed)
        if waiting || closing || muted {
            queued.append(frame)
            return
        }
        process(frame, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is DrainAndClose else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        draining = true
        dropQueued()
        if !deferredInHand && pending.isEmpty { closeAfterFlush(context: context) }
    }

    private func closeAfterFlush(context: ChannelHandlerContext) {
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(ByteBuffer())), promise: promise)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is FrameSizeError || error is ByteToMessageDecoderError {
            metrics.rejectedConnections.wrappingIncrement(ordering: .relaxed)
            logger.warning("closing connection: \(error)", metadata: ["peer": "\(peer)"])
        } else if let io = error as? IOError, io.errnoCode == ECONNRESET || io.errnoCode == EPIPE {
            logger.debug("connection reset", metadata: ["peer": "\(peer)"])
        } else {
            logger.warning("connection error: \(error)", metadata: ["peer": "\(peer)"])
        }
        context.close(promise: nil)
    }

    private func process(_ frame: ByteBuffer, context: ChannelHandlerContext) {
        let request = RequestContext(connectionId: connectionId, eventLoop: context.eventLoop, peer: peer, listenerName: listenerName, authentication: authentication)
        let apiKey = frame.getInteger(at: frame.readerIndex, endianness: .big, as: Int16.self) ?? -1
        let started = NIODeadline.now()
        var reply = broker.handle(frame: frame, context: request)
        let handled = NIODeadline.now()
        if case .muted(let inner, let milliseconds) = reply {
            // Over a quota: the answer goes out as it would, and the connection reads nothing more for a while.
            mute(for: milliseconds, context: context)
            reply = inner
        }
        metrics.busyNanos.wrappingIncrement(by: (handled - started).nanoseconds, ordering: .relaxed)
        if case .afterSync(let future) = reply {
            awaitInOrder(future, apiKey: apiKey, started: started, context: context)
        } else if !pending.isEmpty {
            // Earlier replies still wait for the disk: this one goes out after them.
            if case .deferred(let future) = reply {
                deferredInHand = true
                awaitInOrder(future, apiKey: apiKey, started: started, isDeferred: true, context: context)
            } else {
                pending.append(PendingReply(apiKey: apiKey, started: started, reply: reply))
            }
        } else if case .deferred = reply {
            perform(reply, context: context, apiKey: apiKey, started: started)
        } else {
            finished(apiKey: apiKey, started: started, at: handled)
            perform(reply, context: context, apiKey: apiKey, started: started)
        }
    }

    /// Queues a reply that completes later behind the replies already pending, and writes out whatever is at the
    /// head and complete when it does. `isDeferred`: a fetch-style reply, which holds back later requests.
    private func awaitInOrder(
        _ future: EventLoopFuture<BrokerReply>, apiKey: Int16, started: NIODeadline, isDeferred: Bool = false,
        context: ChannelHandlerContext
    ) {
        let entry = PendingReply(apiKey: apiKey, started: started)
        pending.append(entry)
        let loopBound = NIOLoopBound((self, context, entry), eventLoop: context.eventLoop)
        future.whenComplete { result in
            let (handler, context, entry) = loopBound.value
            switch result {
            case .success(let reply): entry.reply = reply
            case .failure(let error):
                handler.logger.error("deferred reply failed: \(error)")
                entry.reply = .close(reason: "deferred reply failed")
            }
            if isDeferred { handler.deferredInHand = false }
            handler.writeCompletedReplies(context: context)
        }
    }

    /// Writes the replies at the head of `pending` that are complete, then resumes reading requests.
    private func writeCompletedReplies(context: ChannelHandlerContext) {
        while !closing, let head = pending.first, let reply = head.reply {
            pending.removeFirst()
            finished(apiKey: head.apiKey, started: head.started)
            perform(reply, context: context, apiKey: head.apiKey, started: head.started)
        }
        if closing {
            // A reply closed the connection: the ones behind it are never sent.
            if !pending.isEmpty { metrics.queuedRequests.wrappingDecrement(by: pending.count, ordering: .relaxed) }
            pending.removeAll()
            return
        }
        context.flush()
        if draining {
            if pending.isEmpty && !deferredInHand { closeAfterFlush(context: context) }
            return
        }
        drainQueue(context: context)
    }

    /// Counts one answered request.
    private func finished(apiKey: Int16, started: NIODeadline, at end: NIODeadline = .now()) {
        metrics.queuedRequests.wrappingDecrement(ordering: .relaxed)
        metrics.recordRequest(apiKey: apiKey, nanos: (end - started).nanoseconds)
    }

    /// Forgets frames that will never be answered (closing connection).
    private func dropQueued() {
        if !queued.isEmpty { metrics.queuedRequests.wrappingDecrement(by: queued.count, ordering: .relaxed) }
        queued.removeAll()
    }

    private func perform(_ reply: BrokerReply, context: ChannelHandlerContext, apiKey: Int16, started: NIODeadline) {
        switch reply {
        case .frame(let buffer):
            context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
        case .frameWithRecords(let parts, let records):
            writeWithRecords(parts: parts, records: records, context: context)
        case .noResponse:
            break
        case .close:
            metrics.rejectedConnections.wrappingIncrement(ordering: .relaxed)
            closing = true
            dropQueued()
            // Send what earlier requests produced, then close.
            context.flush()
            context.close(promise: nil)
        case .afterSync(let future):
            awaitInOrder(future, apiKey: apiKey, started: started, context: context)
        case .muted(let inner, let milliseconds):
            perform(inner, context: context, apiKey: apiKey, started: started)
            mute(for: milliseconds, context: context)
        case .deferred(let future):
            deferredInHand = true
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            future.whenComplete { result in
                let (handler, context) = loopBound.value
                handler.deferredInHand = false
                handler.finished(apiKey: apiKey, started: started)
                switch result {
                case .success(let reply): handler.perform(reply, context: context, apiKey: apiKey, started: started)
                case .failure(let error):
                    handler.logger.error("deferred reply failed: \(error)")
                    context.close(promise: nil)
                    return
                }
                context.flush()
                if handler.draining {
                    handler.closeAfterFlush(context: context)
                    return
                }
                handler.drainQueue(context: context)
            }
        }
    }

    /// Stops reading from the connection for `milliseconds` (a client over its quota, KIP-219), then reads on and
    /// answers what arrived meanwhile.
    private func mute(for milliseconds: Int64, context: ChannelHandlerContext) {
        guard milliseconds > 0, !closing else { return }
        muted = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .milliseconds(milliseconds)) {
            let (handler, context) = loopBound.value
            handler.muted = false
            guard !handler.closing, context.channel.isActive else { return }
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            if !handler.waiting { handler.drainQueue(context: context) }
        }
    }

    private func drainQueue(context: ChannelHandlerContext) {
        while !waiting && !closing && !muted && !queued.isEmpty {
            let frame = queued.removeFirst()
            process(frame, context: context)
        }
        context.flush()
    }

    private func writeWithRecords(parts: [ByteBuffer], records: [LogReadData], context: ChannelHandlerContext) {
        for (i, part) in parts.enumerated() {
            context.write(wrapOutboundOut(.byteBuffer(part)), promise: nil)
            guard i < records.count else { continue }
            switch records[i] {
            case .file(let handle, let offset, let length) where copiesFileRegions:
                let bytes = readRegion(handle, offset: offset, length: length, allocator: context.channel.allocator)
                try? handle.close()
                guard let bytes else {
                    // The reply's size prefix is already out: a short reply would desynchronise the client.
                    logger.error("closing connection: fetched records could not be read for TLS", metadata: ["peer": "\(peer)"])
                    context.close(promise: nil)
                    return
                }
                context.write(wrapOutboundOut(.byteBuffer(bytes)), promise: nil)
            case .file(let handle, let offset, let length):
                let region = FileRegion(fileHandle: handle, readerIndex: offset, endIndex: offset + length)
                let promise = context.eventLoop.makePromise(of: Void.self)
                promise.futureResult.whenComplete { _ in try? handle.close() }
                context.write(wrapOutboundOut(.fileRegion(region)), promise: promise)
            case .bytes(let buffer):
                context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
            case .empty:
                break
            }
        }
    }

    /// Reads `length` bytes at `offset` of a segment file (the copy path of TLS connections); nil when the file
    /// yields fewer bytes than the reply promised.
    private func readRegion(_ handle: NIOFileHandle, offset: Int, length: Int, allocator: ByteBufferAllocator) -> ByteBuffer? {
        var buffer = allocator.buffer(capacity: length)
        let read: Int? = try? handle.withUnsafeFileDescriptor { fd in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { raw in
                var done = 0
                while done < length {
                    let n = pread(fd, raw.baseAddress! + done, length - done, off_t(offset + done))
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    done += n
                }
                return done
            }
        }
        return read == length ? buffer : nil
    }
}
