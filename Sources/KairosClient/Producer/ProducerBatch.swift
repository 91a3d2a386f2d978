import KafkaProtocol
import NIOCore

/// What to do when a record's fate is known: nothing (fire and forget), or a report function. A plain optional
/// closure, so the per-record "does it want a report?" test is a pointer comparison.
struct RecordCompletion: Sendable {
    let report: (@Sendable (DeliveryReport) -> Void)?

    /// Nobody listens.
    static let none = RecordCompletion(report: nil)

    /// Resumes `continuation` with the outcome.
    static func continuation(_ continuation: CheckedContinuation<RecordMetadata, Error>) -> RecordCompletion {
        RecordCompletion { report in continuation.resume(with: report.mapError { $0 as Error }) }
    }

    var isNone: Bool { report == nil }

    func complete(_ report: DeliveryReport) { self.report?(report) }
}

/// One partition's batch, from its first record to its acknowledgement. Guarded by the accumulator's lock while
/// open; owned by the sender once drained.
final class ProducerBatch: @unchecked Sendable {
    /// A record that wants to hear its fate: its index in the batch and create timestamp, for its metadata.
    private struct Waiter {
        var index: Int
        var timestamp: Int64
        var completion: RecordCompletion
    }

    /// The partition queue the batch belongs to.
    let queue: RecordAccumulator.PartitionQueue
    var topicPartition: TopicPartition { queue.topicPartition }
    /// Monotonic time the batch was created, for linger and delivery timeouts.
    let createdNanos: UInt64
    /// Not optional, and read in place: reading an optional struct out of a class copies it (two retains) per
    /// record. After `finish` it holds an empty placeholder.
    private var builder: RecordBatchBuilder
    private var isFinished = false
    /// Bytes so far, header included (kept here so the per-record size check does not touch the builder).
    private(set) var sizeBytes: Int
    /// Only records with a completion are kept: fire-and-forget records cost nothing here.
    private var waiters: [Waiter] = []
    /// Record count (stays after the builder is finished).
    private(set) var recordCount = 0
    /// `buffer.memory` bytes this batch holds.
    private(set) var reservedBytes = 0
    /// Bytes before compression.
    private(set) var uncompressedBytes = 0
    /// No more appends.
    var isClosed = false
    /// Being compressed by the thread whose append filled it (guarded by the accumulator's lock): the sender leaves it
    /// alone until it is sealed.
    var isSealing = false
    /// A new producer identity that arrived while the batch was being sealed, applied once it is.
    var pendingProducer: (id: Int64, epoch: Int16, baseSequence: Int32)?
    /// Why sealing off the sender's thread failed; `finish` reports it.
    private var sealFailure: Error?
    /// The wire bytes, once finished.
    var encoded: ByteBuffer?
    /// With compression: the uncompressed records' buffer, kept for reuse once the batch is done.
    private var spareBuffer: ByteBuffer?
    /// Times it was sent.
    var attempts = 0
    /// The error of the last failed attempt, reported if the batch then expires.
    var lastError: KafkaClientError?
    /// Monotonic time before which a retry must not go out.
    var retryNotBeforeNanos: UInt64 = 0
    /// The sequence number of its first record (idempotent producers), -1 otherwise.
    private(set) var baseSequence: Int32

    init(queue: RecordAccumulator.PartitionQueue, createdNanos: UInt64, baseTimestamp: Int64, producerId: Int64,
         producerEpoch: Int16, baseSequence: Int32, capacityBytes: Int, reusing spare: ByteBuffer? = nil) {
        self.queue = queue
        self.createdNanos = createdNanos
        self.baseSequence = baseSequence
        self.builder = RecordBatchBuilder(
            baseTimestamp: baseTimestamp, producerId: producerId, producerEpoch: producerEpoch,
            baseSequence: baseSequence, initialCapacityBytes: capacityBytes, reusing: spare)
        self.sizeBytes = RecordBatchHeader.size
    }

    /// Appends a record if the batch stays within `limitBytes`; returns the bytes it added, or nil when it would not
    /// fit (nothing appended).
    func append(_ record: ProducerRecord, timestamp: Int64, reserved: Int, completion: RecordCompletion,
                limitBytes: Int) -> Int? {
        guard let added = builder.append(timestamp: timestamp, key: record.key, value: record.value,
                                         headers: record.headers, limitBytes: limitBytes) else { return nil }
        if !completion.isNone {
            waiters.append(Waiter(index: recordCount, timestamp: timestamp, completion: completion))
        }
        recordCount += 1
        reservedBytes += reserved
        sizeBytes += added
        return added
    }

    /// `finish` on the appending thread (outside the accumulator's lock, while `isSealing` keeps the sender away);
    /// a failure is kept for the sender's `finish` to report.
    func seal(compression: CompressionCodec) {
        do { _ = try finish(compression: compression) } catch { sealFailure = error }
    }

    /// Compresses and seals the batch for the wire (once; retries reuse the bytes).
    func finish(compression: CompressionCodec) throws -> ByteBuffer {
        if let encoded { return encoded }
        if let sealFailure { throw sealFailure }
        precondition(!isFinished, "batch finished twice")
        isFinished = true
        // Swapped out, so the builder's buffer stays uniquely referenced and sealing it copies nothing.
        var builder = RecordBatchBuilder(baseTimestamp: 0, initialCapacityBytes: 0)
        swap(&builder, &self.builder)
        uncompressedBytes = builder.estimatedSizeBytes
        let records = compression == .none ? nil : builder.recordsBuffer
        // A compressed batch is a new buffer per batch: from recycled blocks.
        let bytes = try builder.finish(compression: compression, allocator: .blockCache)
        encoded = bytes
        // Compressed, the records' buffer is free now; uncompressed, it is the batch itself until it is done.
        spareBuffer = records
        return bytes
    }

    /// A buffer this finished batch no longer needs, for the next batch to write into (call once it is done).
    func takeBufferForReuse() -> ByteBuffer? {
        defer {
            spareBuffer = nil
            encoded = nil
        }
        return spareBuffer ?? encoded
    }

    /// Renumbers the batch for a new producer identity (idempotent producers), in its bytes too if it was sealed.
    func setProducer(id: Int64, epoch: Int16, baseSequence: Int32) {
        self.baseSequence = baseSequence
        if var bytes = encoded {
            encoded = nil
            RecordBatchRewriter.setProducer(id: id, epoch: epoch, baseSequence: baseSequence, of: &bytes)
            encoded = bytes
        } else {
            builder.producerId = id
            builder.producerEpoch = epoch
            builder.baseSequence = baseSequence
        }
    }

    /// The batch's records in smaller batches of at most `maxBytes` each (one record at least), for a broker that
    /// refused it as too large. Each record keeps its waiter, timestamp and `buffer.memory` share; the new batches
    /// keep this one's creation time, so `delivery.timeout.ms` still counts from the first append.
    func split(maxBytes: Int, compression: CompressionCodec) throws -> [ProducerBatch] {
        var bytes = try finish(compression: compression)
        let decoded = try RecordBatch.decode(from: &bytes, maxDecompressedBytes: Int(Int32.max))
        var waitersByIndex: [Int: Waiter] = [:]
        for waiter in waiters { waitersByIndex[waiter.index] = waiter }
        var parts: [ProducerBatch] = []
        var reservedLeft = reservedBytes
        for (index, record) in decoded.records.enumerated() {
            let timestamp = decoded.timestamp(of: record)
            let part = ProducerRecord(topic: topicPartition.topic, partition: topicPartition.partition,
                                      key: record.key, value: record.value, headers: record.headers)
            let share = min(reservedLeft, part.estimatedSizeBytes)
            let completion = waitersByIndex[index]?.completion ?? .none
            if let last = parts.last, last.append(part, timestamp: timestamp, reserved: share, completion: completion,
                                                  limitBytes: maxBytes) != nil {
                reservedLeft -= share
                continue
            }
            let batch = ProducerBatch(queue: queue, createdNanos: createdNanos, baseTimestamp: timestamp,
                                      producerId: decoded.producerId, producerEpoch: decoded.producerEpoch,
                                      baseSequence: baseSequence, capacityBytes: maxBytes)
            batch.isClosed = true
            _ = batch.append(part, timestamp: timestamp, reserved: share, completion: completion, limitBytes: .max)
            reservedLeft -= share
            parts.append(batch)
        }
        // Whatever the estimates left over stays reserved by the last part, so the budget balances when all are done.
        parts.last?.reservedBytes += reservedLeft
        waiters = []
        return parts
    }

    /// Tells every record's waiter the outcome.
    func complete(baseOffset: Int64, logAppendTimeMs: Int64) {
        let topic = topicPartition.topic, partition = topicPartition.partition
        for waiter in waiters {
            let offset = baseOffset < 0 ? -1 : baseOffset + Int64(waiter.index)
            let timestamp = logAppendTimeMs >= 0 ? logAppendTimeMs : waiter.timestamp
            waiter.completion.complete(.success(
                RecordMetadata(topic: topic, partition: partition, offset: offset, timestampMs: timestamp)))
        }
        waiters = []
    }

    /// Tells every record's waiter it failed.
    func fail(_ error: KafkaClientError) {
        for waiter in waiters { waiter.completion.complete(.failure(error)) }
        waiters = []
    }
}
