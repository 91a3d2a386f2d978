import Atomics
import Foundation
import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The Kairos producer: Kafka's producer semantics in Swift. Records are batched per partition in a bounded
/// buffer and sent by a background sender, pipelined per broker; `send` suspends until the record is acknowledged,
/// `send(_:onDelivery:)` returns once it is buffered and reports later.
///
/// ```swift
/// let producer = try KafkaProducer(config: ProducerConfig(properties: ["bootstrap.servers": "127.0.0.1:9092"]))
/// let metadata = try await producer.send(ProducerRecord(topic: "orders", key: "k", value: "v"))
/// await producer.close()
/// ```
public final class KafkaProducer: Sendable {
    /// The configuration in force.
    public let config: ProducerConfig
    /// Kafka-named metrics, readable in-process and exported through swift-metrics.
    public let metrics: ProducerMetrics
    /// The cluster view (metadata and connections) this producer uses.
    public let cluster: KafkaCluster
    private let accumulator: RecordAccumulator
    private let sender: ProducerSender
    private let initTask: Task<Void, Error>
    private let ready = ManagedAtomic(false)
    private let closed = ManagedAtomic(false)
    private let eventLoop: EventLoop
    private let ownsCluster: Bool
    /// The shared partition-growth service, for `partitioner=ipooa`.
    private let growthService: PartitionGrowthService?
    /// The running close's wait for the buffer to drain, so that cancellation (`abandonClose`) can end it early.
    private let closeWait = NIOLockedValueBox<CloseWait>(CloseWait())
    /// Set when `close()` has finished; `run()` returns then.
    let closeFinished = ClosedSignal()

    private struct CloseWait {
        /// Resumed with true once everything was sent, false when the close gave up.
        var continuation: CheckedContinuation<Bool, Never>?
        /// Cancellation asked to give up: a close started later gives up at once.
        var abandoned = false
    }

    /// Makes a producer and starts its sender; connects on first use. Throws `invalidConfiguration`.
    public convenience init(config: ProducerConfig, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                            logger: Logger = Logger(label: "kairos.producer")) throws {
        // One event loop for the sender and all its connections: requests and answers then never change threads.
        try self.init(config: config, cluster: KafkaCluster(config: config.client, group: group.next(), logger: logger),
                      ownsCluster: true, logger: logger)
    }

    /// Makes a producer on a shared cluster view.
    public init(config: ProducerConfig, cluster: KafkaCluster, ownsCluster: Bool = false,
                logger: Logger = Logger(label: "kairos.producer")) throws {
        try config.validate()
        self.config = config
        self.cluster = cluster
        self.ownsCluster = ownsCluster
        let eventLoop = cluster.group.next()
        self.eventLoop = eventLoop
        let now: @Sendable () -> UInt64 = { NIODeadline.now().uptimeNanoseconds }
        let metrics = ProducerMetrics(clientId: config.client.clientId, bufferMemoryBytes: config.bufferMemoryBytes, now: now)
        self.metrics = metrics
        let partitioner: any Partitioner
        if case .ipooa = config.partitioner {
            // validate() checked the parameters. Growth is shared by every producer of the process on this cluster.
            let parameters = try config.ipooa.parameters()
            let growth = PartitionGrowthService.acquire(for: cluster, config: config.client, maxPartitions: parameters.maxPartitions,
                                                        cooldownMs: parameters.growCooldownMs)
            growthService = growth
            partitioner = IPOOAPartitioner(
                parameters: parameters, loadRefreshMs: config.ipooa.loadRefreshMs, batchSizeBytes: config.batchSizeBytes,
                feed: IPOOALoadFeed(cluster: cluster, refreshMs: config.ipooa.loadRefreshMs, logger: logger), growth: growth)
        } else {
            growthService = nil
            partitioner = config.partitioner.make(batchSizeBytes: config.batchSizeBytes)
        }
        let wakeup = SenderWakeup(eventLoop: eventLoop)
        let accumulator = RecordAccumulator(config: config, partitioner: partitioner, metrics: metrics, now: now,
                                            wake: { wakeup.signal() })
        self.accumulator = accumulator
        let sender = ProducerSender(accumulator: accumulator, cluster: cluster, config: config, metrics: metrics,
                                    wakeup: wakeup, logger: logger, now: now)
        self.sender = sender
        sender.start()
        if config.enableIdempotence {
            let ready = self.ready
            initTask = Task {
                let response = try await cluster.withRetries("InitProducerId") {
                    let connection = try await cluster.anyConnection()
                    let response = try await connection.send(InitProducerIdRequest(
                        transactionalId: nil, transactionTimeoutMs: Int32(clamping: config.deliveryTimeoutMs),
                        producerId: -1, producerEpoch: -1))
                    if response.errorCode != 0 { throw KafkaClientError.broker(ErrorCode(response.errorCode)) }
                    return response
                }
                accumulator.setProducerId(response.producerId, epoch: response.producerEpoch)
                ready.store(true, ordering: .releasing)
            }
        } else {
            initTask = Task {}
            ready.store(true, ordering: .releasing)
        }
    }

    // MARK: Sending

    /// Sends a record and returns where it was written, once acknowledged as `acks` asks. Suspends up to
    /// `max.block.ms` for metadata or buffer space; throws `bufferExhausted`, `recordTooLarge`, `timedOut`
    /// (`delivery.timeout.ms`), or the broker's error.
    public func send(_ record: ProducerRecord) async throws -> RecordMetadata {
        let count = try await ensureReady(topic: record.topic)
        let accumulator = self.accumulator, scheduleExpiry = self.scheduleExpiry
        return try await withCheckedThrowingContinuation { continuation in
            do {
                switch try accumulator.append(record, completion: .continuation(continuation)) {
                case .appended: return
                case .closed: return continuation.resume(throwing: KafkaClientError.closed)
                case .bufferFull, .unknownTopic: break
                }
                let prepared = try accumulator.prepare(record, partitionCount: count)
                accumulator.appendOrWait(prepared, completion: .continuation(continuation), enqueued: nil,
                                         scheduleExpirySweep: scheduleExpiry)
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Buffers a record and returns; `onDelivery` reports its fate later (on a sender thread: keep it short).
    /// Suspends only while metadata is unknown or the buffer is full, up to `max.block.ms`, then throws
    /// `bufferExhausted` (and `onDelivery` is not called).
    @inlinable
    public func send(_ record: ProducerRecord, onDelivery: (@Sendable (DeliveryReport) -> Void)?) async throws {
        // Inlined into the caller, so the common case costs no async call frame: a synchronous append, no task hop.
        if try appendWithoutWaiting(record, onDelivery: onDelivery) { return }
        try await sendWaiting(record, onDelivery: onDelivery)
    }

    /// The common case of `send(_:onDelivery:)`: true when the record is in a batch (one lock in the accumulator);
    /// false when it must wait for the producer id, metadata or buffer memory.
    @usableFromInline
    func appendWithoutWaiting(_ record: ProducerRecord, onDelivery: (@Sendable (DeliveryReport) -> Void)?) throws -> Bool {
        guard ready.load(ordering: .acquiring) else { return false }
        if closed.load(ordering: .relaxed) { throw KafkaClientError.closed }
        switch try accumulator.append(record, completion: RecordCompletion(report: onDelivery)) {
        case .appended: return true
        case .closed: throw KafkaClientError.closed
        case .bufferFull, .unknownTopic: return false
        }
    }

    /// The slow path of `send(_:onDelivery:)`: waits for the producer id and metadata, then for buffer memory.
    @usableFromInline
    func sendWaiting(_ record: ProducerRecord, onDelivery: (@Sendable (DeliveryReport) -> Void)?) async throws {
        let completion = RecordCompletion(report: onDelivery)
        let count = try await ensureReady(topic: record.topic)
        switch try accumulator.append(record, completion: completion) {
        case .appended: return
        case .closed: throw KafkaClientError.closed
        case .bufferFull, .unknownTopic: break
        }
        let prepared = try accumulator.prepare(record, partitionCount: count)
        let accumulator = self.accumulator, scheduleExpiry = self.scheduleExpiry
        try await withCheckedThrowingContinuation { (enqueued: CheckedContinuation<Void, Error>) in
            accumulator.appendOrWait(prepared, completion: completion, enqueued: enqueued, scheduleExpirySweep: scheduleExpiry)
        }
    }

    /// Buffers a record without ever suspending: throws `bufferExhausted` at once when `buffer.memory` is full, and
    /// a retriable error when the topic's metadata is not known yet (call `partitionCount(of:)` first).
    public func trySend(_ record: ProducerRecord, onDelivery: (@Sendable (DeliveryReport) -> Void)? = nil) throws {
        guard ready.load(ordering: .acquiring) else {
            throw KafkaClientError.broker(.coordinatorLoadInProgress, message: "producer id not assigned yet")
        }
        if closed.load(ordering: .relaxed) { throw KafkaClientError.closed }
        let completion = RecordCompletion(report: onDelivery)
        var result = try accumulator.append(record, completion: completion)
        if result == .unknownTopic, let count = cluster.partitionCount(topic: record.topic) {
            accumulator.setPartitionCount(count, topic: record.topic)
            result = try accumulator.append(record, completion: completion)
        }
        switch result {
        case .appended: return
        case .bufferFull: throw KafkaClientError.bufferExhausted(maxBlockMs: 0)
        case .closed: throw KafkaClientError.closed
        case .unknownTopic:
            throw KafkaClientError.broker(.leaderNotAvailable, message: "no metadata for topic \(record.topic) yet")
        }
    }

    /// The number of partitions of `topic`, fetching metadata (and auto-creating the topic where the broker
    /// allows) within `max.block.ms`.
    public func partitionCount(of topic: String) async throws -> Int {
        if let count = cluster.partitionCount(topic: topic) {
            accumulator.setPartitionCount(count, topic: topic)
            return count
        }
        let deadline = ContinuousClock.now + .milliseconds(config.maxBlockMs)
        var lastError: KafkaClientError?
        while true {
            do {
                let metadata = try await cluster.refreshMetadata(topics: [topic], allowAutoTopicCreation: true)
                if let count = cluster.partitionCount(topic: topic) {
                    accumulator.setPartitionCount(count, topic: topic)
                    return count
                }
                let code = metadata.topics[topic]?.error ?? .unknownTopicOrPartition
                if !code.isRetriable && code != .none {
                    throw KafkaClientError.broker(code, message: "topic \(topic)")
                }
                lastError = .broker(code, message: "topic \(topic)")
            } catch let error as KafkaClientError where error.isRetriable {
                lastError = error
            }
            let backoff = Duration.milliseconds(config.client.retryBackoffMs)
            guard ContinuousClock.now + backoff < deadline else {
                throw KafkaClientError.timedOut("metadata for topic \(topic) within max.block.ms=\(config.maxBlockMs)"
                                                + (lastError.map { " (\($0))" } ?? ""))
            }
            try await Task.sleep(for: backoff)
        }
    }

    /// Waits for the producer id and the topic's metadata; returns the topic's partition count.
    private func ensureReady(topic: String) async throws -> Int {
        if closed.load(ordering: .relaxed) { throw KafkaClientError.closed }
        if !ready.load(ordering: .acquiring) { try await initTask.value }
        if let count = accumulator.partitionCount(topic: topic) { return count }
        let count = try await partitionCount(of: topic)
        if closed.load(ordering: .relaxed) { throw KafkaClientError.closed }
        return count
    }

    /// Schedules the sweep that fails records still waiting for buffer memory after `max.block.ms`; it schedules
    /// itself again while records wait.
    private var scheduleExpiry: (UInt64) -> Void {
        let accumulator = self.accumulator, eventLoop = self.eventLoop
        return { deadline in Self.scheduleExpirySweep(at: deadline, accumulator: accumulator, on: eventLoop) }
    }

    private static func scheduleExpirySweep(at deadlineNanos: UInt64, accumulator: RecordAccumulator, on eventLoop: EventLoop) {
        eventLoop.scheduleTask(deadline: .uptimeNanoseconds(min(deadlineNanos, UInt64(Int64.max)))) {
            if let next = accumulator.expireOverduePending() {
                scheduleExpirySweep(at: next, accumulator: accumulator, on: eventLoop)
            }
        }
    }

    // MARK: Flush and close

    /// Sends everything buffered now, without waiting for `linger.ms`, and returns when all of it is done.
    public func flush() async {
        await accumulator.flush()
        metrics.setBufferAvailable(accumulator.bufferAvailableBytes)
        metrics.publish()
    }

    /// Stops taking records, sends what is buffered (waiting up to `timeoutMs`, then failing the rest with
    /// `closed`) and closes the connections this producer owns.
    public func close(timeoutMs: Int = Int(Int32.max)) async {
        guard closed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        accumulator.beginClose()
        let accumulator = self.accumulator, eventLoop = self.eventLoop, closeWait = self.closeWait
        let drained = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let abandoned: Bool = closeWait.withLockedValue { wait in
                if wait.abandoned { return true }
                wait.continuation = continuation
                return false
            }
            if abandoned { return continuation.resume(returning: false) }
            // Whichever comes first (the timeout, the drain, `abandonClose`) takes the continuation and decides.
            let timer = eventLoop.scheduleTask(in: .milliseconds(Int64(timeoutMs))) {
                Self.decideClose(closeWait, drained: false)
            }
            Task {
                await accumulator.flush()
                timer.cancel()
                Self.decideClose(closeWait, drained: true)
            }
        }
        if !drained { accumulator.abortAll(.closed) }
        sender.stop()
        // After a timeout, requests in flight finish on their own; only a clean drain waits for the sender.
        if drained { await sender.waitUntilStopped() }
        initTask.cancel()
        metrics.publish()
        if let growthService { await PartitionGrowthService.release(growthService, for: cluster) }
        if ownsCluster { await cluster.close() }
        closeFinished.signal()
    }

    /// Gives up on what is still buffered: a running `close` stops waiting and fails it with `closed`, and a close
    /// started later does so at once (cancellation of `run()`).
    func abandonClose() {
        closeWait.withLockedValue { $0.abandoned = true }
        Self.decideClose(closeWait, drained: false)
    }

    private static func decideClose(_ closeWait: NIOLockedValueBox<CloseWait>, drained: Bool) {
        let continuation = closeWait.withLockedValue { wait in
            defer { wait.continuation = nil }
            return wait.continuation
        }
        continuation?.resume(returning: drained)
    }
}
