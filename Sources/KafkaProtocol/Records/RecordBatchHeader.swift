import NIOCore

/// How a batch's timestamps were set: by the producer, or by the broker when it appended the batch.
public enum TimestampType: Int8, Sendable, Hashable {
    case createTime = 0
    case logAppendTime = 1
}

/// The fixed 61-byte header of a v2 record batch, read without consuming, from the batch's first byte.
///
/// The CRC-32C covers `attributes` through the end of the batch; `baseOffset`, `batchLength` and
/// `partitionLeaderEpoch` lie before it, so a broker can assign offsets and epochs without recomputing it.
public struct RecordBatchHeader: Sendable, Hashable {
    /// The offset of the first record (0 from producers; assigned by the broker).
    public var baseOffset: Int64
    /// Bytes after this field: the whole batch is `batchLength + 12` bytes.
    public var batchLength: Int32
    /// The leader epoch of the broker that appended the batch (-1 from producers).
    public var partitionLeaderEpoch: Int32
    /// The format version: always 2 here.
    public var magic: Int8
    /// CRC-32C over `attributes` through the end of the batch.
    public var crc: UInt32
    /// Bits 0-2 codec, 3 timestamp type, 4 transactional, 5 control, 6 delete horizon set.
    public var attributes: Int16
    /// The offset delta of the last record; also the sequence delta of the last record.
    public var lastOffsetDelta: Int32
    /// The first record's timestamp, base of the records' timestamp deltas.
    public var baseTimestamp: Int64
    /// The largest record timestamp (or the log append time).
    public var maxTimestamp: Int64
    /// The idempotent producer's id, -1 for none.
    public var producerId: Int64
    /// The producer's epoch, -1 for none.
    public var producerEpoch: Int16
    /// The sequence number of the first record, -1 for none.
    public var baseSequence: Int32
    /// The number of records in the batch.
    public var recordCount: Int32

    /// Bytes in the header.
    public static let size = 61
    /// Bytes before `batchLength` counts: baseOffset and batchLength itself.
    public static let logOverheadBytes = 12
    /// Byte offsets of fields within a batch, for in-place rewrites.
    public static let batchLengthOffset = 8
    public static let partitionLeaderEpochOffset = 12
    public static let magicOffset = 16
    public static let crcOffset = 17
    public static let attributesOffset = 21
    public static let maxTimestampOffset = 35
    public static let producerIdOffset = 43
    public static let producerEpochOffset = 51
    public static let baseSequenceOffset = 53

    /// The attribute bits.
    public static let compressionMask: Int16 = 0x07
    public static let timestampTypeMask: Int16 = 0x08
    public static let transactionalMask: Int16 = 0x10
    public static let controlMask: Int16 = 0x20
    public static let deleteHorizonMask: Int16 = 0x40

    /// Makes a header from its fields.
    public init(
        baseOffset: Int64, batchLength: Int32, partitionLeaderEpoch: Int32, magic: Int8 = 2, crc: UInt32,
        attributes: Int16, lastOffsetDelta: Int32, baseTimestamp: Int64, maxTimestamp: Int64, producerId: Int64,
        producerEpoch: Int16, baseSequence: Int32, recordCount: Int32
    ) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordCount = recordCount
    }

    /// Reads the header at the buffer's reader index without moving it. Throws `.truncated` when fewer than
    /// 61 bytes are readable, `.invalid` when the magic byte is not 2 or the length is too small for a header.
    public init(peeking buffer: ByteBuffer) throws {
        guard buffer.readableBytes >= Self.size else { throw KafkaProtocolError.truncated }
        var view = buffer.getSlice(at: buffer.readerIndex, length: Self.size)!
        baseOffset = try view.readInt64()
        batchLength = try view.readInt32()
        partitionLeaderEpoch = try view.readInt32()
        magic = try view.readInt8()
        guard magic == 2 else { throw KafkaProtocolError.invalid("record batch magic \(magic), expected 2") }
        crc = try view.readUInt32()
        attributes = try view.readInt16()
        lastOffsetDelta = try view.readInt32()
        baseTimestamp = try view.readInt64()
        maxTimestamp = try view.readInt64()
        producerId = try view.readInt64()
        producerEpoch = try view.readInt16()
        baseSequence = try view.readInt32()
        recordCount = try view.readInt32()
        guard Int(batchLength) >= Self.size - Self.logOverheadBytes else {
            throw KafkaProtocolError.invalid("record batch length \(batchLength) is shorter than its header")
        }
    }

    /// Writes the header (61 bytes) as it stands; the caller keeps `batchLength` and `crc` right.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInt64(baseOffset)
        buffer.writeInt32(batchLength)
        buffer.writeInt32(partitionLeaderEpoch)
        buffer.writeInt8(magic)
        buffer.writeUInt32(crc)
        buffer.writeInt16(attributes)
        buffer.writeInt32(lastOffsetDelta)
        buffer.writeInt64(baseTimestamp)
        buffer.writeInt64(maxTimestamp)
        buffer.writeInt64(producerId)
        buffer.writeInt16(producerEpoch)
        buffer.writeInt32(baseSequence)
        buffer.writeInt32(recordCount)
    }

    /// The codec of the records section, nil when the bits name none we know.
    public var compression: CompressionCodec? { CompressionCodec(rawValue: Int8(attributes & Self.compressionMask)) }
    /// True for a transactional producer's batch.
    public var isTransactional: Bool { attributes & Self.transactionalMask != 0 }
    /// True for a control batch (transaction markers).
    public var isControl: Bool { attributes & Self.controlMask != 0 }
    /// Whether timestamps are the producer's or the broker's.
    public var timestampType: TimestampType { attributes & Self.timestampTypeMask != 0 ? .logAppendTime : .createTime }
    /// True when compaction set `baseTimestamp` to the delete horizon (KIP-534).
    public var hasDeleteHorizon: Bool { attributes & Self.deleteHorizonMask != 0 }
    /// Bytes of the whole batch, header included.
    public var totalBytes: Int { Int(batchLength) + Self.logOverheadBytes }
    /// The offset of the last record.
    public var lastOffset: Int64 { baseOffset + Int64(lastOffsetDelta) }
    /// The offset after the batch.
    public var nextOffset: Int64 { lastOffset + 1 }
    /// True when the batch carries an idempotent producer's id.
    public var hasProducerId: Bool { producerId >= 0 }
}
