import NIOCore
import XCTest

@testable import KairosStorage

/// The storage contract, run against every engine: `SegmentedLog` (in a temporary directory) and `MemoryLog`.
final class LogContractTests: XCTestCase {
    private var directories: [String] = []
    private var logs: [LogStore] = []

    override func tearDown() {
        for log in logs { try? log.close() }
        for directory in directories { removeTree(directory) }
        logs = []
        directories = []
        super.tearDown()
    }

    /// Runs `body` once per engine, each with a fresh log of `config`.
    private func forEachEngine(_ config: LogConfig, now: Int64 = 0,
                               _ body: (_ engine: String, _ log: LogStore) throws -> Void) throws {
        let segmented: () throws -> LogStore = {
            let directory = makeTemporaryDirectory()
            self.directories.append(directory)
            return try SegmentedLog(directory: directory + "/t-0", config: config, now: now, logger: testLogger())
        }
        let memory: () throws -> LogStore = { MemoryLog(config: config) }
        for (engine, make) in [("SegmentedLog", segmented), ("MemoryLog", memory)] {
            let log = try make()
            logs.append(log)
            try body(engine, log)
        }
    }

    private func segmentBases(_ log: LogStore) -> [Int64] {
        if let log = log as? SegmentedLog { return log.segmentBaseOffsets }
        if let log = log as? MemoryLog { return log.segmentBaseOffsets }
        XCTFail("unknown engine")
        return []
    }

    /// Appends `batches` at `now` and returns what the log should then hold.
    @discardableResult
    private func append(_ batches: [TestBatch], to log: LogStore, now: Int64 = 0) throws -> [ExpectedBatch] {
        try batches.map { batch in
            let result = try log.append(batch.bytes, info: batch.info, now: now)
            XCTAssertEqual(result.lastOffset - result.baseOffset, Int64(batch.info.lastOffsetDelta))
            return ExpectedBatch(baseOffset: result.baseOffset, lastOffset: result.lastOffset,
                                 maxTimestamp: batch.info.maxTimestamp, bytes: batch.stored(at: result.baseOffset))
        }
    }

    /// Reads everything from `offset` to the end, read after read, checking each read holds whole batches.
    private func readAll(_ log: LogStore, from offset: Int64, maxBytes: Int = 1 << 20) throws -> [[UInt8]] {
        var batches: [[UInt8]] = []
        var next = offset
        while next < log.logEndOffset {
            let result = try log.read(from: next, maxBytes: maxBytes, minOneBatch: true)
            let bytes = try bytesOf(result.data)
            let split = splitBatches(bytes)
            XCTAssertFalse(split.isEmpty, "a read below the log end returned nothing")
            XCTAssertEqual(split.reduce(0) { $0 + $1.bytes.count }, bytes.count, "a read returned a partial batch")
            guard let last = split.last else { break }
            batches += split.map(\.bytes)
            let lastOffsetDelta = last.bytes[23..<27].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            next = last.baseOffset + lastOffsetDelta + 1
            XCTAssertEqual(result.nextOffset, next, "nextOffset should follow the last batch read")
        }
        return batches
    }

    private func randomBatches(_ count: Int, seed: UInt64, timestampStart: Int64 = 1_000) -> [TestBatch] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { i in
            TestBatch(recordCount: Int32.random(in: 1...5, using: &generator),
                      payloadBytes: Int.random(in: 0...300, using: &generator),
                      maxTimestamp: timestampStart + Int64(i) * 10, seed: UInt64(i) &+ seed)
        }
    }

    // MARK: Append and read

    func testAppendAssignsContiguousOffsetsAndReadsBackTheSameBytes() throws {
        var config = LogConfig()
        config.segmentBytes = 4096
        config.indexIntervalBytes = 256
        try forEachEngine(config) { engine, log in
            let expected = try append(randomBatches(300, seed: 7), to: log)
            var next: Int64 = 0
            for batch in expected {
                XCTAssertEqual(batch.baseOffset, next, engine)
                next = batch.lastOffset + 1
            }
            XCTAssertEqual(log.logEndOffset, next, engine)
            XCTAssertEqual(log.logStartOffset, 0, engine)
            XCTAssertEqual(log.sizeBytes, Int64(expected.reduce(0) { $0 + $1.bytes.count }), engine)
            XCTAssertGreaterThan(segmentBases(log).count, 5, "\(engine) should have rolled by size")

            XCTAssertEqual(try readAll(log, from: 0), expected.map(\.bytes), engine)
            XCTAssertEqual(try readAll(log, from: 0, maxBytes: 700), expected.map(\.bytes), engine)
            // A read at any offset starts with the batch that contains it.
            for batch in expected.enumerated().filter({ $0.offset % 7 == 0 }).map(\.element) {
                for offset in [batch.baseOffset, batch.lastOffset] {
                    let first = splitBatches(try bytesOf(try log.read(from: offset, maxBytes: 1, minOneBatch: true).data))
                    XCTAssertEqual(first.map(\.bytes), [batch.bytes], "\(engine) read at \(offset)")
                }
            }
        }
    }

    func testMaxBytesReturnsWholeBatchesAndMinOneBatchReturnsALargeFirstBatch() throws {
        try forEachEngine(LogConfig()) { engine, log in
            let batches = (0..<6).map { TestBatch(payloadBytes: 139, seed: UInt64($0)) }   // 200 bytes each
            let expected = try append(batches, to: log)
            XCTAssertEqual(batches[0].totalBytes, 200)

            let two = try log.read(from: 0, maxBytes: 599, minOneBatch: false)
            XCTAssertEqual(try bytesOf(two.data), Array(expected[0..<2].map(\.bytes).joined()), engine)
            let three = try log.read(from: 1, maxBytes: 600, minOneBatch: false)
            XCTAssertEqual(try bytesOf(three.data), Array(expected[1..<4].map(\.bytes).joined()), engine)

            XCTAssertEqual(two.nextOffset, 2, engine)
            XCTAssertEqual(three.nextOffset, 4, engine)
            let tooSmall = try log.read(from: 2, maxBytes: 199, minOneBatch: false)
            XCTAssertEqual(tooSmall.data.length, 0, engine)
            XCTAssertEqual(tooSmall.nextOffset, 2, engine)
            let forced = try log.read(from: 2, maxBytes: 199, minOneBatch: true)
            XCTAssertEqual(try bytesOf(forced.data), expected[2].bytes, engine)
            let zero = try log.read(from: 2, maxBytes: 0, minOneBatch: true)
            XCTAssertEqual(try bytesOf(zero.data), expected[2].bytes, engine)

            let rest = try log.read(from: 3, maxBytes: Int.max, minOneBatch: false)
            XCTAssertEqual(try bytesOf(rest.data), Array(expected[3...].map(\.bytes).joined()), engine)
            XCTAssertEqual(rest.logStartOffset, 0, engine)
            XCTAssertEqual(rest.logEndOffset, 6, engine)
            XCTAssertEqual(rest.nextOffset, 6, engine)
        }
    }

    func testReadAtLogEndIsEmptyAndOutsideTheLogThrows() throws {
        try forEachEngine(LogConfig()) { engine, log in
            XCTAssertEqual(try log.read(from: 0, maxBytes: 100, minOneBatch: true).data.length, 0, engine)
            XCTAssertThrowsError(try log.read(from: 1, maxBytes: 100, minOneBatch: true)) {
                XCTAssertEqual($0 as? StorageError, .offsetOutOfRange, engine)
            }
            try append([TestBatch(recordCount: 3)], to: log)
            let atEnd = try log.read(from: 3, maxBytes: 100, minOneBatch: true)
            XCTAssertEqual(atEnd.data.length, 0, engine)
            XCTAssertEqual(atEnd.logEndOffset, 3, engine)
            XCTAssertThrowsError(try log.read(from: 4, maxBytes: 100, minOneBatch: true)) {
                XCTAssertTrue(($0 as? StorageError)?.isOffsetOutOfRange ?? false, engine)
            }
            XCTAssertThrowsError(try log.read(from: -1, maxBytes: 100, minOneBatch: true)) {
                XCTAssertEqual($0 as? StorageError, .offsetOutOfRange, engine)
            }
        }
    }

    func testAppendRejectsBytesThatAreNotABatch() throws {
        try forEachEngine(LogConfig()) { engine, log in
            var short = ByteBufferAllocator().buffer(capacity: 10)
            short.writeBytes([UInt8](repeating: 0, count: 10))
            XCTAssertThrowsError(try log.append(short, info: BatchInfo(recordCount: 1, lastOffsetDelta: 0, maxTimestamp: 0), now: 0)) {
                XCTAssertTrue(($0 as? StorageError)?.isInvalidBatch ?? false, engine)
            }
            var lying = TestBatch().bytes
            lying.writeInteger(UInt8(0))   // one byte more than batchLength says
            XCTAssertThrowsError(try log.append(lying, info: TestBatch().info, now: 0)) {
                XCTAssertTrue(($0 as? StorageError)?.isInvalidBatch ?? false, engine)
            }
            XCTAssertEqual(log.logEndOffset, 0, engine)
            XCTAssertEqual(log.sizeBytes, 0, engine)
        }
    }

    func testClosedLogRefusesWork() throws {
        try forEachEngine(LogConfig()) { engine, log in
            try append([TestBatch()], to: log)
            try log.close()
            XCTAssertThrowsError(try log.append(TestBatch().bytes, info: TestBatch().info, now: 0)) {
                XCTAssertEqual($0 as? StorageError, .closed, engine)
            }
            XCTAssertThrowsError(try log.read(from: 0, maxBytes: 100, minOneBatch: true)) {
                XCTAssertTrue(($0 as? StorageError)?.isClosed ?? false, engine)
            }
        }
    }

    // MARK: Time

    func testOffsetForTimestampFindsTheFirstBatchReachingIt() throws {
        var config = LogConfig()
        config.segmentBytes = 2048
        config.indexIntervalBytes = 128
        var generator = SplitMix64(seed: 99)
        // Timestamps mostly rise but jitter back, as producer clocks do.
        let batches = (0..<200).map { i in
            TestBatch(recordCount: 2, payloadBytes: 50, maxTimestamp: Int64(i * 10) + Int64.random(in: -30...30, using: &generator),
                      seed: UInt64(i))
        }
        try forEachEngine(config) { engine, log in
            let expected = try append(batches, to: log)
            for probe in stride(from: Int64(-100), through: 2_100, by: 7) {
                let want = expected.first { $0.maxTimestamp >= probe }.map { ($0.baseOffset, $0.maxTimestamp) }
                let got = try log.offset(forTimestamp: probe)
                XCTAssertEqual(got?.offset, want?.0, "\(engine) probe \(probe)")
                XCTAssertEqual(got?.timestamp, want?.1, "\(engine) probe \(probe)")
            }
            // Batches below the log start are skipped; a batch holding the start answers with the start.
            try log.truncatePrefix(to: 101)
            let got = try log.offset(forTimestamp: -100)
            XCTAssertEqual(got?.offset, 101, engine)
            XCTAssertEqual(got?.timestamp, expected.first { $0.lastOffset >= 101 }?.maxTimestamp, engine)
        }
    }

    func testLargestTimestampSpansSegmentsAndSkipsThoseBeforeTheStart() throws {
        var config = LogConfig()
        config.segmentBytes = 1024
        // The largest timestamp sits early (offsets 6-7), so a log start past its segment changes the answer.
        let stamps: [Int64] = [100, 200, 300, 9_000, 400] + (0..<40).map { 500 + Int64($0) * 10 }
        let batches = stamps.enumerated().map { TestBatch(recordCount: 2, payloadBytes: 50, maxTimestamp: $1, seed: UInt64($0)) }
        try forEachEngine(config) { engine, log in
            XCTAssertNil(try log.largestTimestamp(), engine)
            let expected = try append(batches, to: log)
            XCTAssertGreaterThan(segmentBases(log).count, 2, engine)
            XCTAssertEqual(try log.largestTimestamp(), 9_000, engine)
            let secondSegment = segmentBases(log)[1]
            try log.truncatePrefix(to: secondSegment)
            let kept = expected.filter { $0.lastOffset >= secondSegment }.map(\.maxTimestamp).max()
            XCTAssertEqual(try log.largestTimestamp(), kept, engine)
            XCTAssertLessThan(kept ?? .max, 9_000, engine)
        }
    }

    func testRollBySize() throws {
        var config = LogConfig()
        config.segmentBytes = 600
        try forEachEngine(config) { engine, log in
            try append((0..<10).map { TestBatch(recordCount: 2, payloadBytes: 139, seed: UInt64($0)) }, to: log)   // 200 bytes
            XCTAssertEqual(segmentBases(log), [0, 6, 12, 18], engine)
            // A batch larger than a whole segment still goes in, alone.
            try append([TestBatch(payloadBytes: 1000)], to: log)
            try append([TestBatch(payloadBytes: 10)], to: log)
            XCTAssertEqual(segmentBases(log), [0, 6, 12, 18, 20, 21], engine)
        }
    }

    func testRollByTime() throws {
        var config = LogConfig()
        config.segmentMs = 100
        try forEachEngine(config) { engine, log in
            try append([TestBatch()], to: log, now: 1_000)
            try append([TestBatch()], to: log, now: 1_100)
            XCTAssertEqual(segmentBases(log), [0], engine)
            try append([TestBatch()], to: log, now: 1_101)
            XCTAssertEqual(segmentBases(log), [0, 2], engine)
            // applyRetention rolls an old active segment even without appends.
            XCTAssertEqual(try log.applyRetention(now: 1_150), 0, engine)
            XCTAssertEqual(segmentBases(log), [0, 2], engine)
            XCTAssertEqual(try log.applyRetention(now: 1_202), 0, engine)
            XCTAssertEqual(segmentBases(log), [0, 2, 3], engine)
            // An empty active segment never rolls.
            XCTAssertEqual(try log.applyRetention(now: 9_999), 0, engine)
            XCTAssertEqual(segmentBases(log), [0, 2, 3], engine)
        }
    }

    func testRollWhenTheIndexIsFull() throws {
        var config = LogConfig()
        config.indexIntervalBytes = 0        // every batch after the first gets an offset entry
        config.segmentIndexBytes = 24        // 3 offset entries, 2 time entries
        try forEachEngine(config) { engine, log in
            try append((0..<10).map { _ in TestBatch(maxTimestamp: 5) }, to: log)
            XCTAssertEqual(segmentBases(log), [0, 4, 8], engine)
        }
    }

    // MARK: Retention

    func testRetentionByBytesDeletesWholeOldSegmentsOnly() throws {
        var config = LogConfig()
        config.segmentBytes = 1000           // 5 batches of 200 bytes
        config.retentionBytes = 2_500
        try forEachEngine(config) { engine, log in
            let expected = try append((0..<23).map { TestBatch(payloadBytes: 139, seed: UInt64($0)) }, to: log)
            XCTAssertEqual(segmentBases(log), [0, 5, 10, 15, 20], engine)
            XCTAssertEqual(log.sizeBytes, 4_600, engine)
            // 4600 - 2500 = 2100 bytes too many: two whole 1000-byte segments can go, a third would undershoot.
            XCTAssertEqual(try log.applyRetention(now: 0), 2, engine)
            XCTAssertEqual(segmentBases(log), [10, 15, 20], engine)
            XCTAssertEqual(log.logStartOffset, 10, engine)
            XCTAssertEqual(log.sizeBytes, 2_600, engine)
            XCTAssertThrowsError(try log.read(from: 9, maxBytes: 100, minOneBatch: true)) {
                XCTAssertEqual($0 as? StorageError, .offsetOutOfRange, engine)
            }
            XCTAssertEqual(try readAll(log, from: 10), expected[10...].map(\.bytes), engine)
            XCTAssertEqual(try log.applyRetention(now: 0), 0, engine)
        }
    }

    func testRetentionByTimeUsesTheNewestTimestampAndKeepsTheActiveSegment() throws {
        var config = LogConfig()
        config.segmentBytes = 600            // 3 batches of 200 bytes
        config.retentionMs = 1_000
        try forEachEngine(config) { engine, log in
            let batches = (0..<8).map { TestBatch(payloadBytes: 139, maxTimestamp: 10_000 + Int64($0) * 100, seed: UInt64($0)) }
            try append(batches, to: log, now: 10_000)
            XCTAssertEqual(segmentBases(log), [0, 3, 6], engine)
            // Segment 0 ends at 10_200, segment 3 at 10_500.
            XCTAssertEqual(try log.applyRetention(now: 11_200), 0, engine)
            XCTAssertEqual(try log.applyRetention(now: 11_201), 1, engine)
            XCTAssertEqual(segmentBases(log), [3, 6], engine)
            XCTAssertEqual(log.logStartOffset, 3, engine)
            XCTAssertEqual(try log.applyRetention(now: 11_501), 1, engine)
            XCTAssertEqual(segmentBases(log), [6], engine)
            // The active segment stays however old it is (segmentMs is 7 days, so no roll).
            XCTAssertEqual(try log.applyRetention(now: 1_000_000), 0, engine)
            XCTAssertEqual(log.logStartOffset, 6, engine)
            XCTAssertEqual(log.logEndOffset, 8, engine)
            XCTAssertEqual(log.sizeBytes, 400, engine)
        }
    }

    func testRetentionDisabledKeepsEverything() throws {
        var config = LogConfig()
        config.segmentBytes = 300
        config.retentionMs = -1
        config.retentionBytes = -1
        try forEachEngine(config) { engine, log in
            try append((0..<6).map { TestBatch(payloadBytes: 139, maxTimestamp: 0, seed: UInt64($0)) }, to: log)
            // The active segment is past segmentMs, so it rolls; nothing is deleted.
            XCTAssertEqual(try log.applyRetention(now: Int64.max), 0, engine)
            XCTAssertEqual(log.logStartOffset, 0, engine)
            XCTAssertEqual(segmentBases(log), [0, 1, 2, 3, 4, 5, 6], engine)
            XCTAssertEqual(log.sizeBytes, 1_200, engine)
        }
    }

    // MARK: Log start

    func testTruncatePrefixMovesTheStartAndDropsSegmentsBelowIt() throws {
        var config = LogConfig()
        config.segmentBytes = 600
        try forEachEngine(config) { engine, log in
            let expected = try append((0..<10).map { TestBatch(recordCount: 2, payloadBytes: 139, seed: UInt64($0)) }, to: log)
            XCTAssertEqual(segmentBases(log), [0, 6, 12, 18], engine)
            try log.truncatePrefix(to: 13)
            XCTAssertEqual(log.logStartOffset, 13, engine)
            XCTAssertEqual(segmentBases(log), [12, 18], engine)
            XCTAssertEqual(log.sizeBytes, 800, engine)
            XCTAssertThrowsError(try log.read(from: 12, maxBytes: 100, minOneBatch: true)) {
                XCTAssertEqual($0 as? StorageError, .offsetOutOfRange, engine)
            }
            // The start is inside batch 12-13: reading there returns that whole batch.
            let first = splitBatches(try bytesOf(try log.read(from: 13, maxBytes: 1, minOneBatch: true).data))
            XCTAssertEqual(first.map(\.bytes), [expected[6].bytes], engine)
            // Moving backwards is a no-op; past the end is an error.
            try log.truncatePrefix(to: 2)
            XCTAssertEqual(log.logStartOffset, 13, engine)
            XCTAssertThrowsError(try log.truncatePrefix(to: 21)) {
                XCTAssertEqual($0 as? StorageError, .offsetOutOfRange, engine)
            }
            // Up to the end: the active segment stays, reads at the end are empty.
            try log.truncatePrefix(to: 20)
            XCTAssertEqual(segmentBases(log), [18], engine)
            XCTAssertEqual(log.logStartOffset, 20, engine)
            XCTAssertEqual(try log.read(from: 20, maxBytes: 100, minOneBatch: true).data.length, 0, engine)
            XCTAssertEqual(try log.append(TestBatch().bytes, info: TestBatch().info, now: 0).baseOffset, 20, engine)
        }
    }
}
