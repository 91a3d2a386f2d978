import NIOCore

/// In-place edits a broker makes to a stored v2 batch, so that appending never re-encodes records.
extension RecordBatchHeader {
    /// Sets the base offset (and, when given, the partition leader epoch) of the batch starting at absolute
    /// index `index`. Both lie outside the CRC, so the checksum stays valid.
    /// - Precondition: a whole header is written at `index`.
    public static func setBaseOffset(
        _ baseOffset: Int64, partitionLeaderEpoch: Int32? = nil, inBatchAt index: Int, of buffer: inout ByteBuffer
    ) {
        precondition(index >= 0 && index + size <= buffer.writerIndex, "no batch header at \(index)")
        buffer.setInteger(baseOffset, at: index, endianness: .big)
        if let partitionLeaderEpoch {
            buffer.setInteger(partitionLeaderEpoch, at: index + partitionLeaderEpochOffset, endianness: .big)
        }
    }

    /// Marks the batch at `index` as stamped with the broker's clock (`log.message.timestamp.type=LogAppendTime`):
    /// sets the timestamp-type bit and `maxTimestamp`, then recomputes the CRC, since both lie inside it.
    /// - Precondition: a whole batch is written at `index` and its length field is correct.
    public static func setLogAppendTime(_ timestamp: Int64, inBatchAt index: Int, of buffer: inout ByteBuffer) {
        precondition(index >= 0 && index + size <= buffer.writerIndex, "no batch header at \(index)")
        let length = Int(buffer.getInteger(at: index + batchLengthOffset, endianness: .big, as: Int32.self)!)
        let end = index + logOverheadBytes + length
        precondition(end <= buffer.writerIndex, "batch at \(index) is incomplete")
        let attributes = buffer.getInteger(at: index + attributesOffset, endianness: .big, as: Int16.self)!
        buffer.setInteger(attributes | timestampTypeMask, at: index + attributesOffset, endianness: .big)
        buffer.setInteger(timestamp, at: index + maxTimestampOffset, endianness: .big)
        let crc = CRC32C.checksum(buffer, at: index + attributesOffset, length: end - index - attributesOffset)
        buffer.setInteger(crc, at: index + crcOffset, endianness: .big)
    }
}
