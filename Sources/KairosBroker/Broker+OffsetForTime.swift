import KafkaProtocol
import KairosStorage
import NIOCore

extension Broker {
    /// The first record at or after the log start whose timestamp is at or after `timestamp`: its offset and
    /// timestamp (Kafka's ListOffsets by time), or nil when no record is that new. The storage's time index finds
    /// the first batch whose maxTimestamp is late enough; that batch (and, rarely, the ones after it, when the
    /// log start cuts into it) is read and its records walked, so a batch of many records answers with the
    /// record, not the batch's base offset.
    func recordOffset(in log: any LogStore, forTimestamp timestamp: Int64) throws -> (offset: Int64, timestamp: Int64)? {
        guard let batch = try log.offset(forTimestamp: timestamp) else { return nil }
        var position = batch.offset
        while position < log.logEndOffset {
            let read = try log.read(from: position, maxBytes: 1, minOneBatch: true)
            var bytes = try read.data.readAllBytes()
            guard bytes.readableBytes > 0, read.nextOffset > position else { break }
            while bytes.readableBytes > 0 {
                let decoded = try RecordBatch.decode(from: &bytes, maxDecompressedBytes: Limits.decompressedBytesMax)
                for record in decoded.records {
                    let offset = decoded.offset(of: record)
                    let recordTimestamp = decoded.timestamp(of: record)
                    if offset >= position && recordTimestamp >= timestamp { return (offset, recordTimestamp) }
                }
            }
            position = read.nextOffset
        }
        // The index promised a batch this new, but no record in reach is (a batch maxTimestamp no record carries):
        // the batch's own answer stands, as before record-level lookups.
        return batch
    }

    /// The first record holding the log's largest timestamp (ListOffsets -3, KIP-734), or nil for an empty log.
    func maxTimestampOffset(in log: any LogStore) throws -> (offset: Int64, timestamp: Int64)? {
        guard let largest = try log.largestTimestamp() else { return nil }
        return try recordOffset(in: log, forTimestamp: largest)
    }
}
