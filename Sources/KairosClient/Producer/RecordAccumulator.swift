import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore

/// Holds records until the sender takes them: per-partition queues of batches, built in place with
/// `RecordBatchBuilder`, inside the `buffer.memory` budget. One lock guards it all, taken once per record; records
/// that find the budget spent wait in one FIFO queue (so order is kept) until memory returns or `max.block.ms`
/// passes.
final class RecordAccumulator: PartitionLoadSource, @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`.

    /// What the producer asked for, resolved: a record with its partition and timestamp.
    struct Prepared: Sendable {
        var record: ProducerRecord
        var topicPartition: TopicPartition
        var timestamp: Int64
        var estimatedBytes: Int
    }

    /// The outcome of a fast-path append.
    enum AppendResult {
        case appended
        case bufferFull
        case closed
    }

    final class PartitionQueue {
        var batches: [ProducerBatch] = []
        var queuedBytes = 0
        var inFlight = 0
        /// Base sequences of the batches in flight (idempotent producers).
        var inFlightSequences: [Int32] = []
        var nextSequence: Int32 = 0
        /// After a retriable failure of an idempotent partition: one batch in flight until the retries are done.
        var retrying = false
    }

    private struct PendingAppend {
        var id: UInt64
        var prepared: Prepared
        var completion: RecordCompletion
        var enqueued: CheckedContinuation<Void, Error>?
    }

    /// Work to do after the lock is released: completions must never run under it.
    struct Effects {
        typealias Appended = (TopicPartition, Int, CheckedContinuation<Void, Error>?)
        /// The common case, one record, kept out of an array so the per-record path does not allocate.
        var appendedOne: Appended?
        var appendedMore: [Appended] = []
        var wakeSender = false
        var flushWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let lock = NIOLock()
    private var queues: [TopicPartition: PartitionQueue] = [:]
    private var availableBytes: Int
    private var pending: [PendingAppend] = []
    private var pendingHead = 0
    private var nextPendingId: UInt64 = 0
    private var incompleteBatches = 0
    private var flushWaiters: [CheckedContinuation<Void, Never>] = []
    private var flushing = 0
    private var closing = false
    private var closed = false
    private var producerId: Int64 = -1
    private var producerEpoch: Int16 = -1

    let config: ProducerConfig
    let partitioner: any Partitioner
    let metrics: ProducerMetrics
    /// Called (outside the lock) when the sender has something new to look at.
    private let wake: @Sendable () -> Void
    private let now: @Sendable () -> UInt64

    init(config: ProducerConfig, partitioner: any Partitioner, metrics: ProducerMetrics,
         now: @escaping @Sendable () -> UInt64, wake: @escaping @Sendable () -> Void) {
        self.config = config
        self.partitioner = partitioner
        self.metrics = metrics
        self.availableBytes = config.bufferMemoryBytes
        self.now = now
        self.wake = wake
    }

    var isIdempotent: Bool { config.enableIdempotence }

    /// Sets the idempotent producer's identity; must happen before the first append.
    func setProducerId(_ id: Int64, epoch: Int16) {
        lock.withLock {
            producerId = id
            producerEpoch = epoch
        }
    }

    /// Bytes of `buffer.memory` free now.
    var bufferAvailableBytes: Int { lock.withLock { availableBytes } }

    // MARK: Appending

    /// Appends when memory allows and nobody waits before us; never blocks.
    func tryAppend(_ prepared: Prepared, completion: RecordCompletion) -> AppendResult {
        var effects = Effects()
        let result: AppendResult = lock.withLock {
            if closing { return .closed }
            guard pendingHead == pending.count, availableBytes >= prepared.estimatedBytes else { return .bufferFull }
            appendLocked(prepared, completion: completion, enqueued: nil, effects: &effects)
            return .appended
        }
        perform(effects)
        return result
    }

    /// Appends, or queues the record until memory frees up; `enqueued` (if any) resumes once the record is in a
    /// batch, and fails with `bufferExhausted` after `max.block.ms` (then `completion` is not called). Without
    /// `enqueued`, the timeout fails `completion` instead.
    func appendOrWait(_ prepared: Prepared, completion: RecordCompletion, enqueued: CheckedContinuation<Void, Error>?,
                      scheduleTimeout: (UInt64) -> Void) {
        var effects = Effects()
        let outcome: (queuedId: UInt64?, closed: Bool) = lock.withLock {
            if closing { return (nil, true) }
            if pendingHead == pending.count, availableBytes >= prepared.estimatedBytes {
                appendLocked(prepared, completion: completion, enqueued: enqueued, effects: &effects)
                return (nil, false)
            }
            let id = nextPendingId
            nextPendingId += 1
            pending.append(PendingAppend(id: id, prepared: prepared, completion: completion, enqueued: enqueued))
            effects.wakeSender = true  // a waiting record makes every batch ready, to free memory sooner
            return (id, false)
        }
        if outcome.closed {
            if let enqueued { enqueued.resume(throwing: KafkaClientError.closed) } else {
                completion.complete(.failure(.closed))
            }
            return
        }
        perform(effects)
        if let id = outcome.queuedId { scheduleTimeout(id) }
    }

    /// Gives up on a queued record after `max.block.ms`.
    func expirePending(id: UInt64) {
        let expired: PendingAppend? = lock.withLock {
            guard let index = pending[pendingHead...].firstIndex(where: { $0.id == id }) else { return nil }
            let entry = pending.remove(at: index)
            compactPendingLocked()
            return entry
        }
        guard let expired else { return }
        let error = KafkaClientError.bufferExhausted(maxBlockMs: config.maxBlockMs)
        metrics.recordErrors(1)
        if let enqueued = expired.enqueued { enqueued.resume(throwing: error) } else {
            expired.completion.complete(.failure(error))
        }
    }

    private func appendLocked(_ prepared: Prepared, completion: RecordCompletion,
                              enqueued: CheckedContinuation<Void, Error>?, effects: inout Effects) {
        availableBytes -= prepared.estimatedBytes
        let tp = prepared.topicPartition
        let queue: PartitionQueue
        if let existing = queues[tp] { queue = existing } else {
            queue = PartitionQueue()
            queues[tp] = queue
        }
        var batch: ProducerBatch
        if let last = queue.batches.last, !last.isClosed,
           last.sizeBytes + last.sizeOfRecord(prepared.record, timestamp: prepared.timestamp) <= config.batchSizeBytes {
            batch = last
        } else {
            if let last = queue.batches.last, !last.isClosed { closeLocked(last, queue: queue) }
            batch = ProducerBatch(
                topicPartition: tp, createdNanos: now(), baseTimestamp: prepared.timestamp,
                producerId: isIdempotent ? producerId : -1, producerEpoch: isIdempotent ? producerEpoch : -1,
                baseSequence: isIdempotent ? queue.nextSequence : -1,
                capacityBytes: min(max(config.batchSizeBytes, prepared.estimatedBytes + RecordBatchHeader.size), 1 << 20))
            queue.batches.append(batch)
            incompleteBatches += 1
            effects.wakeSender = true
        }
        let added = batch.append(prepared.record, timestamp: prepared.timestamp, reserved: prepared.estimatedBytes,
                                 completion: completion)
        queue.queuedBytes += prepared.estimatedBytes
        if batch.sizeBytes >= config.batchSizeBytes {
            closeLocked(batch, queue: queue)
            effects.wakeSender = true
        }
        if effects.appendedOne == nil { effects.appendedOne = (tp, added, enqueued) } else {
            effects.appendedMore.append((tp, added, enqueued))
        }
    }

    /// No more appends to `batch`; the next batch's sequence starts after its records.
    private func closeLocked(_ batch: ProducerBatch, queue: PartitionQueue) {
        guard !batch.isClosed else { return }
        batch.isClosed = true
        if isIdempotent { queue.nextSequence = Self.sequence(queue.nextSequence, plus: batch.recordCount) }
    }

    /// Nanoseconds from `start` to `end`, 0 when `end` is earlier (a batch made after `end` was read).
    static func elapsed(from start: UInt64, to end: UInt64) -> UInt64 {
        end > start ? end - start : 0
    }

    /// Kafka's sequence numbers wrap from Int32.max to 0.
    static func sequence(_ base: Int32, plus count: Int) -> Int32 {
        Int32((Int(base) + count) % (Int(Int32.max) + 1))
    }

    private func compactPendingLocked() {
        if pendingHead > 64 && pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    /// Moves waiting records into batches while memory allows.
    private func admitPendingLocked(effects: inout Effects) {
        while pendingHead < pending.count, availableBytes >= pending[pendingHead].prepared.estimatedBytes {
            let entry = pending[pendingHead]
            pendingHead += 1
            appendLocked(entry.prepared, completion: entry.completion, enqueued: entry.enqueued, effects: &effects)
        }
        if pendingHead == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingHead = 0
        } else {
            compactPendingLocked()
        }
    }

    private func perform(_ effects: Effects) {
        if let (tp, bytes, enqueued) = effects.appendedOne {
            partitioner.recordAppended(topic: tp.topic, partition: tp.partition, bytes: bytes)
            enqueued?.resume()
        }
        for (tp, bytes, enqueued) in effects.appendedMore {
            partitioner.recordAppended(topic: tp.topic, partition: tp.partition, bytes: bytes)
            enqueued?.resume()
        }
        for waiter in effects.flushWaiters { waiter.resume() }
        if effects.wakeSender { wake() }
    }

    // MARK: Draining

    /// What one pass of the sender found.
    struct Drained {
        /// Batches to send, by leader node id; one per partition.
        var byLeader: [Int32: [ProducerBatch]] = [:]
        /// The earliest monotonic time something becomes ready, if anything waits.
        var nextCheckNanos: UInt64?
        /// Topics whose partitions have no known leader.
        var topicsNeedingMetadata: Set<String> = []
        /// Batches that outlived `delivery.timeout.ms` before being sent (already removed).
        var expired: [ProducerBatch] = []
    }

    /// Takes the batches that are ready (full, lingered, flushing, closing, or memory is short) and whose leader
    /// can take another request.
    func drain(leaderOf: (TopicPartition) -> Int32?, inFlightPerBroker: [Int32: Int]) -> Drained {
        let nowNanos = now()
        let lingerNanos = UInt64(config.lingerMs) * 1_000_000
        let deliveryNanos = UInt64(config.deliveryTimeoutMs) * 1_000_000
        let maxInFlight = config.maxInFlightRequestsPerConnection
        var drained = Drained()
        var requestBytes: [Int32: Int] = [:]
        lock.withLock {
            let urgent = flushing > 0 || closing || pendingHead < pending.count
            for (tp, queue) in queues {
                // Expire what waited too long without ever being sent.
                while let first = queue.batches.first, Self.elapsed(from: first.createdNanos, to: nowNanos) >= deliveryNanos {
                    queue.batches.removeFirst()
                    closeLocked(first, queue: queue)
                    queue.queuedBytes -= first.reservedBytes
                    drained.expired.append(first)
                }
                guard let first = queue.batches.first else { continue }
                let ready = first.isClosed || urgent || Self.elapsed(from: first.createdNanos, to: nowNanos) >= lingerNanos
                if !ready {
                    drained.nextCheckNanos = min(drained.nextCheckNanos ?? .max, first.createdNanos &+ lingerNanos)
                    continue
                }
                if first.retryNotBeforeNanos > nowNanos {
                    drained.nextCheckNanos = min(drained.nextCheckNanos ?? .max, first.retryNotBeforeNanos)
                    continue
                }
                let partitionLimit = isIdempotent && queue.retrying ? 1 : maxInFlight
                guard queue.inFlight < partitionLimit else { continue }
                guard let leader = leaderOf(tp) else {
                    drained.topicsNeedingMetadata.insert(tp.topic)
                    continue
                }
                let startsRequest = drained.byLeader[leader] == nil
                if startsRequest && (inFlightPerBroker[leader] ?? 0) >= maxInFlight { continue }
                let size = first.sizeBytes
                if !startsRequest && requestBytes[leader, default: 0] + size > config.maxRequestSizeBytes { continue }
                queue.batches.removeFirst()
                closeLocked(first, queue: queue)
                queue.queuedBytes -= first.reservedBytes
                queue.inFlight += 1
                if isIdempotent { queue.inFlightSequences.append(first.baseSequence) }
                requestBytes[leader, default: 0] += size
                drained.byLeader[leader, default: []].append(first)
            }
        }
        return drained
    }

    // MARK: Outcomes

    /// A sent batch is done (acknowledged or failed for good), or an expired one is discarded: its memory returns
    /// and waiting records move in.
    func batchDone(_ batch: ProducerBatch, wasInFlight: Bool) {
        var effects = Effects()
        lock.withLock {
            let queue = queues[batch.topicPartition]
            if wasInFlight, let queue {
                queue.inFlight -= 1
                if let index = queue.inFlightSequences.firstIndex(of: batch.baseSequence) {
                    queue.inFlightSequences.remove(at: index)
                }
                if queue.retrying && queue.inFlight == 0 && !queue.batches.contains(where: { $0.attempts > 0 }) {
                    queue.retrying = false
                }
            }
            if let queue, queue.batches.isEmpty, queue.inFlight == 0, !isIdempotent {
                // Idempotent queues keep their sequence numbers; others can go.
                queues[batch.topicPartition] = nil
            }
            availableBytes += batch.reservedBytes
            incompleteBatches -= 1
            admitPendingLocked(effects: &effects)
            if incompleteBatches == 0 && pendingHead == pending.count {
                effects.flushWaiters = flushWaiters
                flushWaiters = []
            }
            effects.wakeSender = true
        }
        metrics.setBufferAvailable(bufferAvailableBytes)
        perform(effects)
    }

    /// A sent batch failed in a way worth retrying: it goes back to its queue, in sequence order.
    func requeue(_ batch: ProducerBatch, notBeforeNanos: UInt64) {
        lock.withLock {
            guard let queue = queues[batch.topicPartition] else { preconditionFailure("requeue of an unknown partition") }
            queue.inFlight -= 1
            if let index = queue.inFlightSequences.firstIndex(of: batch.baseSequence) {
                queue.inFlightSequences.remove(at: index)
            }
            batch.retryNotBeforeNanos = notBeforeNanos
            let index = isIdempotent
                ? (queue.batches.firstIndex { $0.baseSequence > batch.baseSequence } ?? queue.batches.count)
                : 0
            queue.batches.insert(batch, at: index)
            queue.queuedBytes += batch.reservedBytes
            if isIdempotent { queue.retrying = true }
        }
        wake()
    }

    /// True when a batch of the same partition with a lower sequence is still queued or in flight (so an
    /// OUT_OF_ORDER_SEQUENCE_NUMBER for `batch` is the echo of that one's failure, worth a retry).
    func hasEarlierUnacknowledged(than batch: ProducerBatch) -> Bool {
        lock.withLock {
            guard let queue = queues[batch.topicPartition] else { return false }
            return queue.inFlightSequences.contains { $0 < batch.baseSequence }
                || queue.batches.contains { $0 !== batch && $0.baseSequence < batch.baseSequence }
        }
    }

    // MARK: Flush and close

    /// Returns once every batch made so far is done; makes all batches ready meanwhile.
    func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done: Bool = lock.withLock {
                if incompleteBatches == 0 && pendingHead == pending.count { return true }
                flushing += 1
                flushWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() } else { wake() }
        }
        lock.withLock { flushing = max(0, flushing - 1) }
    }

    /// Refuses new records from now on; existing ones are still sent.
    func beginClose() {
        lock.withLock { closing = true }
        wake()
    }

    /// Fails every record not yet sent (a close that gives up).
    func abortAll(_ error: KafkaClientError) {
        var batches: [ProducerBatch] = []
        var waiting: [PendingAppend] = []
        lock.withLock {
            for (_, queue) in queues {
                batches.append(contentsOf: queue.batches)
                queue.batches = []
                queue.queuedBytes = 0
            }
            waiting = Array(pending[pendingHead...])
            pending = []
            pendingHead = 0
        }
        for batch in batches {
            batch.fail(error)
            batchDone(batch, wasInFlight: false)
        }
        for entry in waiting {
            if let enqueued = entry.enqueued { enqueued.resume(throwing: error) } else { entry.completion.complete(.failure(error)) }
        }
    }

    /// True when nothing is buffered, waiting or in flight.
    var isEmpty: Bool { lock.withLock { incompleteBatches == 0 && pendingHead == pending.count } }

    // MARK: Load

    func loads(topic: String, partitionCount: Int) -> [PartitionLoad] {
        lock.withLock {
            (0..<partitionCount).map { index in
                let tp = TopicPartition(topic: topic, partition: Int32(index))
                guard let queue = queues[tp] else { return PartitionLoad(partition: Int32(index)) }
                return PartitionLoad(partition: Int32(index), queuedBytes: queue.queuedBytes,
                                     queuedBatches: queue.batches.count, inFlightBatches: queue.inFlight)
            }
        }
    }
}
