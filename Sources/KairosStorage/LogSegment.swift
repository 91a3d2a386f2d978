#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore

/// One segment of a partition log: `<base>.log` holding whole batches back to back, with its sparse `.index` and
/// `.timeindex`. Not thread-safe: the owning `SegmentedLog` calls it under its lock.
///
/// The active (last) segment keeps its indexes in memory and writes new entries to the index files in bulk; recovery
/// rebuilds them from the log, so they never need to be durable before the log is. Older segments load their index
/// files on first use and check them cheaply against the log (rebuilding them when they disagree).
final class LogSegment {
    let baseOffset: Int64
    let logPath: String
    let indexPath: String
    let timeIndexPath: String

    /// Bytes of whole batches in the file.
    private(set) var sizeBytes: Int
    /// Offset after the last batch. For an unloaded older segment this is the next segment's base offset.
    private(set) var nextOffset: Int64
    /// Wall time of the first append, which `segmentMs` measures from; nil while empty.
    private(set) var rollReferenceMs: Int64?
    private(set) var isSealed: Bool
    /// True when bytes were written that were not fsynced yet.
    private(set) var needsSync = false

    private var fd: CInt = -1
    private var indexFd: CInt = -1
    private var timeIndexFd: CInt = -1
    private var sealedIndexesNeedSync = false
    private var indexesLoaded: Bool
    private(set) var offsetIndex = OffsetIndex()
    private(set) var timeIndex = TimeIndex()
    private var cadence = IndexCadence()
    private var persistedOffsetEntries = 0
    private var persistedTimeEntries = 0
    /// Newest batch timestamp, valid once the indexes are loaded; nil while empty.
    private var newestTimestamp: Int64?

    /// `log.index.interval.bytes`, kept current by the owning log, for rebuilding indexes.
    var indexIntervalBytes = LogConfig().indexIntervalBytes

    /// Index entries buffered before they are written to the index files.
    private static let pendingEntriesMax = 512

    private init(directory: String, baseOffset: Int64, sizeBytes: Int, nextOffset: Int64, sealed: Bool, loaded: Bool) {
        self.baseOffset = baseOffset
        self.logPath = SegmentFiles.path(directory, baseOffset, SegmentFiles.logSuffix)
        self.indexPath = SegmentFiles.path(directory, baseOffset, SegmentFiles.indexSuffix)
        self.timeIndexPath = SegmentFiles.path(directory, baseOffset, SegmentFiles.timeIndexSuffix)
        self.sizeBytes = sizeBytes
        self.nextOffset = nextOffset
        self.isSealed = sealed
        self.indexesLoaded = loaded
    }

    deinit {
        closeDescriptors()
    }

    // MARK: Opening

    /// Creates a new empty active segment; fails if its log file already exists.
    static func create(directory: String, baseOffset: Int64) throws -> LogSegment {
        let segment = LogSegment(directory: directory, baseOffset: baseOffset, sizeBytes: 0, nextOffset: baseOffset,
                                 sealed: false, loaded: true)
        segment.fd = try Posix.open(segment.logPath, O_RDWR | O_CREAT | O_EXCL)
        try segment.openIndexFilesForWriting(truncate: true)
        return segment
    }

    /// An older segment found on disk; its files are opened and checked on first use.
    static func existing(directory: String, baseOffset: Int64, sizeBytes: Int, nextOffset: Int64) -> LogSegment {
        LogSegment(directory: directory, baseOffset: baseOffset, sizeBytes: sizeBytes, nextOffset: nextOffset,
                   sealed: true, loaded: false)
    }

    /// Opens the last segment found on disk as the active one: validates every batch (structure, contiguous offsets,
    /// CRC-32C), truncates a torn or corrupt tail, and rebuilds both indexes from what remains.
    static func recoverActive(directory: String, baseOffset: Int64, now: Int64, config: LogConfig,
                              logger: Logger) throws -> LogSegment {
        let segment = LogSegment(directory: directory, baseOffset: baseOffset, sizeBytes: 0, nextOffset: baseOffset,
                                 sealed: false, loaded: true)
        segment.indexIntervalBytes = config.indexIntervalBytes
        segment.fd = try Posix.open(segment.logPath, O_RDWR)
        do {
            let fileBytes = try Posix.fileSize(segment.fd, segment.logPath)
            segment.sizeBytes = fileBytes
            let rebuilt = try segment.rebuildIndexes(verifyingCRC: true)
            if let problem = rebuilt.problem {
                logger.warning("truncating torn or corrupt log tail", metadata: [
                    "segment": "\(segment.logPath)", "position": "\(rebuilt.validBytes)",
                    "droppedBytes": "\(fileBytes - rebuilt.validBytes)", "reason": "\(problem)",
                ])
                try Posix.truncate(segment.fd, to: rebuilt.validBytes, segment.logPath)
            }
            if let firstTimestamp = rebuilt.firstBatchTimestamp {
                // The first append's wall time is gone; its batch timestamp (never later than now) stands in for it.
                segment.rollReferenceMs = firstTimestamp >= 0 ? min(now, firstTimestamp) : now
            }
            try segment.openIndexFilesForWriting(truncate: true)
            try segment.writePendingIndexEntries()
        } catch {
            segment.closeDescriptors()
            throw error
        }
        return segment
    }

    // MARK: Appending

    /// Writes one batch at the end with its base offset replaced, in a single pwritev; updates the indexes in memory.
    func append(_ batch: ByteBuffer, baseOffset batchBaseOffset: Int64, info: BatchInfo, now: Int64, config: LogConfig) throws {
        precondition(!isSealed, "append to a sealed segment")
        if offsetIndex.count - persistedOffsetEntries >= Self.pendingEntriesMax {
            // Before the log write, so a failure here leaves the log unchanged.
            try writePendingIndexEntries()
        }
        let position = sizeBytes
        let totalBytes = batch.readableBytes
        do {
            try batch.withUnsafeReadableBytes { bytes in
                try withUnsafeBytes(of: batchBaseOffset.bigEndian) { head in
                    try Posix.pwritevAll(fd, head, UnsafeRawBufferPointer(rebasing: bytes[8...]), at: position, logPath)
                }
            }
        } catch {
            // Drop a partial write so the file still ends at a batch boundary.
            try? Posix.truncate(fd, to: position, logPath)
            throw error
        }
        sizeBytes = position + totalBytes
        nextOffset = batchBaseOffset + Int64(info.lastOffsetDelta) + 1
        needsSync = true
        if rollReferenceMs == nil { rollReferenceMs = now }
        addIndexEntries(baseOffset: batchBaseOffset, maxTimestamp: info.maxTimestamp, position: position,
                        batchBytes: totalBytes, indexIntervalBytes: config.indexIntervalBytes)
    }

    private func addIndexEntries(baseOffset batchBaseOffset: Int64, maxTimestamp: Int64, position: Int, batchBytes: Int, indexIntervalBytes: Int) {
        let entries = cadence.record(baseOffset: batchBaseOffset, maxTimestamp: maxTimestamp, batchBytes: batchBytes,
                                     indexIntervalBytes: indexIntervalBytes)
        if entries.offsetEntry {
            offsetIndex.append(relativeOffset: Int32(batchBaseOffset - baseOffset), position: Int32(position))
        }
        if let entry = entries.timeEntry {
            timeIndex.append(timestamp: entry.timestamp, relativeOffset: Int32(entry.offset - baseOffset))
        }
        newestTimestamp = cadence.maxTimestamp
    }

    /// Ends the segment's active life: the time index gets its final entry and both indexes are written out.
    func seal() throws {
        guard !isSealed else { return }
        if let entry = cadence.sealingTimeEntry() {
            timeIndex.append(timestamp: entry.timestamp, relativeOffset: Int32(entry.offset - baseOffset))
        }
        try writePendingIndexEntries()
        closeIndexDescriptors()
        sealedIndexesNeedSync = true
        isSealed = true
    }

    // MARK: Durability

    /// fsyncs the log (and, for a sealed segment, its index files); true when there was anything to sync.
    @discardableResult
    func sync() throws -> Bool {
        let hadWork = needsSync || sealedIndexesNeedSync
        if needsSync {
            try writePendingIndexEntries()
            try Posix.syncData(fd, logPath)
            needsSync = false
        }
        if sealedIndexesNeedSync {
            for path in [indexPath, timeIndexPath] {
                let indexFile = try Posix.open(path, O_RDONLY)
                defer { Posix.close(indexFile) }
                try Posix.syncData(indexFile, path)
            }
            sealedIndexesNeedSync = false
        }
        return hadWork
    }

    /// What a sync outside the log's lock must fdatasync: descriptors of its own (the caller closes them) on the
    /// log file when it has unsynced bytes and on a sealed segment's index files. Buffered index entries are
    /// written first, and the segment counts as synced from now on.
    func takeSyncWork() throws -> [(fd: CInt, path: String)] {
        var work: [(fd: CInt, path: String)] = []
        do {
            if needsSync {
                try writePendingIndexEntries()
                work.append((try Posix.duplicate(fd, logPath), logPath))
            }
            if sealedIndexesNeedSync {
                for path in [indexPath, timeIndexPath] { work.append((try Posix.open(path, O_RDONLY), path)) }
            }
        } catch {
            for item in work { Posix.close(item.fd) }
            throw error
        }
        needsSync = false
        sealedIndexesNeedSync = false
        return work
    }

    /// Writes buffered index entries and releases the descriptors.
    func close() throws {
        defer { closeDescriptors() }
        if !isSealed && indexFd >= 0 { try writePendingIndexEntries() }
    }

    /// Closes and removes the segment's files.
    func delete() throws {
        closeDescriptors()
        try Posix.unlinkIfPresent(logPath)
        try Posix.unlinkIfPresent(indexPath)
        try Posix.unlinkIfPresent(timeIndexPath)
    }

    // MARK: Reading

    /// What `slice` found.
    enum Slice {
        /// No batch at or after the offset in this segment.
        case notHere
        /// The first batch is larger than maxBytes and minOneBatch was false.
        case firstBatchTooLarge
        /// Whole batches at [position, position + length); `nextOffset` follows the last of them.
        case range(position: Int, length: Int, nextOffset: Int64)
    }

    /// The whole batches to send for a read at `offset`, from the batch containing it up to `maxBytes`.
    func slice(from offset: Int64, maxBytes: Int, minOneBatch: Bool, buffer: ScanBuffer, logger: Logger) throws -> Slice {
        try loadIndexesIfNeeded(buffer: buffer, logger: logger)
        let start = offsetIndex.floor(relativeOffset: relative(offset)).position
        var walker = BatchWalker(fd: try readDescriptor(), path: logPath, from: start, end: sizeBytes, buffer: buffer)
        var first: (header: BatchHeader, position: Int)?
        while case .batch(let header, let position) = try walker.next() {
            if header.lastOffset >= offset {
                first = (header, position)
                break
            }
        }
        guard let (header, position) = first else { return .notHere }
        if header.totalBytes > maxBytes {
            return minOneBatch
                ? .range(position: position, length: header.totalBytes, nextOffset: header.nextOffset)
                : .firstBatchTooLarge
        }
        let remaining = sizeBytes - position
        if maxBytes >= remaining { return .range(position: position, length: remaining, nextOffset: nextOffset) }
        let limit = position + maxBytes
        // Index entries are batch boundaries: jump to the last one within the limit and walk only from there.
        var cursor = position + header.totalBytes
        var cursorOffset = header.nextOffset
        if let boundary = offsetIndex.floor(position: limit), boundary.position > cursor {
            cursor = boundary.position
            cursorOffset = baseOffset + Int64(boundary.relativeOffset)
        }
        walker.seek(to: cursor)
        while case .batch(let next, let at) = try walker.next(), at + next.totalBytes <= limit {
            cursor = at + next.totalBytes
            cursorOffset = next.nextOffset
        }
        return .range(position: position, length: cursor - position, nextOffset: cursorOffset)
    }

    /// The first batch at or after `minOffset` whose maxTimestamp >= `timestamp`.
    func firstBatch(atOrAfter timestamp: Int64, minOffset: Int64, buffer: ScanBuffer, logger: Logger) throws -> BatchHeader? {
        try loadIndexesIfNeeded(buffer: buffer, logger: logger)
        guard let newest = newestTimestamp, newest >= timestamp else { return nil }
        let fromRelative = max(timeIndex.searchStart(forTimestamp: timestamp), relative(minOffset))
        let start = offsetIndex.floor(relativeOffset: fromRelative).position
        var walker = BatchWalker(fd: try readDescriptor(), path: logPath, from: start, end: sizeBytes, buffer: buffer)
        while case .batch(let header, _) = try walker.next() {
            if header.lastOffset >= minOffset && header.maxTimestamp >= timestamp { return header }
        }
        return nil
    }

    /// The idempotent-producer batches whose base offset is >= `offset`, oldest first: only their headers are read.
    func producerBatches(from offset: Int64, buffer: ScanBuffer, logger: Logger) throws -> [ProducerBatch] {
        try loadIndexesIfNeeded(buffer: buffer, logger: logger)
        let start = offsetIndex.floor(relativeOffset: relative(offset)).position
        var walker = BatchWalker(fd: try readDescriptor(), path: logPath, from: start, end: sizeBytes, buffer: buffer)
        var found: [ProducerBatch] = []
        while case .batch(let header, _) = try walker.next() {
            if header.baseOffset >= offset, let batch = header.producerBatch { found.append(batch) }
        }
        return found
    }

    /// The newest batch timestamp (nil when empty); loads an older segment's indexes on first use.
    func largestTimestamp(buffer: ScanBuffer, logger: Logger) throws -> Int64? {
        try loadIndexesIfNeeded(buffer: buffer, logger: logger)
        return newestTimestamp
    }

    /// Copies `length` bytes at `position` of the log file into memory.
    func readBytes(position: Int, length: Int) throws -> ByteBuffer {
        try Posix.preadBuffer(try readDescriptor(), at: position, length: length, logPath)
    }

    /// A descriptor of its own on the log file, for a caller that sends from it after the lock is released.
    func duplicateDescriptor() throws -> CInt {
        try Posix.duplicate(try readDescriptor(), logPath)
    }

    var offsetIndexEntries: Int { offsetIndex.count }
    var timeIndexEntries: Int { timeIndex.count }

    private func relative(_ offset: Int64) -> Int32 {
        Int32(clamping: max(0, offset - baseOffset))
    }

    private func readDescriptor() throws -> CInt {
        if fd < 0 { fd = try Posix.open(logPath, O_RDONLY) }
        return fd
    }

    // MARK: Index files

    /// Loads an older segment's index files, trusting them after a cheap check: the last offset entry must point at
    /// a batch with that offset, and the batches from there must end exactly at the end of the file. The walk also
    /// finds the newest timestamp past the last time entry. Anything else rebuilds both indexes from the log.
    private func loadIndexesIfNeeded(buffer: ScanBuffer, logger: Logger) throws {
        guard !indexesLoaded else { return }
        let expectedNextOffset = nextOffset
        if let offsets = try Posix.readFile(indexPath).flatMap({ OffsetIndex.decode($0, segmentBytes: sizeBytes) }),
           let times = try Posix.readFile(timeIndexPath).flatMap({ TimeIndex.decode($0, offsetSpan: expectedNextOffset - baseOffset) }),
           let tail = try checkTail(offsets: offsets, buffer: buffer),
           sizeBytes == 0 || times.count > 0 {
            offsetIndex = offsets
            timeIndex = times
            persistedOffsetEntries = offsets.count
            persistedTimeEntries = times.count
            newestTimestamp = [times.lastTimestamp, tail.newestTimestamp].compactMap { $0 }.max()
            nextOffset = tail.nextOffset
        } else {
            logger.info("rebuilding index files of a segment", metadata: ["segment": "\(logPath)"])
            let rebuilt = try rebuildIndexes(verifyingCRC: false)
            if let problem = rebuilt.problem {
                // An older segment is trusted, not repaired: serve its valid prefix and leave the file as it is.
                logger.error("older segment is corrupt; serving its valid prefix", metadata: [
                    "segment": "\(logPath)", "position": "\(rebuilt.validBytes)", "reason": "\(problem)",
                ])
            }
            if let entry = cadence.sealingTimeEntry() {
                timeIndex.append(timestamp: entry.timestamp, relativeOffset: Int32(entry.offset - baseOffset))
            }
            try openIndexFilesForWriting(truncate: true)
            try writePendingIndexEntries()
            closeIndexDescriptors()
        }
        if nextOffset != expectedNextOffset {
            logger.warning("segment does not end where the next one begins", metadata: [
                "segment": "\(logPath)", "endOffset": "\(nextOffset)", "nextSegmentBase": "\(expectedNextOffset)",
            ])
        }
        indexesLoaded = true
    }

    /// Walks from the last offset entry to the end; nil when the index and the log disagree.
    private func checkTail(offsets: OffsetIndex, buffer: ScanBuffer) throws -> (nextOffset: Int64, newestTimestamp: Int64?)? {
        let entry = offsets.count > 0
            ? (offsets.relativeOffsets[offsets.count - 1], Int(offsets.positions[offsets.count - 1]))
            : (Int32(0), 0)
        var expected = baseOffset + Int64(entry.0)
        var newest: Int64?
        var walker = BatchWalker(fd: try readDescriptor(), path: logPath, from: entry.1, end: sizeBytes, buffer: buffer)
        while true {
            switch try walker.next() {
            case .batch(let header, _):
                guard header.baseOffset == expected else { return nil }
                expected = header.nextOffset
                newest = max(newest ?? header.maxTimestamp, header.maxTimestamp)
            case .end:
                return (expected, newest)
            case .invalid:
                return nil
            }
        }
    }

    /// Result of walking the whole log to rebuild the indexes.
    private struct Rebuilt {
        var validBytes: Int
        var problem: String?
        var firstBatchTimestamp: Int64?
    }

    /// Walks every batch from the start, rebuilding the indexes in memory; stops at the first batch that is
    /// malformed, out of offset order or (when verifying) fails its CRC, and limits the segment to what came before.
    private func rebuildIndexes(verifyingCRC: Bool) throws -> Rebuilt {
        // A whole-segment walk reads ahead 1 MiB at a time; its buffer is freed afterwards rather than kept by the log.
        let readAheadBytes = min(1 << 20, max(sizeBytes, 4096))
        let buffer = ScanBuffer(capacity: readAheadBytes)
        offsetIndex = OffsetIndex()
        timeIndex = TimeIndex()
        cadence = IndexCadence()
        persistedOffsetEntries = 0
        persistedTimeEntries = 0
        newestTimestamp = nil
        var expected = baseOffset
        var result = Rebuilt(validBytes: 0)
        var walker = BatchWalker(fd: try readDescriptor(), path: logPath, from: 0, end: sizeBytes, buffer: buffer,
                                 readAheadBytes: readAheadBytes)
        walk: while true {
            switch try walker.next(verifyingCRC: verifyingCRC) {
            case .batch(let header, let position):
                guard header.baseOffset == expected else {
                    result.problem = "batch base offset \(header.baseOffset), expected \(expected)"
                    break walk
                }
                guard header.lastOffset - baseOffset <= Int64(Int32.max) else {
                    result.problem = "batch last offset \(header.lastOffset) too far beyond the segment base"
                    break walk
                }
                if result.firstBatchTimestamp == nil { result.firstBatchTimestamp = header.maxTimestamp }
                addIndexEntries(baseOffset: header.baseOffset, maxTimestamp: header.maxTimestamp, position: position,
                                batchBytes: header.totalBytes, indexIntervalBytes: indexIntervalBytes)
                expected = header.nextOffset
                result.validBytes = position + header.totalBytes
            case .end:
                break walk
            case .invalid(_, let reason):
                result.problem = reason
                break walk
            }
        }
        sizeBytes = result.validBytes
        nextOffset = expected
        return result
    }

    private func openIndexFilesForWriting(truncate: Bool) throws {
        let flags = O_WRONLY | O_CREAT | (truncate ? O_TRUNC : 0)
        if indexFd < 0 { indexFd = try Posix.open(indexPath, flags) }
        if timeIndexFd < 0 { timeIndexFd = try Posix.open(timeIndexPath, flags) }
    }

    /// Appends the index entries not yet in the files.
    private func writePendingIndexEntries() throws {
        guard indexFd >= 0, timeIndexFd >= 0 else { return }
        if persistedOffsetEntries < offsetIndex.count {
            let bytes = offsetIndex.encode(from: persistedOffsetEntries)
            try bytes.withUnsafeBytes {
                try Posix.pwriteAll(indexFd, $0, at: persistedOffsetEntries * OffsetIndex.entryBytes, indexPath)
            }
            persistedOffsetEntries = offsetIndex.count
        }
        if persistedTimeEntries < timeIndex.count {
            let bytes = timeIndex.encode(from: persistedTimeEntries)
            try bytes.withUnsafeBytes {
                try Posix.pwriteAll(timeIndexFd, $0, at: persistedTimeEntries * TimeIndex.entryBytes, timeIndexPath)
            }
            persistedTimeEntries = timeIndex.count
        }
    }

    private func closeIndexDescriptors() {
        if indexFd >= 0 { Posix.close(indexFd); indexFd = -1 }
        if timeIndexFd >= 0 { Posix.close(timeIndexFd); timeIndexFd = -1 }
    }

    private func closeDescriptors() {
        closeIndexDescriptors()
        if fd >= 0 { Posix.close(fd); fd = -1 }
    }
}
