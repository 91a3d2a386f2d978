import NIOCore

/// A partition log in memory with the same semantics as `SegmentedLog` (segments, rolls, sparse-index-full rolls,
/// retention, reads of whole batches within one segment), for tests and ephemeral topics. Reads return `.bytes`.
public final class MemoryLog: LogStore, @unchecked Sendable {
    private struct StoredBatch {
        var baseOffset: Int64
        var lastOffset: Int64
        var maxTimestamp: Int64
        var bytes: ByteBuffer
    }

    private struct Segment {
        var baseOffset: Int64
        var nextOffset: Int64
        var batches: [StoredBatch] = []
        var sizeBytes = 0
        var rollReferenceMs: Int64?
        var cadence = IndexCadence()
        var offsetIndexEntries = 0
        var timeIndexEntries = 0

        init(baseOffset: Int64) {
            self.baseOffset = baseOffset
            self.nextOffset = baseOffset
        }

        var largestTimestamp: Int64? { batches.isEmpty ? nil : cadence.maxTimestamp }

        /// The index of the first batch whose last offset is >= `offset`, or `batches.count`.
        func firstBatch(endingAtOrAfter offset: Int64) -> Int {
            var low = 0
            var high = batches.count
            while low < high {
                let mid = (low + high) / 2
                if batches[mid].lastOffset < offset { low = mid + 1 } else { high = mid }
            }
            return low
        }
    }

    private let lock = StorageLock()
    private var config: LogConfig
    private var segments: [Segment]
    private var startOffset: Int64 = 0
    private var totalBytes: Int64 = 0
    private var isClosed = false

    /// An empty log starting at offset 0.
    public init(config: LogConfig = LogConfig()) {
        self.config = config
        self.segments = [Segment(baseOffset: 0)]
    }

    /// The first offset still in the log.
    public var logStartOffset: Int64 { lock.withLock { startOffset } }
    /// The next offset to be assigned.
    public var logEndOffset: Int64 { lock.withLock { segments[segments.count - 1].nextOffset } }
    /// Bytes of all stored batches.
    public var sizeBytes: Int64 { lock.withLock { totalBytes } }
    /// Base offsets of the segments, oldest first (the last is the active segment).
    public var segmentBaseOffsets: [Int64] { lock.withLock { segments.map(\.baseOffset) } }
    /// The settings in force.
    public var currentConfig: LogConfig { lock.withLock { config } }

    /// Replaces the settings; they apply from the next append or retention pass.
    public func updateConfig(_ newConfig: LogConfig) {
        lock.withLock { config = newConfig }
    }

    /// Stores a copy of the batch with its base offset set to logEndOffset.
    public func append(_ batch: ByteBuffer, info: BatchInfo, now: Int64) throws -> AppendResult {
        try BatchHeader.checkAppendable(batch, info: info)
        return try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            let baseOffset = segments[segments.count - 1].nextOffset
            let lastOffset = baseOffset + Int64(info.lastOffsetDelta)
            if SegmentPolicy.shouldRoll(activeSummary, batchBytes: batch.readableBytes, lastOffset: lastOffset, now: now, config: config) {
                segments.append(Segment(baseOffset: baseOffset))
            }
            var stored = batch
            stored.setInteger(baseOffset, at: stored.readerIndex)
            let size = stored.readableBytes
            let last = segments.count - 1
            let entries = segments[last].cadence.record(baseOffset: baseOffset, maxTimestamp: info.maxTimestamp,
                                                        batchBytes: size, indexIntervalBytes: config.indexIntervalBytes)
            if entries.offsetEntry { segments[last].offsetIndexEntries += 1 }
            if entries.timeEntry != nil { segments[last].timeIndexEntries += 1 }
            segments[last].batches.append(StoredBatch(baseOffset: baseOffset, lastOffset: lastOffset,
                                                      maxTimestamp: info.maxTimestamp, bytes: stored))
            segments[last].sizeBytes += size
            segments[last].nextOffset = lastOffset + 1
            if segments[last].rollReferenceMs == nil { segments[last].rollReferenceMs = now }
            totalBytes += Int64(size)
            return AppendResult(baseOffset: baseOffset, lastOffset: lastOffset)
        }
    }

    /// Reads whole batches from the batch containing `offset`, within one segment, copied into one buffer.
    public func read(from offset: Int64, maxBytes: Int, minOneBatch: Bool) throws -> LogReadResult {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            let endOffset = segments[segments.count - 1].nextOffset
            guard offset >= startOffset, offset <= endOffset else { throw StorageError.offsetOutOfRange }
            var result = LogReadResult(data: .empty, logStartOffset: startOffset, logEndOffset: endOffset, nextOffset: offset)
            guard offset < endOffset else { return result }
            for segment in segments[segmentIndex(containing: offset)...] {
                let first = segment.firstBatch(endingAtOrAfter: offset)
                guard first < segment.batches.count else { continue }
                var end = first
                var bytes = 0
                while end < segment.batches.count, bytes + segment.batches[end].bytes.readableBytes <= maxBytes {
                    bytes += segment.batches[end].bytes.readableBytes
                    end += 1
                }
                if end == first {
                    guard minOneBatch else { return result }
                    end += 1
                }
                result.nextOffset = segment.batches[end - 1].lastOffset + 1
                if end - first == 1 {
                    result.data = .bytes(segment.batches[first].bytes)
                } else {
                    var out = ByteBufferAllocator().buffer(capacity: bytes)
                    for batch in segment.batches[first..<end] { out.writeImmutableBuffer(batch.bytes) }
                    result.data = .bytes(out)
                }
                return result
            }
            return result
        }
    }

    /// The first batch (at or after the log start) whose maxTimestamp >= `timestamp`.
    public func offset(forTimestamp timestamp: Int64) throws -> (offset: Int64, timestamp: Int64)? {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            for segment in segments where segment.nextOffset > startOffset {
                guard let newest = segment.largestTimestamp, newest >= timestamp else { continue }
                for batch in segment.batches where batch.lastOffset >= startOffset && batch.maxTimestamp >= timestamp {
                    return (max(batch.baseOffset, startOffset), batch.maxTimestamp)
                }
            }
            return nil
        }
    }

    /// The largest timestamp of the segments not wholly before the log start.
    public func largestTimestamp() throws -> Int64? {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            return segments.filter { $0.nextOffset > startOffset }.compactMap(\.largestTimestamp).max()
        }
    }

    /// Rolls by age, then deletes old segments per retention and the log start offset.
    public func applyRetention(now: Int64) throws -> Int {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            if SegmentPolicy.isDueByAge(activeSummary, now: now, config: config) {
                segments.append(Segment(baseOffset: segments[segments.count - 1].nextOffset))
            }
            let summaries = segments.map {
                SegmentPolicy.SegmentSummary(baseOffset: $0.baseOffset, sizeBytes: $0.sizeBytes, largestTimestamp: $0.largestTimestamp)
            }
            let doomed = SegmentPolicy.segmentsToDelete(summaries, logStartOffset: startOffset, now: now, config: config)
            deleteOldestSegments(doomed)
            return doomed
        }
    }

    /// Moves the log start forward and drops older segments wholly below it.
    public func truncatePrefix(to offset: Int64) throws {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            guard offset >= 0, offset <= segments[segments.count - 1].nextOffset else { throw StorageError.offsetOutOfRange }
            guard offset > startOffset else { return }
            startOffset = offset
            var doomed = 0
            while doomed < segments.count - 1, segments[doomed + 1].baseOffset <= offset { doomed += 1 }
            deleteOldestSegments(doomed)
        }
    }

    /// Nothing to make durable.
    public func flush() throws {
        try lock.withLock { guard !isClosed else { throw StorageError.closed } }
    }

    /// Nothing to write: memory has no disk.
    public func flushIfDue(now: Int64) throws {
        try lock.withLock { guard !isClosed else { throw StorageError.closed } }
    }

    /// Later calls throw `StorageError.closed`.
    public func close() throws {
        lock.withLock { isClosed = true }
    }

    /// Nothing to keep: a memory log never outlives the process, so it is never recovered.
    public func writeProducerSnapshot(_ batches: [ProducerBatch], upTo offset: Int64) throws {
        try lock.withLock { guard !isClosed else { throw StorageError.closed } }
    }

    /// Nothing to replay: a memory log starts empty every time.
    public func recoverProducerState() throws -> ProducerStateRecovery {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            return ProducerStateRecovery(batches: [], snapshotOffset: nil, scannedFrom: startOffset)
        }
    }

    /// Memory has no disk to wait for.
    public func enableGroupCommit() -> Bool { false }
    /// Never: there is nothing to sync.
    public var syncsBeforeAcknowledging: Bool { false }
    /// At once: there is nothing to sync.
    public func whenSynced(_ completion: @escaping @Sendable (Error?) -> Void) { completion(nil) }

    private var activeSummary: SegmentPolicy.ActiveSegment {
        let segment = segments[segments.count - 1]
        return .init(baseOffset: segment.baseOffset, sizeBytes: segment.sizeBytes, isEmpty: segment.batches.isEmpty,
                     rollReferenceMs: segment.rollReferenceMs, offsetIndexEntries: segment.offsetIndexEntries,
                     timeIndexEntries: segment.timeIndexEntries)
    }

    private func segmentIndex(containing offset: Int64) -> Int {
        var low = 0
        var high = segments.count
        while low < high {
            let mid = (low + high) / 2
            if segments[mid].baseOffset <= offset { low = mid + 1 } else { high = mid }
        }
        return max(low - 1, 0)
    }

    private func deleteOldestSegments(_ count: Int) {
        guard count > 0 else { return }
        for segment in segments[0..<count] { totalBytes -= Int64(segment.sizeBytes) }
        segments.removeFirst(count)
        startOffset = max(startOffset, segments[0].baseOffset)
    }
}
