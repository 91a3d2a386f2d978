import Atomics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A set of `KafkaProducer` members behind one producer API: up to `producers.max` members, each with its own
/// connections, sender, `buffer.memory` and `client.id` (suffixed with its index), of which `resize(to:)` makes
/// k active. Records go to the active members: keyless ones to the least-loaded, keyed ones to the member their key
/// is pinned to. Resizing while records flow loses nothing, duplicates nothing and keeps each key's order: a key
/// moves to another member only once every earlier record of it is finished (a retired member takes no new
/// records, finishes those it holds, and is then closed).
///
/// ```swift
/// let pool = try ProducerPool(config: ProducerPoolConfig(properties: [
///     "bootstrap.servers": "127.0.0.1:9092", "producers.min": "1", "producers.max": "3"]))
/// let metadata = try await pool.send(ProducerRecord(topic: "orders", key: "k", value: "v"))
/// try pool.resize(to: 3)
/// await pool.close()
/// ```
public final class ProducerPool: Sendable {
    /// The configuration in force.
    public let config: ProducerPoolConfig

    private struct State {
        var router: PoolRouter
        var producers: [KafkaProducer?]
        /// The latest drain of each retired member (an older one for the same member stops by itself).
        var drains: [Int: Task<Void, Never>] = [:]
        /// Topics asked for with `partitionCount(of:)`: a member started later fetches their metadata at once.
        var knownTopics: Set<String> = []
    }

    /// A record's place: the member it was routed to (and counted in), and its key's slot.
    private struct Lease {
        var member: Int
        var producer: KafkaProducer
        var slot: Int?
    }

    private let state: NIOLockedValueBox<State>
    /// Serialises resizes and close, so producers are made outside the routing lock.
    private let resizeLock = NIOLock()
    private let counters: [PoolMemberCounters]
    /// Unfinished records per key slot: a slot with none may move to another member.
    private let slotInFlight: [ManagedAtomic<Int>]
    private let closed = ManagedAtomic(false)
    private let group: EventLoopGroup
    private let logger: Logger
    private let onMemberStartup: (@Sendable (PoolMemberStartup) -> Void)?

    /// How long a record whose key is still finishing in a retired member waits before it looks again.
    static let slotWaitNanos: UInt64 = 1_000_000

    /// Makes a pool and starts `producers.initial` members; they connect on first use. `onMemberStartup` is
    /// called (on a sender thread: keep it short) with each started member's time to its first acknowledgement.
    /// Throws `invalidConfiguration` naming the bad property.
    public init(config: ProducerPoolConfig, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "kairos.producer-pool"),
                onMemberStartup: (@Sendable (PoolMemberStartup) -> Void)? = nil) throws {
        try config.validate()
        self.config = config
        self.group = group
        self.logger = logger
        self.onMemberStartup = onMemberStartup
        self.counters = (0..<config.maxProducers).map { _ in PoolMemberCounters() }
        self.slotInFlight = (0..<PoolRouter.slotCount).map { _ in ManagedAtomic(0) }
        var router = PoolRouter(memberCount: config.maxProducers)
        let plan = router.plan(resizeTo: config.initialProducers)
        var producers = [KafkaProducer?](repeating: nil, count: config.maxProducers)
        let now = Self.now()
        for index in plan.started {
            producers[index] = try KafkaProducer(config: config.memberConfig(index), group: group, logger: logger)
            counters[index].started(nowNanos: now)
        }
        router.apply(plan)
        self.state = NIOLockedValueBox(State(router: router, producers: producers))
    }

    /// Makes a pool from Kafka producer properties plus `producers.min`, `producers.max` and `producers.initial`.
    public convenience init(properties: [String: String],
                            onMemberStartup: (@Sendable (PoolMemberStartup) -> Void)? = nil) throws {
        try self.init(config: ProducerPoolConfig(properties: properties), onMemberStartup: onMemberStartup)
    }

    // MARK: Sending

    /// Sends a record through an active member and returns where it was written, once acknowledged as `acks`
    /// asks. Throws as `KafkaProducer.send` does, or `closed`.
    public func send(_ record: ProducerRecord) async throws -> RecordMetadata {
        let lease = try await acquire(record)
        do {
            let metadata = try await lease.producer.send(record)
            finish(lease, success: true)
            return metadata
        } catch {
            finish(lease, success: false)
            throw error
        }
    }

    /// Buffers a record in an active member and returns; `onDelivery` reports its fate later (on a sender thread:
    /// keep it short). Suspends while metadata is unknown, while the member's buffer is full (up to
    /// `max.block.ms`, then throws `bufferExhausted` without calling `onDelivery`), or while the record's key
    /// still has records finishing in a retired member.
    public func send(_ record: ProducerRecord, onDelivery: (@Sendable (DeliveryReport) -> Void)?) async throws {
        let slot = Self.slot(of: record)
        let lease: Lease
        if let ready = try tryAcquire(slot: slot) { lease = ready } else { lease = try await acquireWaiting(slot: slot) }
        do {
            try await lease.producer.send(record, onDelivery: reporter(lease, onDelivery))
        } catch {
            finish(lease, success: false)
            throw error
        }
    }

    /// Buffers a record without ever suspending: throws as `KafkaProducer.trySend` does, and a retriable
    /// `timedOut` when the record's key still has records finishing in a retired member.
    public func trySend(_ record: ProducerRecord, onDelivery: (@Sendable (DeliveryReport) -> Void)? = nil) throws {
        guard let lease = try tryAcquire(slot: Self.slot(of: record)) else {
            throw KafkaClientError.timedOut("the record's key still has records finishing in a retired pool member")
        }
        do {
            try lease.producer.trySend(record, onDelivery: reporter(lease, onDelivery))
        } catch {
            finish(lease, success: false)
            throw error
        }
    }

    /// The number of partitions of `topic`, fetching its metadata into every active member (and into members
    /// started later), so that `trySend` finds it known in whichever member the record goes to.
    public func partitionCount(of topic: String) async throws -> Int {
        let producers = state.withLockedValue { s in
            s.knownTopics.insert(topic)
            return s.router.active.compactMap { s.producers[$0] }
        }
        guard !producers.isEmpty else { throw KafkaClientError.closed }
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for producer in producers { group.addTask { try await producer.partitionCount(of: topic) } }
            var count = 0
            for try await answer in group { count = answer }
            return count
        }
    }

    private static func slot(of record: ProducerRecord) -> Int? {
        record.key.map { key in key.withUnsafeReadableBytes { PoolRouter.slot(ofKey: $0) } }
    }

    private func acquire(_ record: ProducerRecord) async throws -> Lease {
        let slot = Self.slot(of: record)
        if let lease = try tryAcquire(slot: slot) { return lease }
        return try await acquireWaiting(slot: slot)
    }

    /// Waits until the slot's records in a retired member are finished (the member drains on its own).
    private func acquireWaiting(slot: Int?) async throws -> Lease {
        while true {
            try await Task.sleep(nanoseconds: Self.slotWaitNanos)
            if let lease = try tryAcquire(slot: slot) { return lease }
        }
    }

    /// Routes under the lock and counts the record in its member and slot before anyone else can route.
    private func tryAcquire(slot: Int?) throws -> Lease? {
        let counters = self.counters, slots = self.slotInFlight
        return try state.withLockedValue { s in
            let route = s.router.route(
                slot: slot, memberLoad: { counters[$0].inFlight.load(ordering: .relaxed) },
                slotInFlight: { slots[$0].load(ordering: .acquiring) })
            switch route {
            case .closed: throw KafkaClientError.closed
            case .wait: return nil
            case .member(let index):
                guard let producer = s.producers[index] else { throw KafkaClientError.closed }
                counters[index].routed()
                if let slot { slots[slot].wrappingIncrement(ordering: .relaxed) }
                return Lease(member: index, producer: producer, slot: slot)
            }
        }
    }

    private func reporter(_ lease: Lease, _ onDelivery: (@Sendable (DeliveryReport) -> Void)?)
        -> @Sendable (DeliveryReport) -> Void {
        let member = lease.member, slot = lease.slot
        return { [self] report in
            let success: Bool
            if case .success = report { success = true } else { success = false }
            finish(member: member, slot: slot, success: success)
            onDelivery?(report)
        }
    }

    private func finish(_ lease: Lease, success: Bool) {
        finish(member: lease.member, slot: lease.slot, success: success)
    }

    /// A record is finished: its slot first, then its member, so a member seen drained has no pinned slot.
    private func finish(member: Int, slot: Int?, success: Bool) {
        if let slot { slotInFlight[slot].wrappingDecrement(ordering: .releasing) }
        if let startup = counters[member].finished(success: success, nowNanos: Self.now()) {
            logger.debug("pool member started", metadata: ["member": "\(member)", "startup_ms": "\(startup / 1_000_000)"])
            onMemberStartup?(PoolMemberStartup(member: member, nanoseconds: startup))
        }
    }

    // MARK: Resizing

    /// The members taking new records.
    public var activeCount: Int { state.withLockedValue { $0.router.active.count } }

    /// Makes `target` members active. Growing re-activates retired members that are still draining, then starts
    /// closed ones (new producers, new connections); keys stay on their members. Shrinking retires the highest
    /// active members: they take no new records, finish what they hold, and are then closed; a key of theirs moves
    /// once its records there are finished. Returns at once; throws `invalidArgument` outside
    /// `producers.min...producers.max`, `closed` after `close`.
    public func resize(to target: Int) throws {
        guard (config.minProducers...config.maxProducers).contains(target) else {
            throw KafkaClientError.invalidArgument(
                "resize(to: \(target)) is outside producers.min...producers.max (\(config.minProducers)...\(config.maxProducers))")
        }
        try resizeLock.withLock {
            if closed.load(ordering: .relaxed) { throw KafkaClientError.closed }
            let plan = state.withLockedValue { $0.router.plan(resizeTo: target) }
            // Producers are made outside the routing lock: sends keep flowing meanwhile.
            var made: [(Int, KafkaProducer)] = []
            do {
                for index in plan.started {
                    made.append((index, try KafkaProducer(config: config.memberConfig(index), group: group, logger: logger)))
                }
            } catch {
                for (_, producer) in made { Task { await producer.close() } }
                throw error
            }
            let now = Self.now()
            for (index, _) in made { counters[index].started(nowNanos: now) }
            let topics = state.withLockedValue { s in
                for (index, producer) in made { s.producers[index] = producer }
                s.router.apply(plan)
                return s.knownTopics
            }
            if !topics.isEmpty {
                for (_, producer) in made {
                    Task { for topic in topics { _ = try? await producer.partitionCount(of: topic) } }
                }
            }
            for index in plan.retired { startDrain(index) }
            if plan != PoolRouter.ResizePlan() {
                logger.info("producer pool resized", metadata: [
                    "active": "\(target)", "started": "\(plan.started)", "reactivated": "\(plan.reactivated)",
                    "retired": "\(plan.retired)"])
            }
        }
    }

    /// Waits until every retired member has drained and been closed (or was made active again).
    public func waitForRetiredMembers() async {
        let drains = state.withLockedValue { Array($0.drains.values) }
        for drain in drains { await drain.value }
    }

    /// Drains a retired member in the background: flushes it until none of its records is unfinished, then
    /// closes its producer. Stops early if the member is made active again.
    private func startDrain(_ index: Int) {
        let task = Task { [self] in
            while true {
                let producer = state.withLockedValue { s in s.router.states[index] == .draining ? s.producers[index] : nil }
                guard let producer else { return }
                await producer.flush()
                let inFlight = counters[index].inFlight
                let drained: KafkaProducer? = state.withLockedValue { s in
                    // Read under the lock: the member may have been made active, taken records and been retired
                    // again since the flush.
                    guard s.router.finishDrain(index, unfinished: inFlight.load(ordering: .acquiring)) else { return nil }
                    defer { s.producers[index] = nil }
                    return s.producers[index]
                }
                if let drained {
                    await drained.close()
                    logger.debug("pool member drained and closed", metadata: ["member": "\(index)"])
                    return
                }
                // Records routed before the retirement may still be on their way into the member's buffer.
                try? await Task.sleep(nanoseconds: Self.slotWaitNanos)
            }
        }
        state.withLockedValue { $0.drains[index] = task }
    }

    // MARK: Flush and close

    /// Sends everything buffered in every member now, and returns when all of it is done.
    public func flush() async {
        let producers = state.withLockedValue { $0.producers.compactMap { $0 } }
        await withTaskGroup(of: Void.self) { group in
            for producer in producers { group.addTask { await producer.flush() } }
        }
    }

    /// Stops taking records, waits up to `timeoutMs` for every record routed to a member to finish, then closes
    /// every member (which fails what is left with `closed`).
    public func close(timeoutMs: Int = Int(Int32.max)) async {
        let first = resizeLock.withLock { () -> Bool in
            guard !closed.exchange(true, ordering: .relaxed) else { return false }
            state.withLockedValue { $0.router.isClosed = true }
            return true
        }
        guard first else { return }
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeoutMs))
        // Records still on their way into a member (waiting for metadata or memory) are not flushed yet: keep
        // flushing until none is unfinished, so closing a member fails none of them.
        let flushing = ManagedAtomic(false)
        while counters.contains(where: { $0.inFlight.load(ordering: .relaxed) > 0 }) && NIODeadline.now() < deadline {
            if !flushing.exchange(true, ordering: .relaxed) {
                Task { [self] in
                    await flush()
                    flushing.store(false, ordering: .relaxed)
                }
            }
            try? await Task.sleep(nanoseconds: Self.slotWaitNanos)
        }
        let drained = !counters.contains(where: { $0.inFlight.load(ordering: .relaxed) > 0 })
        let producers = state.withLockedValue { s -> [KafkaProducer] in
            defer { s.producers = s.producers.map { _ in nil } }
            return s.producers.compactMap { $0 }
        }
        let remainingMs = Int(max(0, (deadline - NIODeadline.now()).nanoseconds / 1_000_000))
        await withTaskGroup(of: Void.self) { group in
            for producer in producers { group.addTask { await producer.close(timeoutMs: remainingMs) } }
        }
        // After a timeout, a retired member's drain may be waiting on requests that finish on their own.
        if drained { await waitForRetiredMembers() }
        logger.debug("producer pool closed")
    }

    // MARK: Observing

    /// Every member's counts, state, free buffer and start-up time, and the active count, as one value.
    public func snapshot() -> ProducerPoolSnapshot {
        let (states, producers) = state.withLockedValue { ($0.router.states, $0.producers) }
        let members = states.indices.map { index in
            let c = counters[index]
            let startup = c.lastStartupNanos.load(ordering: .relaxed)
            return PoolMemberSnapshot(
                index: index, state: states[index], recordsSent: c.sent.load(ordering: .relaxed),
                recordsAcked: c.acked.load(ordering: .relaxed), recordsFailed: c.failed.load(ordering: .relaxed),
                inFlight: c.inFlight.load(ordering: .relaxed),
                bufferAvailableBytes: producers[index].map { Int($0.metrics.snapshot()["buffer-available-bytes"] ?? 0) },
                lastStartupNanos: startup > 0 ? startup : nil, starts: c.starts.load(ordering: .relaxed))
        }
        return ProducerPoolSnapshot(
            timeNanos: Self.now(), activeCount: states.filter { $0 == .active }.count,
            drainingCount: states.filter { $0 == .draining }.count, members: members)
    }

    /// Member `index`'s producer metrics under Kafka's names; nil while it has no producer.
    public func memberMetrics(_ index: Int) -> [String: Double]? {
        guard counters.indices.contains(index) else { return nil }
        return state.withLockedValue { $0.producers[index] }?.metrics.snapshot()
    }

    private static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
}
