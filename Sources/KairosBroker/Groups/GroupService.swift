import KafkaProtocol
import KairosStorage
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Runs the pure `GroupCoordinator` for the broker: one lock around it, the requests parked on
/// their connections' event loops, and the offsets log its actions write to.
///
/// Each event is applied and its log writes performed under the lock, so the log holds records in
/// the order the state changed; promises are completed after the lock is released, because
/// completing one on the current event loop runs the connection's next request right away.
final class GroupService: Sendable {
    /// A request waiting for its answer: the promise its connection waits on and how to encode the answer.
    private struct Parked {
        var promise: EventLoopPromise<BrokerReply>
        var encode: @Sendable (GroupReply) -> BrokerReply
    }

    private struct Inner {
        var coordinator: GroupCoordinator
        var parked: [GroupReplyToken: Parked] = [:]
        var nextToken: GroupReplyToken = 1
        /// Records appended since the last snapshot (or since start).
        var appendedSinceSnapshot = 0
        var closed = false
    }

    let config: GroupConfig
    private let inner: NIOLockedValueBox<Inner>
    private let log: OffsetLog
    private let logger: Logger
    private let randomId: @Sendable () -> KafkaUUID

    /// Opens the offsets log through `factory` and replays it.
    init(
        config: GroupConfig, broker: BrokerConfig, factory: any LogFactory, logger: Logger, now: Int64,
        randomId: @escaping @Sendable () -> KafkaUUID
    ) throws {
        self.config = config
        self.logger = logger
        self.randomId = randomId
        let store = try factory.openLog(topic: OffsetLog.topic, partition: 0, config: OffsetLog.logConfig(config, broker: broker), nowMs: now)
        log = OffsetLog(log: store)
        var coordinator = GroupCoordinator(config: config, now: now)
        let records = try log.readAll(logger: logger)
        coordinator.load(records, now: now)
        inner = NIOLockedValueBox(Inner(coordinator: coordinator, appendedSinceSnapshot: records.count))
        if !records.isEmpty {
            logger.info(
                "loaded committed offsets",
                metadata: ["records": "\(records.count)", "groups": "\(coordinator.groups.count)"])
        }
    }

    /// A fresh unique suffix for member ids.
    func newMemberSuffix() -> String { "\(randomId())" }

    /// Applies the event `makeEvent` builds around a fresh token and performs its actions. Returns the
    /// answer to this request: at once when the coordinator gave it, else deferred on `eventLoop`.
    func submit(
        now: Int64, eventLoop: any EventLoop, encode: @escaping @Sendable (GroupReply) -> BrokerReply,
        _ makeEvent: (GroupReplyToken) -> GroupEvent
    ) -> BrokerReply {
        var own: GroupReply?
        var future: EventLoopFuture<BrokerReply>?
        let completions: [(Parked, GroupReply)] = inner.withLockedValue { inner in
            let token = inner.nextToken
            inner.nextToken += 1
            if inner.closed {
                own = nil
                future = eventLoop.makeSucceededFuture(.close(reason: "broker shutting down"))
                return []
            }
            let actions = inner.coordinator.event(makeEvent(token), now: now)
            let completions = perform(actions, own: token, ownReply: &own, inner: &inner, now: now)
            if own == nil {
                let promise = eventLoop.makePromise(of: BrokerReply.self)
                inner.parked[token] = Parked(promise: promise, encode: encode)
                future = promise.futureResult
            }
            return completions
        }
        for (parked, reply) in completions { parked.promise.succeed(parked.encode(reply)) }
        if let own { return encode(own) }
        return .deferred(future!)
    }

    /// Lets time act (sessions, deadlines, offset expiry) and writes a snapshot when the log grew enough.
    func tick(now: Int64) {
        let completions: [(Parked, GroupReply)] = inner.withLockedValue { inner in
            guard !inner.closed else { return [] }
            var none: GroupReply?
            let actions = inner.coordinator.event(.tick, now: now)
            let completions = perform(actions, own: 0, ownReply: &none, inner: &inner, now: now)
            maybeSnapshot(&inner, now: now)
            return completions
        }
        for (parked, reply) in completions { parked.promise.succeed(parked.encode(reply)) }
    }

    /// Reads the coordinator's state (DescribeGroups, ListGroups, OffsetFetch).
    func read<T>(_ body: (GroupCoordinator) -> T) -> T {
        inner.withLockedValue { body($0.coordinator) }
    }

    /// Answers every parked request (closing its connection) and closes the log.
    /// Answers every parked JoinGroup / SyncGroup (by closing their connections) and refuses new
    /// ones, so connections can drain quickly at shutdown.
    func releaseParked() {
        let parked: [Parked] = inner.withLockedValue { inner in
            inner.closed = true
            defer { inner.parked.removeAll() }
            return Array(inner.parked.values)
        }
        for p in parked { p.promise.succeed(.close(reason: "broker shutting down")) }
    }

    /// The offsets log's share of the broker's periodic flush.
    func flushIfDue(now: Int64) throws {
        try log.flushIfDue(now: now)
    }

    func shutdown() {
        releaseParked()
        do { try log.close() } catch {
            logger.error("cannot close the offsets log", metadata: ["error": "\(error)"])
        }
    }

    /// Writes the log records and collects the replies to send (the caller's own separately). A commit
    /// whose records could not be written is answered with an error, not with success.
    private func perform(
        _ actions: [GroupAction], own token: GroupReplyToken, ownReply: inout GroupReply?, inner: inout Inner, now: Int64
    ) -> [(Parked, GroupReply)] {
        var completions: [(Parked, GroupReply)] = []
        var writeFailed = false
        for action in actions {
            switch action {
            case .persist(let records):
                do {
                    try log.append(records, now: now)
                    inner.appendedSinceSnapshot += records.count
                } catch {
                    writeFailed = true
                    logger.error("cannot write to the offsets log", metadata: ["error": "\(error)"])
                }
            case .reply(let to, var reply):
                if writeFailed, case .commit(let codes) = reply {
                    reply = .commit(codes.map { $0 == .none ? .unknownServerError : $0 })
                }
                if to == token {
                    ownReply = reply
                } else if let parked = inner.parked.removeValue(forKey: to) {
                    completions.append((parked, reply))
                }
            }
        }
        return completions
    }

    private func maybeSnapshot(_ inner: inout Inner, now: Int64) {
        let live = inner.coordinator.liveRecordCount
        guard inner.appendedSinceSnapshot >= max(config.snapshotMinRecords, 2 * live) else { return }
        let records = inner.coordinator.snapshotRecords
        do {
            try log.writeSnapshot(records, now: now)
            inner.appendedSinceSnapshot = records.count
            logger.debug("wrote an offsets snapshot", metadata: ["records": "\(records.count)", "bytes": "\(log.sizeBytes)"])
        } catch {
            logger.error("cannot write an offsets snapshot", metadata: ["error": "\(error)"])
        }
    }
}
