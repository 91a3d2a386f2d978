import NIOCore

/// A fast v2 batch builder for the producer hot path: records are written straight into one buffer behind a
/// reserved header, then `finish` fills the header in (compressing the records section if asked).
public struct RecordBatchBuilder: Sendable {
    private var buffer: ByteBuffer
    private let allocator: ByteBufferAllocator
    /// The base of the records' timestamp deltas: the first record's timestamp, as producers use it.
    public let baseTimestamp: Int64
    /// The idempotent producer's id, -1 for none.
    public let producerId: Int64
    /// The producer's epoch, -1 for none.
    public let producerEpoch: Int16
    /// The first record's sequence number, -1 for none.
    public let baseSequence: Int32
    /// True for a transactional producer's batch.
    public let isTransactional: Bool
    /// The largest timestamp appended so far.
    public private(set) var maxTimestamp: Int64
    /// Records appended so far.
    public private(set) var recordCount = 0

    /// Starts an empty batch. `initialCapacityBytes` is best set near `batch.size` so appends never reallocate.
    public init(
        baseTimestamp: Int64, producerId: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1,
        isTransactional: Bool = false, initialCapacityBytes: Int = 16 * 1024,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) {
        precondition(!isTransactional || producerId >= 0, "a transactional batch needs a producer id")
        self.baseTimestamp = baseTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.isTransactional = isTransactional
        self.maxTimestamp = baseTimestamp
        self.allocator = allocator
        self.buffer = allocator.buffer(capacity: max(initialCapacityBytes, RecordBatchHeader.size))
        self.buffer.writeRepeatingByte(0, count: RecordBatchHeader.size)
    }

    /// Bytes the batch takes so far, uncompressed and header included.
    public var estimatedSizeBytes: Int { buffer.readableBytes }

    /// The bytes a record with these parts would add, for checking `batch.size` before appending.
    public func sizeOfRecord(timestamp: Int64, keyBytes: Int?, valueBytes: Int?, headers: [RecordHeader] = []) -> Int {
        let body = RecordWire.bodyBytes(
            timestampDelta: timestamp &- baseTimestamp, offsetDelta: Int32(truncatingIfNeeded: recordCount),
            keyBytes: keyBytes, valueBytes: valueBytes, headers: headers)
        return VarIntSize.signed(Int64(body)) + body
    }

    /// Appends a record; returns the bytes it added.
    @discardableResult
    public mutating func append(
        timestamp: Int64, key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = []
    ) -> Int {
        let before = beginRecord(timestamp: timestamp, keyBytes: key?.readableBytes, valueBytes: value?.readableBytes,
                                 headers: headers)
        RecordWire.writeNullable(key, to: &buffer)
        RecordWire.writeNullable(value, to: &buffer)
        RecordWire.writeHeaders(headers, to: &buffer)
        return buffer.writerIndex - before
    }

    /// Appends a record from raw bytes (copied); returns the bytes it added.
    @discardableResult
    public mutating func append(
        timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, headers: [RecordHeader] = []
    ) -> Int {
        let before = beginRecord(timestamp: timestamp, keyBytes: key?.count, valueBytes: value?.count, headers: headers)
        RecordWire.writeNullable(key, to: &buffer)
        RecordWire.writeNullable(value, to: &buffer)
        RecordWire.writeHeaders(headers, to: &buffer)
        return buffer.writerIndex - before
    }

    /// Writes a record's length, attributes and deltas; returns the writer index before them.
    private mutating func beginRecord(timestamp: Int64, keyBytes: Int?, valueBytes: Int?, headers: [RecordHeader]) -> Int {
        precondition(recordCount < Int(Int32.max), "too many records for one batch")
        let timestampDelta = timestamp &- baseTimestamp
        let offsetDelta = Int32(recordCount)
        let body = RecordWire.bodyBytes(
            timestampDelta: timestampDelta, offsetDelta: offsetDelta, keyBytes: keyBytes, valueBytes: valueBytes,
            headers: headers)
        let before = buffer.writerIndex
        buffer.reserveCapacity(minimumWritableBytes: VarIntSize.signed(Int64(body)) + body)
        buffer.writeVarInt(Int32(body))
        buffer.writeInt8(0)
        buffer.writeVarLong(timestampDelta)
        buffer.writeVarInt(offsetDelta)
        recordCount += 1
        if timestamp > maxTimestamp { maxTimestamp = timestamp }
        return before
    }

    /// The finished batch (base offset 0, partition leader epoch -1), its records section compressed with
    /// `compression`. Without compression the builder's buffer becomes the batch without a copy.
    /// - Precondition: at least one record was appended.
    public consuming func finish(
        compression: CompressionCodec, level: Int? = nil, allocator: ByteBufferAllocator? = nil
    ) throws -> ByteBuffer {
        precondition(recordCount > 0, "a record batch needs at least one record")
        let allocator = allocator ?? self.allocator
        var batch: ByteBuffer
        if compression == .none {
            batch = buffer
        } else {
            let section = buffer.getSlice(at: RecordBatchHeader.size, length: buffer.readableBytes - RecordBatchHeader.size)!
            let compressed = try compression.compress(section, level: level, allocator: allocator)
            batch = allocator.buffer(capacity: RecordBatchHeader.size + compressed.readableBytes)
            batch.writeRepeatingByte(0, count: RecordBatchHeader.size)
            batch.writeImmutableBuffer(compressed)
        }
        var attributes = Int16(compression.rawValue)
        if isTransactional { attributes |= RecordBatchHeader.transactionalMask }
        let header = RecordBatchHeader(
            baseOffset: 0, batchLength: 0, partitionLeaderEpoch: -1, crc: 0, attributes: attributes,
            lastOffsetDelta: Int32(recordCount - 1), baseTimestamp: baseTimestamp, maxTimestamp: maxTimestamp,
            producerId: producerId, producerEpoch: producerEpoch, baseSequence: baseSequence,
            recordCount: Int32(recordCount))
        let end = batch.writerIndex
        batch.moveWriterIndex(to: batch.readerIndex)
        header.write(to: &batch)
        batch.moveWriterIndex(to: end)
        RecordBatchEncoding.seal(batchAt: batch.readerIndex, of: &batch)
        return batch
    }
}
