import KafkaProtocol
import NIOCore

/// The control batch a transaction's end writes to each of its partitions (KIP-98): one record whose key is
/// {version 0, type 0 abort / 1 commit} and whose value is EndTransactionMarker {version 0, coordinator epoch},
/// in a batch flagged transactional and control, under the producer's id and epoch.
enum ControlBatch {
    /// The marker batch for `producerId`/`epoch` at time `nowMs` (base offset 0; the log assigns the real one).
    static func marker(commit: Bool, producerId: Int64, epoch: Int16, coordinatorEpoch: Int32 = 0, nowMs: Int64) -> ByteBuffer {
        var key = ByteBuffer()
        key.writeInteger(Int16(0))
        key.writeInteger(Int16(commit ? 1 : 0))
        var value = ByteBuffer()
        value.writeInteger(Int16(0))
        value.writeInteger(coordinatorEpoch)
        let batch = RecordBatch(
            attributes: RecordBatchHeader.transactionalMask | RecordBatchHeader.controlMask, baseTimestamp: nowMs,
            producerId: producerId, producerEpoch: epoch, baseSequence: -1,
            records: [Record(timestampDelta: 0, offsetDelta: 0, key: key, value: value)])
        var out = ByteBuffer()
        // Uncompressed encoding cannot fail.
        try! batch.encode(into: &out, compression: .none, allocator: ByteBufferAllocator())
        return out
    }

    /// Reads a control record's key: true for commit, false for abort, nil when it is not a marker key.
    static func isCommit(key: ByteBuffer) -> Bool? {
        guard key.readableBytes >= 4, let type = key.getInteger(at: key.readerIndex + 2, as: Int16.self) else { return nil }
        switch type {
        case 0: return false
        case 1: return true
        default: return nil
        }
    }
}
