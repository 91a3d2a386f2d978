/// The fields of a RecordBatch v2 header that storage needs, parsed from raw big-endian bytes.
/// Storage does not depend on KafkaProtocol, so it reads these few fields itself.
struct BatchHeader: Equatable {
    /// Byte offsets of the header fields.
    enum Layout {
        static let baseOffset = 0
        static let batchLength = 8
        static let magic = 16
        static let crc = 17
        static let attributes = 21
        static let lastOffsetDelta = 23
        static let maxTimestamp = 35
        static let producerId = 43
        static let producerEpoch = 51
        static let baseSequence = 53
        /// Bytes before and including batchLength: total batch size = this + batchLength.
        static let logOverheadBytes = 12
        /// The fixed header, up to the records.
        static let headerBytes = 61
        /// The CRC covers from attributes to the end.
        static let crcStart = attributes
    }

    /// The only magic storage accepts.
    static let magicV2: Int8 = 2

    var baseOffset: Int64
    /// Whole batch size, 12 + batchLength.
    var totalBytes: Int
    var magic: Int8
    var crc: UInt32
    var lastOffsetDelta: Int32
    var maxTimestamp: Int64
    var attributes: Int16
    /// -1 for a batch without an idempotent producer.
    var producerId: Int64
    var producerEpoch: Int16
    var baseSequence: Int32

    /// The batch of a transaction or a control batch (attributes bits 4 and 5): not idempotent-producer data.
    var isTransactionalOrControl: Bool { attributes & 0x30 != 0 }

    /// The idempotent-producer facts of this batch, nil when it has no producer id or sequence.
    var producerBatch: ProducerBatch? {
        guard producerId >= 0, baseSequence >= 0, !isTransactionalOrControl else { return nil }
        return ProducerBatch(
            producerId: producerId, epoch: producerEpoch, firstSequence: baseSequence,
            lastSequence: baseSequence &+ lastOffsetDelta, baseOffset: baseOffset, lastOffset: lastOffset)
    }

    /// Offset of the last record (saturating: headers come from files that may be damaged).
    var lastOffset: Int64 {
        let (sum, overflow) = baseOffset.addingReportingOverflow(Int64(lastOffsetDelta))
        return overflow ? Int64.max - 1 : sum
    }
    /// Offset after the batch.
    var nextOffset: Int64 { lastOffset + 1 }

    /// Parses the header at the start of `bytes` (which holds at least `Layout.headerBytes`).
    init(parsing bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= Layout.headerBytes, "batch header needs \(Layout.headerBytes) bytes")
        baseOffset = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: Layout.baseOffset, as: Int64.self))
        totalBytes = Layout.logOverheadBytes
            + Int(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: Layout.batchLength, as: Int32.self)))
        magic = Int8(bitPattern: bytes[Layout.magic])
        crc = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: Layout.crc, as: UInt32.self))
        lastOffsetDelta = Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: Layout.lastOffsetDelta, as: Int32.self))
        maxTimestamp = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: Layout.maxTimestamp, as: Int64.self))
        attributes = Int16(bigEndian: bytes.loadUnaligned(fromByteOffset: Layout.attributes, as: Int16.self))
        producerId = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: Layout.producerId, as: Int64.self))
        producerEpoch = Int16(bigEndian: bytes.loadUnaligned(fromByteOffset: Layout.producerEpoch, as: Int16.self))
        baseSequence = Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: Layout.baseSequence, as: Int32.self))
    }

    /// Why this header cannot start a well-formed batch of at most `bytesAvailable` bytes, or nil when it can.
    func structuralProblem(bytesAvailable: Int) -> String? {
        if totalBytes < Layout.headerBytes { return "batch length \(totalBytes - Layout.logOverheadBytes) too small" }
        if totalBytes > bytesAvailable { return "batch of \(totalBytes) bytes runs past the end (\(bytesAvailable) left)" }
        if magic != Self.magicV2 { return "magic \(magic), expected 2" }
        if lastOffsetDelta < 0 { return "negative lastOffsetDelta \(lastOffsetDelta)" }
        return nil
    }
}
