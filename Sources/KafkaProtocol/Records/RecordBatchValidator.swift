import NIOCore

/// Checks one produced v2 batch the way a broker must before storing it as it came, without decoding records:
/// the length matches the bytes exactly, magic is 2, the CRC-32C over attributes..end holds, the codec is known,
/// `recordCount >= 1` and equals `lastOffsetDelta + 1`, it is not a control batch (only brokers write those),
/// and an idempotent batch carries a sequence. `baseOffset` need not be 0.
public enum RecordBatchValidator {
    /// Returns the batch's header, or throws a `RecordBatchError` whose `errorCode` is the answer to send:
    /// CORRUPT_MESSAGE (2) for length and CRC, INVALID_RECORD (87) for magic and counts,
    /// UNSUPPORTED_COMPRESSION_TYPE (76) for unknown codec bits.
    public static func validate(_ batch: ByteBuffer) throws -> RecordBatchHeader {
        let header = try RecordBatchChecks.checkedHeader(batch)
        guard header.totalBytes == batch.readableBytes else {
            throw RecordBatchError.corrupt(
                "batch length \(header.batchLength) + 12 disagrees with the \(batch.readableBytes) bytes given")
        }
        guard header.recordCount >= 1 else {
            throw RecordBatchError.invalidRecord("record count \(header.recordCount)")
        }
        guard Int64(header.recordCount) == Int64(header.lastOffsetDelta) + 1 else {
            throw RecordBatchError.invalidRecord(
                "record count \(header.recordCount) disagrees with last offset delta \(header.lastOffsetDelta)")
        }
        guard !header.isControl else {
            throw RecordBatchError.invalidRecord("clients may not write control batches")
        }
        if header.hasProducerId && header.baseSequence < 0 {
            throw RecordBatchError.invalidRecord("producer id \(header.producerId) without a base sequence")
        }
        return header
    }
}
