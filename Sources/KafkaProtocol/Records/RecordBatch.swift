import NIOCore

/// A whole v2 batch with its records decoded, for the client and tests (the broker never decodes records on
/// the produce path). Header fields that `encode` computes (length, CRC, record count) are not stored.
public struct RecordBatch: Sendable, Hashable {
    /// The offset of the first record.
    public var baseOffset: Int64
    /// The appending leader's epoch, -1 from producers.
    public var partitionLeaderEpoch: Int32
    /// Attribute bits; `encode` replaces the codec bits with the codec it is given.
    public var attributes: Int16
    /// The offset delta of the last record.
    public var lastOffsetDelta: Int32
    /// The base of the records' timestamp deltas.
    public var baseTimestamp: Int64
    /// The largest timestamp, or the log append time.
    public var maxTimestamp: Int64
    /// The idempotent producer's id, -1 for none.
    public var producerId: Int64
    /// The producer's epoch, -1 for none.
    public var producerEpoch: Int16
    /// The first record's sequence number, -1 for none.
    public var baseSequence: Int32
    /// The records, in offset order.
    public var records: [Record]

    /// Makes a batch. `lastOffsetDelta` defaults to the last record's offset delta and `maxTimestamp` to the
    /// largest record timestamp, as a producer would set them.
    public init(
        baseOffset: Int64 = 0, partitionLeaderEpoch: Int32 = -1, attributes: Int16 = 0, lastOffsetDelta: Int32? = nil,
        baseTimestamp: Int64, maxTimestamp: Int64? = nil, producerId: Int64 = -1, producerEpoch: Int16 = -1,
        baseSequence: Int32 = -1, records: [Record]
    ) {
        self.baseOffset = baseOffset
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta ?? records.last?.offsetDelta ?? 0
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp ?? (baseTimestamp + (records.map(\.timestampDelta).max() ?? 0))
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.records = records
    }

    /// The codec named by the attributes (nil for unknown bits).
    public var compression: CompressionCodec? { CompressionCodec(rawValue: Int8(attributes & RecordBatchHeader.compressionMask)) }
    /// True for a transactional producer's batch.
    public var isTransactional: Bool { attributes & RecordBatchHeader.transactionalMask != 0 }
    /// True for a control batch.
    public var isControl: Bool { attributes & RecordBatchHeader.controlMask != 0 }
    /// Whose clock set the timestamps.
    public var timestampType: TimestampType {
        attributes & RecordBatchHeader.timestampTypeMask != 0 ? .logAppendTime : .createTime
    }

    /// The absolute offset of `record`.
    public func offset(of record: Record) -> Int64 { baseOffset + Int64(record.offsetDelta) }

    /// The timestamp a consumer sees for `record`: the log append time for such batches, else base + delta.
    public func timestamp(of record: Record) -> Int64 {
        timestampType == .logAppendTime ? maxTimestamp : baseTimestamp + record.timestampDelta
    }

    /// Reads one whole batch at the reader index and moves past it: checks magic, length and CRC, decompresses
    /// (at most `maxDecompressedBytes` of records), and decodes every record. Throws `RecordBatchError`;
    /// on error the reader index does not move. Keys and values share storage with the input when uncompressed.
    public static func decode(
        from buffer: inout ByteBuffer, maxDecompressedBytes: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws -> RecordBatch {
        let header = try RecordBatchChecks.checkedHeader(buffer)
        var records = try RecordBatchChecks.recordsSection(
            of: buffer, header: header, maxDecompressedBytes: maxDecompressedBytes, allocator: allocator)
        var decoded: [Record] = []
        decoded.reserveCapacity(Int(header.recordCount))
        do {
            for _ in 0..<header.recordCount { decoded.append(try Record.read(from: &records)) }
        } catch let error as KafkaProtocolError {
            throw RecordBatchError(error)
        }
        guard records.readableBytes == 0 else {
            throw RecordBatchError.corrupt("\(records.readableBytes) bytes after the last record")
        }
        buffer.moveReaderIndex(forwardBy: header.totalBytes)
        return RecordBatch(
            baseOffset: header.baseOffset, partitionLeaderEpoch: header.partitionLeaderEpoch,
            attributes: header.attributes, lastOffsetDelta: header.lastOffsetDelta, baseTimestamp: header.baseTimestamp,
            maxTimestamp: header.maxTimestamp, producerId: header.producerId, producerEpoch: header.producerEpoch,
            baseSequence: header.baseSequence, records: decoded)
    }

    /// Appends the batch to `buffer`, compressing the records section with `compression` (whose bits replace
    /// the codec bits of `attributes`), and computes the length, record count and CRC.
    public func encode(
        into buffer: inout ByteBuffer, compression: CompressionCodec, allocator: ByteBufferAllocator,
        compressionLevel: Int? = nil
    ) throws {
        var section: ByteBuffer
        if compression == .none {
            section = ByteBuffer()
        } else {
            section = allocator.buffer(capacity: records.reduce(0) { $0 + $1.bodyBytes + 5 })
            for record in records { record.write(to: &section) }
            section = try compression.compress(section, level: compressionLevel, allocator: allocator)
        }
        let start = buffer.writerIndex
        let header = RecordBatchHeader(
            baseOffset: baseOffset, batchLength: 0, partitionLeaderEpoch: partitionLeaderEpoch, crc: 0,
            attributes: (attributes & ~RecordBatchHeader.compressionMask) | Int16(compression.rawValue),
            lastOffsetDelta: lastOffsetDelta, baseTimestamp: baseTimestamp, maxTimestamp: maxTimestamp,
            producerId: producerId, producerEpoch: producerEpoch, baseSequence: baseSequence,
            recordCount: Int32(records.count))
        header.write(to: &buffer)
        if compression == .none {
            for record in records { record.write(to: &buffer) }
        } else {
            buffer.writeBuffer(&section)
        }
        RecordBatchEncoding.seal(batchAt: start, of: &buffer)
    }
}

/// The last step of every v2 encoder: fill in length and CRC once the bytes are final.
enum RecordBatchEncoding {
    /// Sets `batchLength` and `crc` of the batch that starts at `start` and ends at the writer index.
    static func seal(batchAt start: Int, of buffer: inout ByteBuffer) {
        let total = buffer.writerIndex - start
        precondition(total >= RecordBatchHeader.size, "batch shorter than its header")
        buffer.setInteger(Int32(total - RecordBatchHeader.logOverheadBytes), at: start + RecordBatchHeader.batchLengthOffset,
                          endianness: .big)
        let crc = CRC32C.checksum(buffer, at: start + RecordBatchHeader.attributesOffset,
                                  length: total - RecordBatchHeader.attributesOffset)
        buffer.setInteger(crc, at: start + RecordBatchHeader.crcOffset, endianness: .big)
    }
}

/// Rewrites of a finished v2 batch in place.
public enum RecordBatchRewriter {
    /// Gives the batch at the reader index of `batch` another producer identity and base sequence, and reseals its
    /// CRC. An idempotent producer that takes a new id or epoch renumbers the batches it still has to send.
    /// - Precondition: `batch` holds one whole v2 batch.
    public static func setProducer(id: Int64, epoch: Int16, baseSequence: Int32, of batch: inout ByteBuffer) {
        let start = batch.readerIndex
        precondition(batch.readableBytes >= RecordBatchHeader.size, "not a record batch")
        batch.setInteger(id, at: start + RecordBatchHeader.producerIdOffset, endianness: .big)
        batch.setInteger(epoch, at: start + RecordBatchHeader.producerEpochOffset, endianness: .big)
        batch.setInteger(baseSequence, at: start + RecordBatchHeader.baseSequenceOffset, endianness: .big)
        RecordBatchEncoding.seal(batchAt: start, of: &batch)
    }
}
