#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore

/// A partition log on disk in Kafka's layout: segment files `<base offset>.log` with sparse `.index` and
/// `.timeindex` files in one directory. Thread-safe: one lock guards all state; reads hold it only while they
/// locate a byte range and hand back a duplicated descriptor, so the bytes themselves are sent outside it.
public final class SegmentedLog: LogStore, @unchecked Sendable {
    /// The partition directory.
    public let directory: String

    private let lock = StorageLock()
    private var logger: Logger
    private var config: LogConfig
    private let flushObserver: (any LogFlushObserver)?
    private let groupCommit: GroupCommitFlusher?
    /// Set by `enableGroupCommit`: the owner acknowledges appends only after `whenSynced`.
    private var groupCommitEnabled = false
    /// Oldest first; the last one is the active segment. Never empty.
    private var segments: [LogSegment]
    private var startOffset: Int64
    private var totalBytes: Int64
    private var isClosed = false
    private var unflushedRecords: Int64 = 0
    private var lastFlushMs: Int64
    /// Segment files were created or removed since the last flush, so the directory needs an fsync too.
    private var directoryNeedsSync = false
    private let buffer = ScanBuffer()

    /// Opens the log in `directory` (creating it if needed) or recovers it after a crash: older segments are trusted,
    /// the last one is validated batch by batch and a torn or corrupt tail is truncated. `flushObserver` hears
    /// about every fsync of this log.
    /// `groupCommit` is the log directory's flusher, which syncs the log before acknowledgements in fsync-per-ack
    /// mode once the owner calls `enableGroupCommit`.
    public init(
        directory: String, config: LogConfig, now: Int64, logger: Logger, flushObserver: (any LogFlushObserver)? = nil,
        groupCommit: GroupCommitFlusher? = nil
    ) throws {
        self.directory = directory
        self.config = config
        self.flushObserver = flushObserver
        self.groupCommit = groupCommit
        var logger = logger
        logger[metadataKey: "log"] = "\(directory)"
        self.logger = logger
        self.lastFlushMs = now

        try Posix.makeDirectories(directory)
        let bases = try Posix.listDirectory(directory).compactMap(SegmentFiles.baseOffset(ofLogFile:)).sorted()
        let checkpoint = try LogStartCheckpoint.read(directory: directory)
        var segments: [LogSegment] = []
        for (i, base) in bases.dropLast().enumerated() {
            let path = SegmentFiles.path(directory, base, SegmentFiles.logSuffix)
            let size = try Posix.fileSize(atPath: path) ?? 0
            segments.append(.existing(directory: directory, baseOffset: base, sizeBytes: size, nextOffset: bases[i + 1]))
        }
        if let last = bases.last {
            segments.append(try .recoverActive(directory: directory, baseOffset: last, now: now, config: config,
                                               logger: logger))
        } else {
            segments.append(try .create(directory: directory, baseOffset: checkpoint ?? 0))
        }
        for segment in segments { segment.indexIntervalBytes = config.indexIntervalBytes }
        self.segments = segments
        self.totalBytes = segments.reduce(0) { $0 + Int64($1.sizeBytes) }
        let endOffset = segments[segments.count - 1].nextOffset
        self.startOffset = min(max(checkpoint ?? 0, segments[0].baseOffset), endOffset)
        logger.debug("opened log", metadata: [
            "segments": "\(segments.count)", "logStartOffset": "\(startOffset)", "logEndOffset": "\(endOffset)",
        ])
    }

    deinit {
        if !isClosed { try? closeLocked() }
    }

    // MARK: LogStore

    /// The first offset still in the log.
    public var logStartOffset: Int64 { lock.withLock { startOffset } }
    /// The next offset to be assigned.
    public var logEndOffset: Int64 { lock.withLock { active.nextOffset } }
    /// Bytes in all segment files.
    public var sizeBytes: Int64 { lock.withLock { totalBytes } }
    /// Base offsets of the segments, oldest first (the last is the active segment).
    public var segmentBaseOffsets: [Int64] { lock.withLock { segments.map(\.baseOffset) } }
    /// False once closed.
    public var isOpen: Bool { lock.withLock { !isClosed } }
    /// The settings in force.
    public var currentConfig: LogConfig { lock.withLock { config } }

    /// Replaces the settings (e.g. after a topic config change); they apply from the next append or retention pass.
    public func updateConfig(_ newConfig: LogConfig) {
        lock.withLock {
            config = newConfig
            for segment in segments { segment.indexIntervalBytes = newConfig.indexIntervalBytes }
        }
    }

    /// Appends one batch with base offset = logEndOffset, writing it with one pwritev.
    public func append(_ batch: ByteBuffer, info: BatchInfo, now: Int64) throws -> AppendResult {
        try BatchHeader.checkAppendable(batch, info: info)
        return try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            let baseOffset = active.nextOffset
            let lastOffset = baseOffset + Int64(info.lastOffsetDelta)
            let rolled = SegmentPolicy.shouldRoll(activeSummary, batchBytes: batch.readableBytes, lastOffset: lastOffset,
                                                  now: now, config: config)
            if rolled { try roll() }
            try active.append(batch, baseOffset: baseOffset, info: info, now: now, config: config)
            totalBytes += Int64(batch.readableBytes)
            unflushedRecords += Int64(info.recordCount)
            if syncsBeforeAcknowledgingLocked {
                // The group-commit flusher syncs it before the acknowledgement (`whenSynced`), with others.
            } else if unflushedRecords >= config.flushIntervalMessages || isFlushDue(now: now) {
                try flushLocked(now: now)
            }
            return AppendResult(baseOffset: baseOffset, lastOffset: lastOffset, rolledSegment: rolled)
        }
    }

    /// Reads whole batches from the batch containing `offset`, within one segment, as a file range for
    /// sendfile (or, up to `inlineReadMaxBytes`, as bytes in memory).
    public func read(from offset: Int64, maxBytes: Int, minOneBatch: Bool) throws -> LogReadResult {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            let endOffset = active.nextOffset
            guard offset >= startOffset, offset <= endOffset else { throw StorageError.offsetOutOfRange }
            var result = LogReadResult(data: .empty, logStartOffset: startOffset, logEndOffset: endOffset, nextOffset: offset)
            guard offset < endOffset else { return result }
            var index = segmentIndex(containing: offset)
            while index < segments.count {
                let segment = segments[index]
                switch try segment.slice(from: offset, maxBytes: maxBytes, minOneBatch: minOneBatch, buffer: buffer, logger: logger) {
                case .notHere:
                    index += 1
                case .firstBatchTooLarge:
                    return result
                case .range(let position, let length, let nextOffset):
                    if length <= config.inlineReadMaxBytes {
                        result.data = .bytes(try segment.readBytes(position: position, length: length))
                    } else {
                        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: try segment.duplicateDescriptor())
                        result.data = .file(handle, offset: position, length: length)
                    }
                    result.nextOffset = nextOffset
                    return result
                }
            }
            return result
        }
    }

    /// The first batch (at or after the log start) whose maxTimestamp >= `timestamp`: its base offset (or the log
    /// start when that is inside it) and its maxTimestamp. The broker may refine to the exact record by decoding it.
    public func offset(forTimestamp timestamp: Int64) throws -> (offset: Int64, timestamp: Int64)? {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            for (i, segment) in segments.enumerated() {
                let segmentEnd = i + 1 < segments.count ? segments[i + 1].baseOffset : segment.nextOffset
                guard segmentEnd > startOffset else { continue }
                if let header = try segment.firstBatch(atOrAfter: timestamp, minOffset: startOffset, buffer: buffer, logger: logger) {
                    return (max(header.baseOffset, startOffset), header.maxTimestamp)
                }
            }
            return nil
        }
    }

    /// The largest timestamp of the segments not wholly before the log start.
    public func largestTimestamp() throws -> Int64? {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            var largest: Int64?
            for (i, segment) in segments.enumerated() {
                let segmentEnd = i + 1 < segments.count ? segments[i + 1].baseOffset : segment.nextOffset
                guard segmentEnd > startOffset, let newest = try segment.largestTimestamp(buffer: buffer, logger: logger) else { continue }
                largest = max(largest ?? newest, newest)
            }
            return largest
        }
    }

    /// Rolls the active segment when it is older than segmentMs, deletes old segments per retentionMs,
    /// retentionBytes and the log start offset, and flushes when flushIntervalMs has passed.
    public func applyRetention(now: Int64) throws -> Int {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            if SegmentPolicy.isDueByAge(activeSummary, now: now, config: config) {
                try roll()
            }
            var summaries: [SegmentPolicy.SegmentSummary] = []
            summaries.reserveCapacity(segments.count)
            let retentionByTime = config.retentionMs >= 0
            for (i, segment) in segments.enumerated() {
                // Only the leading segments' timestamps matter; older segments load their indexes on first use.
                let needsTimestamp = retentionByTime && (i == 0 || summaries[i - 1].largestTimestamp.map {
                    SegmentPolicy.elapsedMs(from: $0, to: now) > config.retentionMs
                } ?? true)
                let newest = needsTimestamp && i < segments.count - 1
                    ? try segment.largestTimestamp(buffer: buffer, logger: logger) : nil
                summaries.append(.init(baseOffset: segment.baseOffset, sizeBytes: segment.sizeBytes,
                                       largestTimestamp: needsTimestamp ? newest : Int64.max))
            }
            let doomed = SegmentPolicy.segmentsToDelete(summaries, logStartOffset: startOffset, now: now, config: config)
            try deleteOldestSegments(doomed, reason: "retention")
            if isFlushDue(now: now) { try flushLocked(now: now) }
            return doomed
        }
    }

    /// Moves the log start to `offset` (DeleteRecords): persists it, then deletes older segments wholly below it.
    public func truncatePrefix(to offset: Int64) throws {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            guard offset <= active.nextOffset, offset >= 0 else { throw StorageError.offsetOutOfRange }
            guard offset > startOffset else { return }
            try LogStartCheckpoint.write(offset, directory: directory)
            startOffset = offset
            var doomed = 0
            while doomed < segments.count - 1, segments[doomed + 1].baseOffset <= offset { doomed += 1 }
            try deleteOldestSegments(doomed, reason: "log start offset moved")
        }
    }

    /// fsyncs every segment written since the last flush.
    public func flush() throws {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            try flushLocked(now: lastFlushMs)
        }
    }

    /// Flushes and closes every segment; later calls throw `StorageError.closed`. Closing twice is harmless.
    public func close() throws {
        try lock.withLock {
            guard !isClosed else { return }
            try closeLocked()
        }
    }

    // MARK: Group commit

    /// From now on, in fsync-per-ack mode (`log.flush.interval.messages=1`) appends leave their fsync to the log
    /// directory's group-commit flusher, and the owner waits for it with `whenSynced` before acknowledging.
    /// Returns false (and changes nothing) when the log has no flusher. Logs nobody enabled keep fsyncing inside
    /// each append, as the offsets log does.
    @discardableResult
    public func enableGroupCommit() -> Bool {
        lock.withLock {
            groupCommitEnabled = groupCommit != nil
            return groupCommitEnabled
        }
    }

    /// True when an acknowledgement must wait for `whenSynced`: group commit enabled and fsync-per-ack mode on.
    public var syncsBeforeAcknowledging: Bool { lock.withLock { syncsBeforeAcknowledgingLocked } }

    /// Calls `completion` once everything appended so far is on disk: after the next group-commit round in
    /// fsync-per-ack mode, at once (with nil) otherwise, when the log's flush policy does not wait for the disk.
    public func whenSynced(_ completion: @escaping @Sendable (Error?) -> Void) {
        guard let groupCommit, syncsBeforeAcknowledging else { return completion(nil) }
        groupCommit.enqueue(self, completion: completion)
    }

    /// One group-commit round's work on this log: takes what needs syncing under the lock, then fdatasyncs it
    /// (and the directory, when segments came or went) without holding the lock, so appends go on meanwhile.
    /// A closed log was flushed by its close: nothing to do.
    func syncForGroupCommit() throws {
        let observer = flushObserver
        let startNanos = observer == nil ? 0 : NIODeadline.now().uptimeNanoseconds
        let (work, syncDirectory): ([(fd: CInt, path: String)], Bool) = try lock.withLock {
            guard !isClosed else { return ([], false) }
            var work: [(fd: CInt, path: String)] = []
            do {
                for segment in segments where segment.needsSync || segment.isSealed {
                    work += try segment.takeSyncWork()
                }
            } catch {
                for item in work { Posix.close(item.fd) }
                throw error
            }
            defer { directoryNeedsSync = false }
            unflushedRecords = 0
            return (work, directoryNeedsSync)
        }
        defer { for item in work { Posix.close(item.fd) } }
        for item in work { try Posix.syncData(item.fd, item.path) }
        if syncDirectory { try Posix.syncDirectory(directory) }
        if !work.isEmpty || syncDirectory, let observer {
            observer.logFlushed(nanos: Int64(NIODeadline.now().uptimeNanoseconds - startNanos))
        }
    }

    private var syncsBeforeAcknowledgingLocked: Bool {
        groupCommitEnabled && config.flushIntervalMessages == 1
    }

    // MARK: Producer state

    /// Snapshot files kept: the newest, and one before it in case the newest turns out unusable.
    static let producerSnapshotsKept = 2

    /// Writes `<offset>.snapshot` (temporary file, fsync, rename, directory fsync) and removes older snapshots
    /// beyond the newest `producerSnapshotsKept`.
    public func writeProducerSnapshot(_ batches: [ProducerBatch], upTo offset: Int64) throws {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            try writeProducerSnapshotLocked(batches, upTo: offset)
        }
    }

    /// Reads the newest snapshot at or below the log end that reads back intact (removing those beyond the log
    /// end: a torn tail was cut off after they were written), then scans the batch headers after it.
    public func recoverProducerState() throws -> ProducerStateRecovery {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            let endOffset = active.nextOffset
            var snapshot: (batches: [ProducerBatch], offset: Int64)?
            for offset in try producerSnapshotOffsets().reversed() {
                let path = ProducerSnapshotFile.path(directory, offset: offset)
                if offset > endOffset {
                    logger.info("removing a producer snapshot beyond the log end", metadata: ["snapshot": "\(path)"])
                    try Posix.unlinkIfPresent(path)
                    continue
                }
                do {
                    guard let bytes = try Posix.readFile(path) else { continue }
                    let decoded = try ProducerSnapshotFile.decode(bytes)
                    guard decoded.offset == offset else {
                        throw ProducerSnapshotFile.Unusable(description: "covers offset \(decoded.offset), named \(offset)")
                    }
                    snapshot = decoded
                    break
                } catch let error as ProducerSnapshotFile.Unusable {
                    logger.warning("ignoring an unusable producer snapshot", metadata: ["snapshot": "\(path)", "reason": "\(error)"])
                }
            }
            let scanFrom = max(snapshot?.offset ?? startOffset, startOffset)
            var batches = snapshot?.batches ?? []
            for segment in segments[segmentIndex(containing: scanFrom)...] {
                batches += try segment.producerBatches(from: scanFrom, buffer: buffer, logger: logger)
            }
            return ProducerStateRecovery(batches: batches, snapshotOffset: snapshot?.offset, scannedFrom: scanFrom)
        }
    }

    /// The offsets of the snapshot files present, ascending.
    private func producerSnapshotOffsets() throws -> [Int64] {
        try Posix.listDirectory(directory).compactMap(ProducerSnapshotFile.offset(ofFile:)).sorted()
    }

    private func writeProducerSnapshotLocked(_ batches: [ProducerBatch], upTo offset: Int64) throws {
        try Posix.replaceFile(ProducerSnapshotFile.path(directory, offset: offset),
                              with: ProducerSnapshotFile.encode(batches, offset: offset))
        for old in try producerSnapshotOffsets().dropLast(Self.producerSnapshotsKept) {
            try Posix.unlinkIfPresent(ProducerSnapshotFile.path(directory, offset: old))
        }
    }

    // MARK: Internals (called holding the lock)

    private var active: LogSegment { segments[segments.count - 1] }

    private var activeSummary: SegmentPolicy.ActiveSegment {
        let segment = active
        return .init(baseOffset: segment.baseOffset, sizeBytes: segment.sizeBytes, isEmpty: segment.sizeBytes == 0,
                     rollReferenceMs: segment.rollReferenceMs, offsetIndexEntries: segment.offsetIndexEntries,
                     timeIndexEntries: segment.timeIndexEntries)
    }

    /// The last segment whose base offset is <= `offset`.
    private func segmentIndex(containing offset: Int64) -> Int {
        var low = 0
        var high = segments.count
        while low < high {
            let mid = (low + high) / 2
            if segments[mid].baseOffset <= offset { low = mid + 1 } else { high = mid }
        }
        return max(low - 1, 0)
    }

    private func roll() throws {
        let old = active
        try old.seal()
        let segment = try LogSegment.create(directory: directory, baseOffset: old.nextOffset)
        segment.indexIntervalBytes = config.indexIntervalBytes
        segments.append(segment)
        directoryNeedsSync = true
        logger.debug("rolled segment", metadata: ["baseOffset": "\(segment.baseOffset)"])
    }

    private func deleteOldestSegments(_ count: Int, reason: String) throws {
        guard count > 0 else { return }
        precondition(count < segments.count, "the active segment is never deleted")
        for segment in segments[0..<count] {
            try segment.delete()
            totalBytes -= Int64(segment.sizeBytes)
            logger.debug("deleted segment", metadata: ["baseOffset": "\(segment.baseOffset)", "reason": "\(reason)"])
        }
        segments.removeFirst(count)
        directoryNeedsSync = true
        startOffset = max(startOffset, segments[0].baseOffset)
    }

    public func flushIfDue(now: Int64) throws {
        try lock.withLock {
            guard !isClosed else { throw StorageError.closed }
            if isFlushDue(now: now) { try flushLocked(now: now) }
        }
    }

    private func isFlushDue(now: Int64) -> Bool {
        config.flushIntervalMs != Int64.max && unflushedRecords > 0
            && SegmentPolicy.elapsedMs(from: lastFlushMs, to: now) >= config.flushIntervalMs
    }

    private func flushLocked(now: Int64) throws {
        let observer = flushObserver
        let startNanos = observer == nil ? 0 : NIODeadline.now().uptimeNanoseconds
        var synced = directoryNeedsSync
        for segment in segments where segment.needsSync || segment.isSealed {
            if try segment.sync() { synced = true }
        }
        if directoryNeedsSync {
            try Posix.syncDirectory(directory)
            directoryNeedsSync = false
        }
        unflushedRecords = 0
        lastFlushMs = max(lastFlushMs, now)
        if synced, let observer {
            observer.logFlushed(nanos: Int64(NIODeadline.now().uptimeNanoseconds - startNanos))
        }
    }

    private func closeLocked() throws {
        defer {
            for segment in segments { try? segment.close() }
            isClosed = true
        }
        try flushLocked(now: lastFlushMs)
    }
}

extension BatchHeader {
    /// Throws unless `batch` is plausibly one whole RecordBatch v2 matching `info` (the broker validated it in full).
    static func checkAppendable(_ batch: ByteBuffer, info: BatchInfo) throws {
        guard batch.readableBytes >= Layout.headerBytes else {
            throw StorageError.invalidBatch("\(batch.readableBytes) bytes, a v2 header needs \(Layout.headerBytes)")
        }
        let start = batch.readerIndex
        let batchLength = batch.getInteger(at: start + Layout.batchLength, as: Int32.self) ?? -1
        guard Int(batchLength) + Layout.logOverheadBytes == batch.readableBytes else {
            throw StorageError.invalidBatch("batchLength \(batchLength) does not match \(batch.readableBytes) bytes")
        }
        guard batch.getInteger(at: start + Layout.magic, as: Int8.self) == magicV2 else {
            throw StorageError.invalidBatch("magic is not 2")
        }
        guard info.lastOffsetDelta >= 0 else {
            throw StorageError.invalidBatch("negative lastOffsetDelta \(info.lastOffsetDelta)")
        }
    }
}
