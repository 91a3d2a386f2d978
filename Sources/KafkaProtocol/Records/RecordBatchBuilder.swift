import NIOCore

/// A fast v2 batch builder for the producer hot path: records are written straight into one buffer behind a
/// reserved header, then `finish` fills the header in (compressing the records section if asked).
public struct RecordBatchBuilder: Sendable {
    private var buffer: ByteBuffer
    private let allocator: ByteBufferAllocator
    /// The base of the records' timestamp deltas: the first record's timestamp, as producers use it.
    public let baseTimestamp: Int64
    /// The idempotent producer's id, -1 for none. Settable until `finish`: a producer that changes its identity
    /// renumbers the batches it has not sent yet.
    public var producerId: Int64
    /// The producer's epoch, -1 for none.
    public var producerEpoch: Int16
    /// The first record's sequence number, -1 for none.
    public var baseSequence: Int32
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
        allocator: ByteBufferAllocator = ByteBufferAllocator(), reusing spare: ByteBuffer? = nil
    ) {
        precondition(!isTransactional || producerId >= 0, "a transactional batch needs a producer id")
        self.baseTimestamp = baseTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.isTransactional = isTransactional
        self.maxTimestamp = baseTimestamp
        self.allocator = allocator
        if var spare {
            // A producer's recycled batch buffer: its pages are already mapped, which fresh ones are not.
            spare.clear()
            spare.reserveCapacity(max(initialCapacityBytes, RecordBatchHeader.size))
            self.buffer = spare
        } else {
            self.buffer = allocator.buffer(capacity: max(initialCapacityBytes, RecordBatchHeader.size))
        }
        self.buffer.writeRepeatingByte(0, count: RecordBatchHeader.size)
    }

    /// The buffer the records are written into (header space included). A producer that compresses keeps it to
    /// reuse for a later batch once `finish` has made the compressed copy.
    public var recordsBuffer: ByteBuffer { buffer }

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
        append(timestamp: timestamp, key: key, value: value, headers: headers, limitBytes: .max)!
    }

    /// Appends a record if the batch stays within `limitBytes` (header included); returns the bytes it added, or nil
    /// (and appends nothing) when it would not fit. The producer's per-record path: the record's size is computed
    /// once, and a record without headers is written with one capacity check and raw stores instead of a
    /// `ByteBuffer` call (each with its own bounds and uniqueness checks) per field.
    public mutating func append(
        timestamp: Int64, key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = [], limitBytes: Int
    ) -> Int? {
        precondition(recordCount < Int(Int32.max), "too many records for one batch")
        let timestampDelta = timestamp &- baseTimestamp
        let offsetDelta = Int32(truncatingIfNeeded: recordCount)
        let keyBytes = key?.readableBytes, valueBytes = value?.readableBytes
        let body = RecordWire.bodyBytes(
            timestampDelta: timestampDelta, offsetDelta: offsetDelta, keyBytes: keyBytes, valueBytes: valueBytes,
            headers: headers)
        let total = VarIntSize.signed(Int64(body)) + body
        guard buffer.readableBytes + total <= limitBytes else { return nil }
        guard headers.isEmpty else {
            _ = beginRecord(timestamp: timestamp, keyBytes: keyBytes, valueBytes: valueBytes, headers: headers)
            RecordWire.writeNullable(key, to: &buffer)
            RecordWire.writeNullable(value, to: &buffer)
            RecordWire.writeHeaders(headers, to: &buffer)
            return total
        }
        recordCount += 1
        if timestamp > maxTimestamp { maxTimestamp = timestamp }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { out in
            var at = RawVarInt.write(zigZag: Int64(body), to: out.baseAddress!)
            out.storeBytes(of: 0, toByteOffset: at, as: UInt8.self)
            at += 1
            at += RawVarInt.write(zigZag: timestampDelta, to: out.baseAddress! + at)
            at += RawVarInt.write(zigZag: Int64(offsetDelta), to: out.baseAddress! + at)
            at += RawVarInt.copyNullable(key, to: out.baseAddress! + at)
            at += RawVarInt.copyNullable(value, to: out.baseAddress! + at)
            out.storeBytes(of: 0, toByteOffset: at, as: UInt8.self)  // no headers: varint 0
            return at + 1
        }
        return total
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
            // Moved out, not shared: writing the header into a buffer the builder still held copied the whole
            // batch (copy on write).
            batch = buffer
            buffer = ByteBuffer()
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

/// Varints and length-prefixed byte strings written through a raw pointer the caller has sized.
enum RawVarInt {
    /// Writes the zig-zag varint of `value` at `to`; returns its length.
    @inline(__always)
    static func write(zigZag value: Int64, to: UnsafeMutableRawPointer) -> Int {
        var v = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        var n = 0
        while v >= 0x80 {
            to.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: n, as: UInt8.self)
            v >>= 7
            n += 1
        }
        to.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: n, as: UInt8.self)
        return n + 1
    }

    /// Writes a nullable byte string (varint length, -1 for null, then the bytes); returns its length.
    @inline(__always)
    static func copyNullable(_ bytes: ByteBuffer?, to: UnsafeMutableRawPointer) -> Int {
        guard let bytes else { return write(zigZag: -1, to: to) }
        let count = bytes.readableBytes
        let prefix = write(zigZag: Int64(count), to: to)
        if count > 0 {
            bytes.withUnsafeReadableBytes { source in
                (to + prefix).copyMemory(from: source.baseAddress!, byteCount: count)
            }
        }
        return prefix + count
    }
}
