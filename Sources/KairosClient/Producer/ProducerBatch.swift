import KafkaProtocol
import NIOCore

/// What to do when a record's fate is known.
enum RecordCompletion: @unchecked Sendable {
    // @unchecked: the callback closure is @Sendable; the continuation is Sendable; the enum only moves them.
    case none
    case continuation(CheckedContinuation<RecordMetadata, Error>)
    case callback(@Sendable (DeliveryReport) -> Void)

    func complete(_ report: DeliveryReport) {
        switch self {
        case .none: break
        case .continuation(let continuation): continuation.resume(with: report.mapError { $0 as Error })
        case .callback(let callback): callback(report)
        }
    }
}

/// One partition's batch, from its first record to its acknowledgement. Guarded by the accumulator's lock while
/// open; owned by the sender once drained.
final class ProducerBatch: @unchecked Sendable {
    let topicPartition: TopicPartition
    /// Monotonic time the batch was created, for linger and delivery timeouts.
    let createdNanos: UInt64
    private(set) var builder: RecordBatchBuilder?
    /// Each record's create timestamp, for its metadata.
    private(set) var timestamps: [Int64] = []
    private(set) var completions: [RecordCompletion] = []
    /// Record count (stays after the builder is finished).
    private(set) var recordCount = 0
    /// `buffer.memory` bytes this batch holds.
    private(set) var reservedBytes = 0
    /// Bytes before compression.
    private(set) var uncompressedBytes = 0
    /// No more appends.
    var isClosed = false
    /// The wire bytes, once finished.
    var encoded: ByteBuffer?
    /// Times it was sent.
    var attempts = 0
    /// The error of the last failed attempt, reported if the batch then expires.
    var lastError: KafkaClientError?
    /// Monotonic time before which a retry must not go out.
    var retryNotBeforeNanos: UInt64 = 0
    /// The sequence number of its first record (idempotent producers), -1 otherwise.
    let baseSequence: Int32

    init(topicPartition: TopicPartition, createdNanos: UInt64, baseTimestamp: Int64, producerId: Int64,
         producerEpoch: Int16, baseSequence: Int32, capacityBytes: Int) {
        self.topicPartition = topicPartition
        self.createdNanos = createdNanos
        self.baseSequence = baseSequence
        self.builder = RecordBatchBuilder(
            baseTimestamp: baseTimestamp, producerId: producerId, producerEpoch: producerEpoch,
            baseSequence: baseSequence, initialCapacityBytes: capacityBytes)
        timestamps.reserveCapacity(64)
        completions.reserveCapacity(64)
    }

    /// Bytes so far, header included.
    var sizeBytes: Int { builder?.estimatedSizeBytes ?? uncompressedBytes }

    /// Appends a record; the caller has checked that it fits.
    func append(_ record: ProducerRecord, timestamp: Int64, reserved: Int, completion: RecordCompletion) -> Int {
        let added = builder!.append(timestamp: timestamp, key: record.key, value: record.value, headers: record.headers)
        timestamps.append(timestamp)
        completions.append(completion)
        recordCount += 1
        reservedBytes += reserved
        return added
    }

    /// The record's size in this batch.
    func sizeOfRecord(_ record: ProducerRecord, timestamp: Int64) -> Int {
        builder!.sizeOfRecord(timestamp: timestamp, keyBytes: record.key?.readableBytes,
                              valueBytes: record.value?.readableBytes, headers: record.headers)
    }

    /// Compresses and seals the batch for the wire (once; retries reuse the bytes).
    func finish(compression: CompressionCodec) throws -> ByteBuffer {
        if let encoded { return encoded }
        guard let builder = builder.take() else { preconditionFailure("batch finished twice") }
        uncompressedBytes = builder.estimatedSizeBytes
        let bytes = try builder.finish(compression: compression)
        encoded = bytes
        return bytes
    }

    /// Tells every record's waiter the outcome.
    func complete(baseOffset: Int64, logAppendTimeMs: Int64) {
        let topic = topicPartition.topic, partition = topicPartition.partition
        for index in 0..<completions.count {
            let offset = baseOffset < 0 ? -1 : baseOffset + Int64(index)
            let timestamp = logAppendTimeMs >= 0 ? logAppendTimeMs : timestamps[index]
            completions[index].complete(.success(
                RecordMetadata(topic: topic, partition: partition, offset: offset, timestampMs: timestamp)))
        }
        completions = []
    }

    /// Tells every record's waiter it failed.
    func fail(_ error: KafkaClientError) {
        for completion in completions { completion.complete(.failure(error)) }
        completions = []
    }
}
