import NIOCore

/// What append learned about the batch (the broker has already validated it).
public struct BatchInfo: Sendable, Equatable {
    /// Records in the batch.
    public var recordCount: Int32
    /// Offset of the last record relative to the base offset (`recordCount - 1` for a fresh producer batch).
    public var lastOffsetDelta: Int32
    /// The batch's maxTimestamp field (or the log append time the broker stamped).
    public var maxTimestamp: Int64

    /// Describes one batch.
    public init(recordCount: Int32, lastOffsetDelta: Int32, maxTimestamp: Int64) {
        self.recordCount = recordCount
        self.lastOffsetDelta = lastOffsetDelta
        self.maxTimestamp = maxTimestamp
    }
}

/// The offsets an append assigned.
public struct AppendResult: Sendable, Equatable {
    /// Offset of the batch's first record.
    public var baseOffset: Int64
    /// Offset of the batch's last record.
    public var lastOffset: Int64
    /// The append started a new segment: the moment to write a producer-state snapshot, as Kafka does at a roll.
    public var rolledSegment: Bool

    /// An append's outcome.
    public init(baseOffset: Int64, lastOffset: Int64, rolledSegment: Bool = false) {
        self.baseOffset = baseOffset
        self.lastOffset = lastOffset
        self.rolledSegment = rolledSegment
    }
}

/// A contiguous byte range of whole batches to send: either a file range (for sendfile) or bytes.
public enum LogReadData: Sendable {
    /// A range of a segment file. The handle is a dup'd descriptor the caller OWNS and must close, so deleting
    /// or closing the segment never breaks an in-flight send.
    case file(NIOFileHandle, offset: Int, length: Int)
    /// The batches in memory.
    case bytes(ByteBuffer)
    /// Nothing to send.
    case empty

    /// Bytes in the range.
    public var length: Int {
        switch self {
        case .file(_, _, let length): return length
        case .bytes(let buffer): return buffer.readableBytes
        case .empty: return 0
        }
    }

    /// The bytes in memory: a file range is read with pread and its handle closed (the caller owns it).
    /// For readers that must transform the batches (down-conversion for old fetch versions).
    public func readAllBytes() throws -> ByteBuffer {
        switch self {
        case .empty: return ByteBuffer()
        case .bytes(let buffer): return buffer
        case .file(let handle, let offset, let length):
            defer { try? handle.close() }
            return try handle.withUnsafeFileDescriptor { fd in
                try Posix.preadBuffer(fd, at: offset, length: length, "a fetched segment range")
            }
        }
    }
}

/// What a read returns: the batches and the log's bounds at the time of the read.
public struct LogReadResult: Sendable {
    /// The batches.
    public var data: LogReadData
    /// The first offset still in the log.
    public var logStartOffset: Int64
    /// The next offset to be assigned.
    public var logEndOffset: Int64
    /// The offset after the last batch in `data`, where the next read continues (the requested offset when empty).
    public var nextOffset: Int64

    /// A read's outcome.
    public init(data: LogReadData, logStartOffset: Int64, logEndOffset: Int64, nextOffset: Int64) {
        self.data = data
        self.logStartOffset = logStartOffset
        self.logEndOffset = logEndOffset
        self.nextOffset = nextOffset
    }
}

/// One partition's log. Thread-safe: every method may be called from any thread.
public protocol LogStore: AnyObject, Sendable {
    /// The first offset still in the log.
    var logStartOffset: Int64 { get }
    /// The next offset to be assigned.
    var logEndOffset: Int64 { get }
    /// Bytes the log occupies (all segments).
    var sizeBytes: Int64 { get }
    /// Appends one batch (a whole RecordBatch v2 in `batch`, readable bytes), assigning base offset = logEndOffset.
    /// `now` is the wall time in ms from the caller (storage never reads the clock itself, so tests can pass a virtual clock).
    func append(_ batch: ByteBuffer, info: BatchInfo, now: Int64) throws -> AppendResult
    /// Reads whole batches starting at the batch containing `offset`, up to `maxBytes` (but at least one
    /// whole batch when `minOneBatch` is true, as Kafka does so a large batch never blocks a consumer).
    /// Throws offsetOutOfRange when offset < logStartOffset or > logEndOffset; offset == logEndOffset gives .empty.
    func read(from offset: Int64, maxBytes: Int, minOneBatch: Bool) throws -> LogReadResult
    /// Smallest offset whose batch maxTimestamp >= timestamp (Kafka ListOffsets by time): returns (offset, timestamp) or nil.
    func offset(forTimestamp timestamp: Int64) throws -> (offset: Int64, timestamp: Int64)?
    /// The largest batch maxTimestamp among segments holding offsets at or after the log start (nil when empty);
    /// ListOffsets' max-timestamp lookup (-3) then finds its record with `offset(forTimestamp:)`. A segment that
    /// the log start cuts into counts whole, as Kafka's segment max timestamps do.
    func largestTimestamp() throws -> Int64?
    /// Rolls segments by age (segmentMs) when due and deletes whole old segments beyond retentionMs / retentionBytes,
    /// never the active segment; advances logStartOffset. Returns the number of segments deleted.
    func applyRetention(now: Int64) throws -> Int
    /// Moves the log start forward (DeleteRecords semantics) without deleting the active segment.
    func truncatePrefix(to offset: Int64) throws
    /// fsyncs what was written; flushing also happens by itself per flushIntervalMessages / flushIntervalMs.
    /// fsyncs when log.flush.interval.ms has passed since the last flush and records are unflushed;
    /// called periodically so an idle log still reaches the disk on time.
    func flushIfDue(now: Int64) throws
    func flush() throws
    /// Replaces the log's settings (a topic or broker config changed live); they apply from the next append,
    /// flush or retention pass.
    func updateConfig(_ newConfig: LogConfig)
    /// Flushes and releases the log; later calls throw `StorageError.closed`.
    func close() throws

    /// Keeps `batches` (every idempotent producer's last batches, oldest first) as the producer state of the log
    /// below `offset`, so that the next open scans only the log from `offset` on. A log that does not survive the
    /// process keeps nothing.
    func writeProducerSnapshot(_ batches: [ProducerBatch], upTo offset: Int64) throws
    /// The producer batches to replay to rebuild idempotent-producer state: the newest usable snapshot's (one at or
    /// below the log end that reads back intact) followed by the idempotent batches in the log after it, or all of
    /// those in the log when there is no usable snapshot.
    func recoverProducerState() throws -> ProducerStateRecovery

    /// Asks the log to leave the fsync of fsync-per-ack mode (`log.flush.interval.messages=1`) to its directory's
    /// group-commit flusher: the owner promises to wait for `whenSynced` before acknowledging. False when the log
    /// cannot (no flusher, or nothing to sync); such a log keeps its own flush policy inside `append`.
    @discardableResult
    func enableGroupCommit() -> Bool
    /// True when an acknowledgement must wait for `whenSynced` (group commit enabled, fsync-per-ack mode on).
    var syncsBeforeAcknowledging: Bool { get }
    /// Calls `completion` (on some thread) once everything appended so far is as durable as the flush policy
    /// promises before an acknowledgement: after a group-commit round in fsync-per-ack mode, at once otherwise.
    /// The error, if any, is the sync's.
    func whenSynced(_ completion: @escaping @Sendable (Error?) -> Void)
}
