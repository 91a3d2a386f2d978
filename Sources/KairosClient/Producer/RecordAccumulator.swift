#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore

/// Holds records until the sender takes them: per-partition queues of batches, built in place with
/// `RecordBatchBuilder`, inside the `buffer.memory` budget. One lock guards it all.
///
/// The per-record path takes that lock once and nothing else: each topic caches its partition count (refreshed by
/// the sender from metadata once per pass) and, for records without a key, a lease on the sticky partitioner's
/// current partition (see `PartitionLease`), so neither metadata nor the partitioner is consulted per record. The
/// sender is woken only when a batch becomes ready before the time it will look again on its own.
/// The `buffer.memory` budget (with the records waiting for it and the buffers kept for reuse) is a `BufferPool`, and
/// an idempotent producer's sequence numbers an `IdempotentSequencer`: values this class holds under its lock and
/// acts on, so both are tested without threads or sockets.
final class RecordAccumulator: PartitionLoadSource, @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`.

    /// What the producer asked for, resolved: a record with its partition and timestamp.
    struct Prepared: Sendable {
        var record: ProducerRecord
        var topicPartition: TopicPartition
        var timestamp: Int64
        var estimatedBytes: Int
    }

    /// The outcome of a non-blocking append.
    enum AppendResult {
        case appended
        case bufferFull
        case closed
        /// The topic's partition count is not known yet: fetch metadata and use the slow path.
        case unknownTopic
    }

    final class PartitionQueue {
        let topicPartition: TopicPartition
        /// Its place in `allQueues`, which is also its partition number in the sequencer.
        let index: Int
        var batches: [ProducerBatch] = []
        var queuedBytes = 0
        var inFlight = 0

        init(topicPartition: TopicPartition, index: Int) {
            self.topicPartition = topicPartition
            self.index = index
        }
    }

    /// Per-topic state read on every append.
    final class TopicState {
        let topic: String
        /// From metadata; 0 until known.
        var partitionCount = 0
        /// Indexed by partition; created on first use.
        var queues: [PartitionQueue?] = []
        /// Where records without a key go without asking the partitioner.
        var lease: PartitionLease?
        /// Bytes appended on the leased partition not yet reported to the partitioner.
        var unreportedBytes = 0

        init(topic: String) { self.topic = topic }
    }

    /// A record waiting in the buffer pool for memory.
    private struct PendingAppend {
        var prepared: Prepared
        var completion: RecordCompletion
        var enqueued: CheckedContinuation<Void, Error>?
    }

    /// Appended bytes the partitioner has to hear about (outside the lock).
    private struct Report {
        var topic: String
        var partition: Int32
        var bytes: Int
    }

    /// Work to do after the lock is released: completions and partitioner calls must never run under it.
    private struct Effects {
        var reports: [Report] = []
        var resumes: [CheckedContinuation<Void, Error>] = []
        var wakeSender = false
        var flushWaiters: [CheckedContinuation<Void, Never>] = []
        /// Full batches to compress on this thread, outside the lock.
        var toSeal: [ProducerBatch] = []
    }

    private let lock = AdaptiveLock()
    private var topics: [String: TopicState] = [:]
    /// The topic of the last append: most producers write one topic, and comparing equal strings is cheaper
    /// than hashing one.
    private var lastTopic: TopicState?
    /// Every partition queue, in creation order; the sender's pass starts at a rotating index so no partition is
    /// always last when requests fill up.
    private var allQueues: [PartitionQueue] = []
    private var drainStart = 0
    /// `buffer.memory`: what is free, the records waiting for memory, and the buffers of finished batches kept for
    /// reuse (a fresh buffer's pages fault in on first write, which cost a busy producer about a twentieth of its CPU).
    private var pool: BufferPool<PendingAppend, ByteBuffer>
    /// Producer id, epoch and sequence numbers (used only by idempotent producers).
    private var sequencer = IdempotentSequencer()
    private var incompleteBatches = 0
    private var flushWaiters: [CheckedContinuation<Void, Never>] = []
    private var flushing = 0
    private var closing = false
    /// Set by `abortAll`: batches still being sealed then fail once sealed.
    private var abortedWith: KafkaClientError?
    /// The monotonic time by which the sender looks at the queues again without being woken: 0 while it is
    /// running (or a wake is on its way, or a response it waits for will wake it), `.max` when it sleeps
    /// without a deadline.
    private var senderLooksAtNanos: UInt64 = 0

    let config: ProducerConfig
    let partitioner: any Partitioner
    let metrics: ProducerMetrics
    /// Called (outside the lock) when the sender has something new to look at.
    private let wake: @Sendable () -> Void
    private let now: @Sendable () -> UInt64
    private let lingerNanos: UInt64
    private let recordBytesLimit: Int

    init(config: ProducerConfig, partitioner: any Partitioner, metrics: ProducerMetrics,
         now: @escaping @Sendable () -> UInt64, wake: @escaping @Sendable () -> Void) {
        self.config = config
        self.partitioner = partitioner
        self.metrics = metrics
        self.pool = BufferPool(totalBytes: config.bufferMemoryBytes, maxBlockMs: config.maxBlockMs,
                               sparesMax: config.bufferMemoryBytes / max(config.batchSizeBytes, 1))
        self.now = now
        self.wake = wake
        self.lingerNanos = UInt64(config.lingerMs) * 1_000_000
        self.recordBytesLimit = min(config.maxRequestSizeBytes, config.bufferMemoryBytes)
    }

    var isIdempotent: Bool { config.enableIdempotence }

    /// Sets the idempotent producer's identity; must happen before the first append.
    func setProducerId(_ id: Int64, epoch: Int16) {
        lock.withLock { sequencer.setProducerId(id, epoch: epoch) }
    }

    /// Bytes of `buffer.memory` free now.
    var bufferAvailableBytes: Int { lock.withLock { pool.availableBytes } }

    // MARK: Topics

    private func topicStateLocked(_ topic: String) -> TopicState {
        if let last = lastTopic, last.topic == topic { return last }
        let state: TopicState
        if let known = topics[topic] { state = known } else {
            state = TopicState(topic: topic)
            topics[topic] = state
        }
        lastTopic = state
        return state
    }

    /// Records a topic's partition count (from metadata); a lease on a partition that is gone ends.
    func setPartitionCount(_ count: Int, topic: String) {
        lock.withLock { setPartitionCountLocked(count, state: topicStateLocked(topic)) }
    }

    private func setPartitionCountLocked(_ count: Int, state: TopicState) {
        guard count != state.partitionCount, count > 0 else { return }
        state.partitionCount = count
        // A new count changes the sticky choice; the partitioner hears of the unreported bytes when the next
        // record asks for a lease.
        if let lease = state.lease, lease.partitionCount != count || Int(lease.partition) >= count {
            state.lease = PartitionLease(partition: lease.partition, stickyBytes: 0, partitionCount: lease.partitionCount)
        }
    }

    /// The cached partition count of `topic`, if known.
    func partitionCount(topic: String) -> Int? {
        lock.withLock {
            let count = topicStateLocked(topic).partitionCount
            return count > 0 ? count : nil
        }
    }

    // MARK: Appending

    /// Appends a record without suspending, choosing its partition: the common case (a known topic, a record
    /// without key on a leased partition, memory to spare) takes the lock once and calls nothing else.
    /// Throws `invalidArgument` for a partition out of range and `recordTooLarge`.
    func append(_ record: ProducerRecord, completion: RecordCompletion) throws -> AppendResult {
        let estimatedBytes = record.estimatedSizeBytes
        if estimatedBytes + RecordBatchHeader.size > recordBytesLimit {
            throw KafkaClientError.recordTooLarge(bytes: estimatedBytes, limitBytes: recordBytesLimit)
        }
        let timestamp = record.timestampMs ?? Self.wallClockMs()
        var effects = Effects()
        // First attempt: everything under one lock when no partitioner call is needed.
        enum First { case done(AppendResult), choose(count: Int, report: Report?), invalidPartition(Int) }
        let first: First = lock.withLock {
            if closing { return .done(.closed) }
            let state = topicStateLocked(record.topic)
            let count = state.partitionCount
            guard count > 0 else { return .done(.unknownTopic) }
            let partition: Int32
            if let chosen = record.partition {
                guard chosen >= 0, Int(chosen) < count else { return .invalidPartition(count) }
                partition = chosen
            } else if record.key == nil, let lease = state.lease, lease.stickyBytes > 0 {
                partition = lease.partition
            } else if record.key == nil, state.lease != nil {
                // The lease ran out: the partitioner must hear what went there before choosing again.
                let report = state.unreportedBytes > 0
                    ? Report(topic: state.topic, partition: state.lease!.partition, bytes: state.unreportedBytes) : nil
                state.lease = nil
                state.unreportedBytes = 0
                return .choose(count: count, report: report)
            } else {
                return .choose(count: count, report: nil)
            }
            guard pool.allocateIfNoneWaiting(estimatedBytes) else { return .done(.bufferFull) }
            appendLocked(record, state: state, partition: partition, timestamp: timestamp, estimatedBytes: estimatedBytes,
                         completion: completion, enqueued: nil, effects: &effects)
            return .done(.appended)
        }
        switch first {
        case .done(let result):
            perform(effects)
            return result
        case .invalidPartition(let count):
            throw KafkaClientError.invalidArgument("partition \(record.partition!) of topic \(record.topic), which has \(count)")
        case .choose(let count, let report):
            if let report { partitioner.recordAppended(topic: report.topic, partition: report.partition, bytes: report.bytes) }
            // Keyed records, and records without a key when the lease is new, ask the partitioner (outside the
            // lock: it may read the loads, which takes it).
            var lease: PartitionLease?
            let partition: Int32
            if record.key == nil, let granted = partitioner.nullKeyLease(topic: record.topic, partitionCount: count, loads: self) {
                lease = granted
                partition = granted.partition
            } else {
                partition = partitioner.partition(topic: record.topic, key: record.key, partitionCount: count, loads: self)
            }
            let result: AppendResult = lock.withLock {
                if closing { return .closed }
                let state = topicStateLocked(record.topic)
                if let lease, state.lease == nil, lease.partitionCount == state.partitionCount {
                    state.lease = lease
                    state.unreportedBytes = 0
                }
                guard pool.allocateIfNoneWaiting(estimatedBytes) else { return .bufferFull }
                appendLocked(record, state: state, partition: partition, timestamp: timestamp, estimatedBytes: estimatedBytes,
                             completion: completion, enqueued: nil, effects: &effects)
                return .appended
            }
            perform(effects)
            return result
        }
    }

    /// Resolves a record's partition the slow way (for a record that must wait for memory).
    func prepare(_ record: ProducerRecord, partitionCount count: Int) throws -> Prepared {
        let partition: Int32
        if let chosen = record.partition {
            guard chosen >= 0, Int(chosen) < count else {
                throw KafkaClientError.invalidArgument("partition \(chosen) of topic \(record.topic), which has \(count)")
            }
            partition = chosen
        } else {
            partition = partitioner.partition(topic: record.topic, key: record.key, partitionCount: count, loads: self)
        }
        let bytes = record.estimatedSizeBytes
        if bytes + RecordBatchHeader.size > recordBytesLimit {
            throw KafkaClientError.recordTooLarge(bytes: bytes, limitBytes: recordBytesLimit)
        }
        return Prepared(record: record, topicPartition: TopicPartition(topic: record.topic, partition: partition),
                        timestamp: record.timestampMs ?? Self.wallClockMs(), estimatedBytes: bytes)
    }

    /// Appends, or queues the record until memory frees up; `enqueued` (if any) resumes once the record is in a
    /// batch, and fails with `bufferExhausted` after `max.block.ms` (then `completion` is not called). Without
    /// `enqueued`, the timeout fails `completion` instead. `scheduleExpirySweep` is called with a monotonic time
    /// when no sweep is scheduled yet: the caller then runs `expireOverduePending()` at that time.
    func appendOrWait(_ prepared: Prepared, completion: RecordCompletion, enqueued: CheckedContinuation<Void, Error>?,
                      scheduleExpirySweep: (UInt64) -> Void) {
        var effects = Effects()
        let outcome: (sweepAt: UInt64?, closed: Bool) = lock.withLock {
            if closing { return (nil, true) }
            if pool.allocateIfNoneWaiting(prepared.estimatedBytes) {
                appendLocked(PendingAppend(prepared: prepared, completion: completion, enqueued: enqueued),
                             effects: &effects)
                return (nil, false)
            }
            let sweepAt = pool.wait(PendingAppend(prepared: prepared, completion: completion, enqueued: enqueued),
                                    bytes: prepared.estimatedBytes, nowNanos: now())
            // A waiting record makes every batch ready, to free memory sooner. A sender that runs, or waits for an
            // answer, sees that on its next pass: only one asleep until a linger deadline needs waking.
            if senderLooksAtNanos != 0 {
                effects.wakeSender = true
                senderLooksAtNanos = 0
            }
            return (sweepAt, false)
        }
        if outcome.closed {
            if let enqueued { enqueued.resume(throwing: KafkaClientError.closed) } else {
                completion.complete(.failure(.closed))
            }
            return
        }
        perform(effects)
        if let sweepAt = outcome.sweepAt { scheduleExpirySweep(sweepAt) }
    }

    /// Fails the waiting records whose `max.block.ms` has run out; returns when to sweep again (the next waiting
    /// record's deadline), or nil when nothing waits (the next wait schedules a new sweep).
    func expireOverduePending() -> UInt64? {
        let (expired, next) = lock.withLock { pool.expireOverdue(nowNanos: now()) }
        guard !expired.isEmpty else { return next }
        let error = KafkaClientError.bufferExhausted(maxBlockMs: config.maxBlockMs)
        metrics.recordErrors(expired.count)
        for entry in expired {
            if let enqueued = entry.enqueued { enqueued.resume(throwing: error) } else {
                entry.completion.complete(.failure(error))
            }
        }
        return next
    }

    /// Appends a record whose bytes the pool has given already.
    private func appendLocked(_ entry: PendingAppend, effects: inout Effects) {
        let prepared = entry.prepared
        let state = topicStateLocked(prepared.topicPartition.topic)
        appendLocked(prepared.record, state: state, partition: prepared.topicPartition.partition,
                     timestamp: prepared.timestamp, estimatedBytes: prepared.estimatedBytes, completion: entry.completion,
                     enqueued: entry.enqueued, effects: &effects)
    }

    private func queueLocked(_ state: TopicState, partition: Int32) -> PartitionQueue {
        let index = Int(partition)
        if index < state.queues.count, let queue = state.queues[index] { return queue }
        if index >= state.queues.count { state.queues.append(contentsOf: repeatElement(nil, count: index + 1 - state.queues.count)) }
        let queue = PartitionQueue(topicPartition: TopicPartition(topic: state.topic, partition: partition),
                                   index: allQueues.count)
        state.queues[index] = queue
        allQueues.append(queue)
        let sequencerIndex = sequencer.addPartition()
        precondition(sequencerIndex == queue.index, "the sequencer's partitions follow allQueues")
        return queue
    }

    /// Appends a record whose `estimatedBytes` the pool has given already.
    private func appendLocked(_ record: ProducerRecord, state: TopicState, partition: Int32, timestamp: Int64,
                              estimatedBytes: Int, completion: RecordCompletion,
                              enqueued: CheckedContinuation<Void, Error>?, effects: inout Effects) {
        let queue = queueLocked(state, partition: partition)
        let batchSizeBytes = config.batchSizeBytes
        var appended: (batch: ProducerBatch, bytes: Int)?
        if let last = queue.batches.last, !last.isClosed,
           let added = last.append(record, timestamp: timestamp, reserved: estimatedBytes, completion: completion,
                                   limitBytes: batchSizeBytes) {
            appended = (last, added)
        }
        if appended == nil {
            if let last = queue.batches.last, !last.isClosed {
                closeLocked(last, queue: queue)
                sealHereLocked(last, effects: &effects)
                readyLocked(at: 0, effects: &effects)
            }
            let created = now()
            let capacity = min(max(batchSizeBytes, estimatedBytes + RecordBatchHeader.size), 1 << 20)
            let batch = ProducerBatch(
                queue: queue, createdNanos: created, baseTimestamp: timestamp,
                producerId: isIdempotent ? sequencer.producerId : -1,
                producerEpoch: isIdempotent ? sequencer.producerEpoch : -1,
                baseSequence: isIdempotent ? sequencer.nextSequence(partition: queue.index) : -1, capacityBytes: capacity,
                reusing: capacity <= batchSizeBytes ? pool.takeSpare() : nil)
            queue.batches.append(batch)
            incompleteBatches += 1
            // Wake the sender only if it would not look by the time this batch has lingered anyway.
            readyLocked(at: created &+ lingerNanos, effects: &effects)
            // A new batch takes any record that fits a request (checked by the caller), however large.
            let added = batch.append(record, timestamp: timestamp, reserved: estimatedBytes, completion: completion,
                                     limitBytes: .max)!
            appended = (batch, added)
        }
        let (batch, added) = appended!
        queue.queuedBytes += estimatedBytes
        if batch.sizeBytes >= config.batchSizeBytes {
            closeLocked(batch, queue: queue)
            sealHereLocked(batch, effects: &effects)
            readyLocked(at: 0, effects: &effects)
        }
        if let lease = state.lease, lease.partition == partition {
            state.lease!.stickyBytes -= added
            state.unreportedBytes += added
        } else {
            effects.reports.append(Report(topic: state.topic, partition: partition, bytes: added))
        }
        if let enqueued { effects.resumes.append(enqueued) }
    }

    /// A batch filled by an append is compressed by the appending thread (after the lock is released) when the sender
    /// is behind, that is when more than half of `buffer.memory` is taken: then compression would hold up the
    /// sender's thread (with lz4 at 1 KiB it was most of its work) while the application's thread mostly waits for
    /// memory. While the buffer is mostly free the application's thread is the one that limits the rate (small
    /// records), and the sender compresses. Uncompressed batches need no work.
    private func sealHereLocked(_ batch: ProducerBatch, effects: inout Effects) {
        // Only batches an append just closed come here: never sealed, never being sealed.
        guard config.compression != .none, pool.availableBytes < config.bufferMemoryBytes / 2 else { return }
        batch.isSealing = true
        effects.toSeal.append(batch)
    }

    /// Compresses the batches an append filled, then hands them to the sender (or fails them, if the producer gave
    /// up on everything meanwhile).
    private func seal(_ batches: [ProducerBatch]) {
        for batch in batches { batch.seal(compression: config.compression) }
        var effects = Effects()
        let aborted: (error: KafkaClientError, batches: [ProducerBatch])? = lock.withLock {
            for batch in batches { batch.isSealing = false }
            if let abortedWith {
                for batch in batches {
                    batch.queue.batches.removeAll { $0 === batch }
                    batch.queue.queuedBytes -= batch.reservedBytes
                }
                return (abortedWith, batches)
            }
            for batch in batches {
                if let renumber = batch.pendingProducer {
                    batch.pendingProducer = nil
                    batch.setProducer(id: renumber.id, epoch: renumber.epoch, baseSequence: renumber.baseSequence)
                }
            }
            readyLocked(at: 0, effects: &effects)
            return nil
        }
        if let aborted {
            for batch in aborted.batches {
                batch.fail(aborted.error)
                batchDone(batch, wasInFlight: false)
            }
            return
        }
        perform(effects)
    }

    /// Something becomes ready at `readyNanos`: wake the sender if it would look only later.
    private func readyLocked(at readyNanos: UInt64, effects: inout Effects) {
        if readyNanos < senderLooksAtNanos {
            senderLooksAtNanos = 0
            effects.wakeSender = true
        }
    }

    /// No more appends to `batch`; the next batch's sequence starts after its records.
    private func closeLocked(_ batch: ProducerBatch, queue: PartitionQueue) {
        guard !batch.isClosed else { return }
        batch.isClosed = true
        if isIdempotent { sequencer.batchClosed(partition: queue.index, recordCount: batch.recordCount) }
    }

    /// Nanoseconds from `start` to `end`, 0 when `end` is earlier (a batch made after `end` was read).
    static func elapsed(from start: UInt64, to end: UInt64) -> UInt64 {
        end > start ? end - start : 0
    }

    /// Milliseconds since the epoch, for record timestamps.
    static func wallClockMs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// Moves waiting records into batches while the pool lets them in (see `BufferPool.admitNext`).
    private func admitPendingLocked(effects: inout Effects) {
        while let entry = pool.admitNext() {
            appendLocked(entry, effects: &effects)
        }
    }

    private func perform(_ effects: Effects) {
        if !effects.toSeal.isEmpty { seal(effects.toSeal) }
        for report in effects.reports {
            partitioner.recordAppended(topic: report.topic, partition: report.partition, bytes: report.bytes)
        }
        for enqueued in effects.resumes { enqueued.resume() }
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
        /// Nothing is in flight and a new producer id is needed: fetch it, then call `setNewProducerId`.
        var fetchProducerId = false
    }

    /// Takes the batches that are ready (full, lingered, flushing, closing, or memory is short) and whose leader
    /// can take another request; refreshes the cached partition counts from `partitionCountOf`.
    func drain(leaderOf: (TopicPartition) -> Int32?, partitionCountOf: (String) -> Int? = { _ in nil },
               inFlightPerBroker: [Int32: Int]) -> Drained {
        let nowNanos = now()
        let deliveryNanos = UInt64(config.deliveryTimeoutMs) * 1_000_000
        let maxInFlight = config.maxInFlightRequestsPerConnection
        var drained = Drained()
        var requestBytes: [Int32: Int] = [:]
        lock.withLock {
            for state in topics.values {
                if let count = partitionCountOf(state.topic) { setPartitionCountLocked(count, state: state) }
            }
            let urgent = flushing > 0 || closing || pool.hasWaiters
            var waitsForResponse = false
            let count = allQueues.count
            if count > 0 { drainStart = (drainStart + 1) % count }
            for step in 0..<count {
                let queue = allQueues[(drainStart + step) % count]
                let tp = queue.topicPartition
                // Expire what waited too long without ever being sent.
                while let first = queue.batches.first, !first.isSealing,
                      Self.elapsed(from: first.createdNanos, to: nowNanos) >= deliveryNanos {
                    queue.batches.removeFirst()
                    closeLocked(first, queue: queue)
                    queue.queuedBytes -= first.reservedBytes
                    drained.expired.append(first)
                }
                // A batch being compressed by the thread that filled it: that thread wakes the sender when done.
                guard let first = queue.batches.first, !first.isSealing else { continue }
                let ready = first.isClosed || urgent || Self.elapsed(from: first.createdNanos, to: nowNanos) >= lingerNanos
                if !ready {
                    drained.nextCheckNanos = min(drained.nextCheckNanos ?? .max, first.createdNanos &+ lingerNanos)
                    continue
                }
                if first.retryNotBeforeNanos > nowNanos {
                    drained.nextCheckNanos = min(drained.nextCheckNanos ?? .max, first.retryNotBeforeNanos)
                    continue
                }
                // While a new producer id is pending, nothing new goes out under the old one.
                if sequencer.needsNewProducerId { continue }
                let partitionLimit = isIdempotent
                    ? sequencer.inFlightLimit(partition: queue.index, maxInFlight: maxInFlight) : maxInFlight
                guard queue.inFlight < partitionLimit else {
                    waitsForResponse = true
                    continue
                }
                guard let leader = leaderOf(tp) else {
                    drained.topicsNeedingMetadata.insert(tp.topic)
                    continue
                }
                let startsRequest = drained.byLeader[leader] == nil
                if startsRequest && (inFlightPerBroker[leader] ?? 0) >= maxInFlight {
                    waitsForResponse = true
                    continue
                }
                let size = first.sizeBytes
                if !startsRequest && requestBytes[leader, default: 0] + size > config.maxRequestSizeBytes { continue }
                queue.batches.removeFirst()
                closeLocked(first, queue: queue)
                queue.queuedBytes -= first.reservedBytes
                queue.inFlight += 1
                if isIdempotent { sequencer.batchSent(partition: queue.index, baseSequence: first.baseSequence) }
                requestBytes[leader, default: 0] += size
                drained.byLeader[leader, default: []].append(first)
            }
            if sequencer.needsNewProducerId {
                if allQueues.allSatisfy({ $0.inFlight == 0 }) { drained.fetchProducerId = true } else { waitsForResponse = true }
            }
            // The sender drains again at once after sending, and a response it waits for wakes it; otherwise it
            // sleeps until the next linger deadline, and appends wake it only for what is ready sooner.
            let sleeps = drained.byLeader.isEmpty && drained.expired.isEmpty && drained.topicsNeedingMetadata.isEmpty
                && !waitsForResponse
            senderLooksAtNanos = sleeps ? (drained.nextCheckNanos ?? .max) : 0
        }
        return drained
    }

    // MARK: Outcomes

    /// A sent batch is done (acknowledged or failed for good), or an expired one is discarded: its memory returns
    /// and waiting records move in.
    func batchDone(_ batch: ProducerBatch, wasInFlight: Bool) {
        var effects = Effects()
        let available: Int = lock.withLock {
            let queue = batch.queue
            if wasInFlight {
                queue.inFlight -= 1
                if isIdempotent {
                    sequencer.batchFinished(partition: queue.index, baseSequence: batch.baseSequence,
                                            hasQueuedRetries: { queue.batches.contains { $0.attempts > 0 } })
                }
            }
            pool.release(batch.reservedBytes)
            incompleteBatches -= 1
            if pool.wantsSpare, let spare = batch.takeBufferForReuse(),
               spare.capacity >= config.batchSizeBytes, spare.capacity <= 2 * config.batchSizeBytes {
                pool.recycle(spare)
            }
            admitPendingLocked(effects: &effects)
            if incompleteBatches == 0 && !pool.hasWaiters {
                effects.flushWaiters = flushWaiters
                flushWaiters = []
            }
            // A request slot came free: the sender looks again.
            senderLooksAtNanos = 0
            effects.wakeSender = true
            return pool.availableBytes
        }
        metrics.setBufferAvailable(available)
        perform(effects)
    }

    /// A sent batch failed in a way worth retrying: it goes back to its queue, in sequence order.
    func requeue(_ batch: ProducerBatch, notBeforeNanos: UInt64) {
        lock.withLock {
            let queue = batch.queue
            queue.inFlight -= 1
            if isIdempotent {
                sequencer.batchRequeued(partition: queue.index, baseSequence: batch.baseSequence, retrying: true)
            }
            batch.retryNotBeforeNanos = notBeforeNanos
            let index = isIdempotent
                ? (queue.batches.firstIndex { $0.baseSequence > batch.baseSequence } ?? queue.batches.count)
                : 0
            queue.batches.insert(batch, at: index)
            queue.queuedBytes += batch.reservedBytes
            senderLooksAtNanos = 0
        }
        wake()
    }

    /// An idempotent producer's sequences have a gap it cannot close: ask for a new producer id (see
    /// `IdempotentSequencer.needsNewProducerId`). Does nothing for other producers.
    func requireNewProducerId() {
        guard isIdempotent else { return }
        lock.withLock {
            sequencer.requireNewProducerId()
            senderLooksAtNanos = 0
        }
        wake()
    }

    /// True while a new producer id is pending.
    var isWaitingForNewProducerId: Bool { lock.withLock { sequencer.needsNewProducerId } }

    /// Takes the new producer id and renumbers every queued batch of every partition from sequence 0.
    func setNewProducerId(_ id: Int64, epoch: Int16) {
        lock.withLock {
            sequencer.adoptNewProducerId(id, epoch: epoch)
            for queue in allQueues {
                let bases = sequencer.renumber(partition: queue.index,
                                               queued: queue.batches.lazy.map { ($0.recordCount, $0.isClosed) })
                for (batch, sequence) in zip(queue.batches, bases) {
                    if batch.isSealing {
                        batch.pendingProducer = (id, epoch, sequence)
                    } else {
                        batch.setProducer(id: id, epoch: epoch, baseSequence: sequence)
                    }
                }
            }
            senderLooksAtNanos = 0
        }
        wake()
    }

    /// A sent batch the broker refused as too large goes back to the front of its queue as `parts` (in order).
    func requeue(_ batch: ProducerBatch, splitInto parts: [ProducerBatch], notBeforeNanos: UInt64) {
        lock.withLock {
            let queue = batch.queue
            queue.inFlight -= 1
            if isIdempotent {
                sequencer.batchRequeued(partition: queue.index, baseSequence: batch.baseSequence, retrying: false)
            }
            for part in parts { part.retryNotBeforeNanos = notBeforeNanos }
            let index = isIdempotent
                ? (queue.batches.firstIndex { $0.baseSequence > batch.baseSequence } ?? queue.batches.count)
                : 0
            queue.batches.insert(contentsOf: parts, at: index)
            queue.queuedBytes += batch.reservedBytes
            incompleteBatches += parts.count - 1
            senderLooksAtNanos = 0
        }
        wake()
    }

    /// True when a batch of the same partition with a lower sequence is still queued or in flight (so an
    /// OUT_OF_ORDER_SEQUENCE_NUMBER for `batch` is the echo of that one's failure, worth a retry).
    func hasEarlierUnacknowledged(than batch: ProducerBatch) -> Bool {
        lock.withLock {
            let queue = batch.queue
            return (isIdempotent && sequencer.hasEarlierInFlight(partition: queue.index, than: batch.baseSequence))
                || queue.batches.contains { $0 !== batch && $0.baseSequence < batch.baseSequence }
        }
    }

    // MARK: Flush and close

    /// Returns once every batch made so far is done; makes all batches ready meanwhile.
    func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done: Bool = lock.withLock {
                if incompleteBatches == 0 && !pool.hasWaiters { return true }
                flushing += 1
                flushWaiters.append(continuation)
                senderLooksAtNanos = 0
                return false
            }
            if done { continuation.resume() } else { wake() }
        }
        lock.withLock { flushing = max(0, flushing - 1) }
    }

    /// Refuses new records from now on; existing ones are still sent.
    func beginClose() {
        lock.withLock {
            closing = true
            senderLooksAtNanos = 0
        }
        wake()
    }

    /// Fails every record not yet sent (a close that gives up).
    func abortAll(_ error: KafkaClientError) {
        var batches: [ProducerBatch] = []
        var waiting: [PendingAppend] = []
        lock.withLock {
            abortedWith = error
            for queue in allQueues {
                // A batch being compressed stays until it is sealed; `seal` then fails it.
                let sealing = queue.batches.filter(\.isSealing)
                batches.append(contentsOf: queue.batches.filter { !$0.isSealing })
                queue.batches = sealing
                queue.queuedBytes = sealing.reduce(0) { $0 + $1.reservedBytes }
            }
            waiting = pool.removeAllWaiters()
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
    var isEmpty: Bool { lock.withLock { incompleteBatches == 0 && !pool.hasWaiters } }

    // MARK: Load

    func loads(topic: String, partitionCount: Int) -> [PartitionLoad] {
        lock.withLock {
            let queues = topics[topic]?.queues ?? []
            return (0..<partitionCount).map { index in
                guard index < queues.count, let queue = queues[index] else { return PartitionLoad(partition: Int32(index)) }
                return PartitionLoad(partition: Int32(index), queuedBytes: queue.queuedBytes,
                                     queuedBatches: queue.batches.count, inFlightBatches: queue.inFlight)
            }
        }
    }
}
