import KafkaProtocol
import KairosStorage
import Logging
import NIOCore

/// The committed-offsets log: `OffsetLogRecord`s appended as record batches to a partition log of
/// its own (`__consumer_offsets-0` under log.dirs), replayed at start.
///
/// It is kept short by snapshots rather than key compaction: the live state is appended as a run of
/// batches, then the log start moves to that run, so whole segments before it are deleted. Any
/// suffix of the log that starts at or before a snapshot replays to the same state, so a crash at
/// any point of this leaves a log that still replays correctly.
final class OffsetLog: Sendable {
    /// The internal topic's name, as Kafka's.
    static let topic = "__consumer_offsets"
    /// Records per batch when writing a snapshot.
    static let snapshotBatchRecords = 1_000

    private let log: any LogStore
    private let allocator = ByteBufferAllocator()

    init(log: any LogStore) {
        self.log = log
    }

    /// Settings of the log: segments of `offsets.topic.segment.bytes`, nothing deleted by age or size
    /// (snapshots drop what is dead).
    static func logConfig(_ config: GroupConfig, broker: BrokerConfig) -> LogConfig {
        var log = broker.log
        log.segmentBytes = config.offsetsSegmentBytes
        log.retentionMs = -1
        log.retentionBytes = -1
        return log
    }

    /// Appends records as one batch; when this returns they are in the file (the page cache), as an
    /// acknowledged produce is.
    func append(_ records: [OffsetLogRecord], now: Int64) throws {
        guard !records.isEmpty else { return }
        var builder = RecordBatchBuilder(baseTimestamp: now, initialCapacityBytes: 256 + 96 * records.count, allocator: allocator)
        for record in records {
            let (key, value) = record.encode()
            builder.append(timestamp: now, key: key, value: value)
        }
        let count = builder.recordCount
        let batch = try builder.finish(compression: .none)
        _ = try log.append(batch, info: BatchInfo(recordCount: Int32(count), lastOffsetDelta: Int32(count - 1), maxTimestamp: now), now: now)
    }

    /// Writes `records` (the whole live state) as a snapshot and drops everything before it.
    func writeSnapshot(_ records: [OffsetLogRecord], now: Int64) throws {
        let start = log.logEndOffset
        var index = 0
        while index < records.count {
            let end = min(index + Self.snapshotBatchRecords, records.count)
            try append(Array(records[index..<end]), now: now)
            index = end
        }
        try log.truncatePrefix(to: start)
    }

    /// Every record from the log start, in order. A batch that cannot be decoded is skipped with a
    /// warning (recovery already cut a torn tail off).
    func readAll(logger: Logger) throws -> [OffsetLogRecord] {
        var records: [OffsetLogRecord] = []
        var offset = log.logStartOffset
        while offset < log.logEndOffset {
            let result = try log.read(from: offset, maxBytes: 1 << 20, minOneBatch: true)
            var bytes = try result.data.readAllBytes()
            if bytes.readableBytes == 0 { break }
            while bytes.readableBytes > 0 {
                let batch: RecordBatch
                do {
                    batch = try RecordBatch.decode(from: &bytes, maxDecompressedBytes: Limits.decompressedBytesMax, allocator: allocator)
                } catch {
                    logger.warning("skipping an unreadable part of the offsets log", metadata: ["offset": "\(offset)", "error": "\(error)"])
                    break
                }
                for record in batch.records where batch.offset(of: record) >= log.logStartOffset {
                    guard let key = record.key else { continue }
                    do {
                        if let decoded = try OffsetLogRecord.decode(key: key, value: record.value) { records.append(decoded) }
                    } catch {
                        logger.warning("skipping an unreadable offsets record", metadata: ["offset": "\(batch.offset(of: record))"])
                    }
                }
            }
            guard result.nextOffset > offset else { break }
            offset = result.nextOffset
        }
        return records
    }

    /// Bytes the log occupies.
    var sizeBytes: Int64 { log.sizeBytes }

    /// Flushes and closes the log.
    func close() throws { try log.close() }

    /// fsyncs when log.flush.interval.ms has passed (the broker's periodic flush).
    func flushIfDue(now: Int64) throws { try log.flushIfDue(now: now) }
}
