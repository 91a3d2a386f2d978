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
    private let partitioner: any Partitioner
    private let sender: ProducerSender
    private let senderTask: Task<Void, Never>
    private let initTask: Task<Void, Error>
    private let ready = ManagedAtomic(false)
    private let closed = ManagedAtomic(false)
    private let eventLoop: EventLoop
    private let ownsCluster: Bool

    /// Makes a producer and starts its sender; connects on first use. Throws `invalidConfiguration`.
    public convenience init(config: ProducerConfig, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                            logger: Logger = Logger(label: "kairos.producer")) throws {
        try self.init(config: config, cluster: KafkaCluster(config: config.client, group: group, logger: logger),
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
        let partitioner = config.partitioner.make(batchSizeBytes: config.batchSizeBytes)
        self.partitioner = partitioner
        let wakeup = SenderWakeup(eventLoop: eventLoop)
        let accumulator = RecordAccumulator(config: config, partitioner: partitioner, metrics: metrics, now: now,
                                            wake: { wakeup.signal() })
        self.accumulator = accumulator
        let sender = ProducerSender(accumulator: accumulator, cluster: cluster, config: config, metrics: metrics,
                                    wakeup: wakeup, logger: logger, now: now)
        self.sender = sender
        self.senderTask = Task { await sender.run() }
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
        let prepared = try await prepare(record)
        let accumulator = self.accumulator, eventLoop = self.eventLoop, maxBlockMs = config.maxBlockMs
        return try await withCheckedThrowingContinuation { continuation in
            accumulator.appendOrWait(prepared, completion: .continuation(continuation), enqueued: nil) { id in
                eventLoop.scheduleTask(in: .milliseconds(Int64(maxBlockMs))) { accumulator.expirePending(id: id) }
            }
        }
    }

    /// Buffers a record and returns; `onDelivery` reports its fate later (on a sender thread: keep it short).
    /// Suspends only while metadata is unknown or the buffer is full, up to `max.block.ms`, then throws
    /// `bufferExhausted` (and `onDelivery` is not called).
    public func send(_ record: ProducerRecord, onDelivery: (@Sendable (DeliveryReport) -> Void)?) async throws {
        let prepared = try await prepare(record)
        let completion: RecordCompletion = onDelivery.map { .callback($0) } ?? .none
        if accumulator.tryAppend(prepared, completion: completion) == .appended { return }
        let accumulator = self.accumulator, eventLoop = self.eventLoop, maxBlockMs = config.maxBlockMs
        try await withCheckedThrowingContinuation { (enqueued: CheckedContinuation<Void, Error>) in
            accumulator.appendOrWait(prepared, completion: completion, enqueued: enqueued) { id in
                eventLoop.scheduleTask(in: .milliseconds(Int64(maxBlockMs))) { accumulator.expirePending(id: id) }
            }
        }
    }

    /// Buffers a record without ever suspending: throws `bufferExhausted` at once when `buffer.memory` is full, and
    /// a retriable error when the topic's metadata is not known yet (call `partitionCount(of:)` first).
    public func trySend(_ record: ProducerRecord, onDelivery: (@Sendable (DeliveryReport) -> Void)? = nil) throws {
        guard ready.load(ordering: .acquiring) else {
            throw KafkaClientError.broker(.coordinatorLoadInProgress, message: "producer id not assigned yet")
        }
        guard let prepared = try prepareIfKnown(record) else {
            throw KafkaClientError.broker(.leaderNotAvailable, message: "no metadata for topic \(record.topic) yet")
        }
        switch accumulator.tryAppend(prepared, completion: onDelivery.map { .callback($0) } ?? .none) {
        case .appended: return
        case .bufferFull: throw KafkaClientError.bufferExhausted(maxBlockMs: 0)
        case .closed: throw KafkaClientError.closed
        }
    }

    /// The number of partitions of `topic`, fetching metadata (and auto-creating the topic where the broker
    /// allows) within `max.block.ms`.
    public func partitionCount(of topic: String) async throws -> Int {
        if let count = cluster.partitionCount(topic: topic) { return count }
        let deadline = ContinuousClock.now + .milliseconds(config.maxBlockMs)
        var lastError: KafkaClientError?
        while true {
            do {
                let metadata = try await cluster.refreshMetadata(topics: [topic], allowAutoTopicCreation: true)
                if let count = cluster.partitionCount(topic: topic) { return count }
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

    private func prepare(_ record: ProducerRecord) async throws -> RecordAccumulator.Prepared {
        if closed.load(ordering: .relaxed) { throw KafkaClientError.closed }
        if !ready.load(ordering: .acquiring) { try await initTask.value }
        if let prepared = try prepareIfKnown(record) { return prepared }
        _ = try await partitionCount(of: record.topic)
        guard let prepared = try prepareIfKnown(record) else {
            throw KafkaClientError.broker(.unknownTopicOrPartition, message: "topic \(record.topic)")
        }
        return prepared
    }

    private func prepareIfKnown(_ record: ProducerRecord) throws -> RecordAccumulator.Prepared? {
        if closed.load(ordering: .relaxed) { throw KafkaClientError.closed }
        guard let count = cluster.partitionCount(topic: record.topic) else { return nil }
        let partition: Int32
        if let chosen = record.partition {
            guard chosen >= 0, Int(chosen) < count else {
                throw KafkaClientError.invalidArgument("partition \(chosen) of topic \(record.topic), which has \(count)")
            }
            partition = chosen
        } else {
            partition = partitioner.partition(topic: record.topic, key: record.key, partitionCount: count, loads: accumulator)
        }
        let bytes = record.estimatedSizeBytes
        let limit = min(config.maxRequestSizeBytes, config.bufferMemoryBytes)
        if bytes + RecordBatchHeader.size > limit { throw KafkaClientError.recordTooLarge(bytes: bytes, limitBytes: limit) }
        let timestamp = record.timestampMs ?? Int64(Date().timeIntervalSince1970 * 1000)
        return .init(record: record, topicPartition: TopicPartition(topic: record.topic, partition: partition),
                     timestamp: timestamp, estimatedBytes: bytes)
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
        let accumulator = self.accumulator, eventLoop = self.eventLoop
        let drained = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let decided = ManagedAtomic(false)
            let timer = eventLoop.scheduleTask(in: .milliseconds(Int64(timeoutMs))) {
                if !decided.exchange(true, ordering: .relaxed) { continuation.resume(returning: false) }
            }
            Task {
                await accumulator.flush()
                timer.cancel()
                if !decided.exchange(true, ordering: .relaxed) { continuation.resume(returning: true) }
            }
        }
        if !drained { accumulator.abortAll(.closed) }
        sender.stop()
        // After a timeout, requests in flight finish on their own; only a clean drain waits for the sender.
        if drained { await senderTask.value }
        initTask.cancel()
        metrics.publish()
        if ownsCluster { await cluster.close() }
    }
}
