import Dispatch
import NIOCore
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import KairosStorage

/// What only the file engine has: restart, crash recovery, index files, file handles, the log start checkpoint.
final class SegmentedLogTests: XCTestCase {
    private var root = ""
    private var opened: [SegmentedLog] = []

    override func setUp() {
        super.setUp()
        root = makeTemporaryDirectory()
    }

    override func tearDown() {
        for log in opened { try? log.close() }
        opened = []
        removeTree(root)
        super.tearDown()
    }

    private func open(_ directory: String, _ config: LogConfig, now: Int64 = 0) throws -> SegmentedLog {
        let log = try SegmentedLog(directory: directory, config: config, now: now, logger: testLogger())
        opened.append(log)
        return log
    }

    private var smallSegments: LogConfig {
        var config = LogConfig()
        config.segmentBytes = 2_000
        config.indexIntervalBytes = 200
        return config
    }

    @discardableResult
    private func append(_ batches: [TestBatch], to log: LogStore, now: Int64 = 0) throws -> [ExpectedBatch] {
        try batches.map { batch in
            let result = try log.append(batch.bytes, info: batch.info, now: now)
            return ExpectedBatch(baseOffset: result.baseOffset, lastOffset: result.lastOffset,
                                 maxTimestamp: batch.info.maxTimestamp, bytes: batch.stored(at: result.baseOffset))
        }
    }

    private func batches(_ count: Int, seed: UInt64, payloadBytes: ClosedRange<Int> = 0...200) -> [TestBatch] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { i in
            TestBatch(recordCount: Int32.random(in: 1...4, using: &generator),
                      payloadBytes: Int.random(in: payloadBytes, using: &generator),
                      maxTimestamp: 5_000 + Int64(i) * 3 + Int64.random(in: 0...20, using: &generator), seed: seed &+ UInt64(i))
        }
    }

    /// Every batch from the log start on, read with small reads so every segment and index is exercised.
    private func contents(_ log: LogStore) throws -> [[UInt8]] {
        var all: [[UInt8]] = []
        var next = log.logStartOffset
        while next < log.logEndOffset {
            let split = splitBatches(try bytesOf(try log.read(from: next, maxBytes: 500, minOneBatch: true).data))
            guard let last = split.last else {
                XCTFail("empty read at \(next) below the log end \(log.logEndOffset)")
                break
            }
            all += split.map(\.bytes)
            next = last.baseOffset + last.bytes[23..<27].reduce(Int64(0)) { $0 << 8 | Int64($1) } + 1
        }
        return all
    }

    private func fileBytes(_ path: String) throws -> [UInt8]? {
        try Posix.readFile(path)
    }

    private func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = try Posix.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        defer { Posix.close(fd) }
        try bytes.withUnsafeBytes { try Posix.pwriteAll(fd, $0, at: 0, path) }
    }

    private func segmentPath(_ directory: String, _ base: Int64, _ suffix: String) -> String {
        SegmentFiles.path(directory, base, suffix)
    }

    /// Copies a partition directory as it is right now: what a kill -9 leaves behind (the page cache survives).
    private func snapshot(_ directory: String) throws -> String {
        let copy = root + "/snapshot-\(opened.count)"
        try Posix.makeDirectories(copy)
        for name in try Posix.listDirectory(directory) {
            try writeFile(copy + "/" + name, try fileBytes(directory + "/" + name) ?? [])
        }
        return copy
    }

    // MARK: Restart

    func testReopenGivesTheSameDataAndContinuesAppending() throws {
        let directory = root + "/orders-0"
        let log = try open(directory, smallSegments)
        let expected = try append(batches(150, seed: 3), to: log)
        let bases = log.segmentBaseOffsets
        XCTAssertGreaterThan(bases.count, 4)
        let endOffset = log.logEndOffset
        let size = log.sizeBytes
        try log.close()

        let reopened = try open(directory, smallSegments)
        XCTAssertEqual(reopened.logEndOffset, endOffset)
        XCTAssertEqual(reopened.logStartOffset, 0)
        XCTAssertEqual(reopened.sizeBytes, size)
        XCTAssertEqual(reopened.segmentBaseOffsets, bases)
        XCTAssertEqual(try contents(reopened), expected.map(\.bytes))
        for probe in stride(from: Int64(4_990), through: 5_500, by: 13) {
            XCTAssertEqual(try reopened.offset(forTimestamp: probe)?.offset,
                           expected.first { $0.maxTimestamp >= probe }?.baseOffset, "probe \(probe)")
        }
        let more = try append([TestBatch(recordCount: 3)], to: reopened)
        XCTAssertEqual(more[0].baseOffset, endOffset)
        XCTAssertEqual(reopened.logEndOffset, endOffset + 3)
    }

    func testReopenAfterACrashWithoutCloseKeepsEverythingWritten() throws {
        let directory = root + "/orders-0"
        let log = try open(directory, smallSegments)
        let expected = try append(batches(80, seed: 11), to: log)
        let crashed = try snapshot(directory)          // index entries of the active segment were never written
        let recovered = try open(crashed, smallSegments)
        XCTAssertEqual(recovered.logEndOffset, log.logEndOffset)
        XCTAssertEqual(recovered.segmentBaseOffsets, log.segmentBaseOffsets)
        XCTAssertEqual(try contents(recovered), expected.map(\.bytes))
    }

    func testEmptyLogReopensEmpty() throws {
        let directory = root + "/nested/dirs/t-0"
        try open(directory, LogConfig()).close()
        let log = try open(directory, LogConfig())
        XCTAssertEqual(log.logEndOffset, 0)
        XCTAssertEqual(log.sizeBytes, 0)
        XCTAssertEqual(log.segmentBaseOffsets, [0])
    }

    // MARK: Torn tails

    /// Writes a log, damages the active segment's file with `damage`, reopens, and checks that exactly the batches
    /// before `firstLost` survive and appends continue right after them.
    private func checkRecovery(firstLost: (_ expected: [ExpectedBatch], _ activeBase: Int64) -> Int,
                               damage: (_ path: String, _ bytes: inout [UInt8], _ positionOf: (Int) -> Int) -> Void,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let directory = root + "/t-\(opened.count)"
        let log = try open(directory, smallSegments)
        let expected = try append(batches(60, seed: 5), to: log)
        let activeBase = log.segmentBaseOffsets.last!
        try log.close()

        let path = segmentPath(directory, activeBase, ".log")
        var bytes = try XCTUnwrap(try fileBytes(path))
        let firstInActive = expected.firstIndex { $0.baseOffset == activeBase }!
        let positionOf: (Int) -> Int = { index in expected[firstInActive..<index].reduce(0) { $0 + $1.bytes.count } }
        let lost = firstLost(expected, activeBase)
        damage(path, &bytes, positionOf)
        try writeFile(path, bytes)

        XCTAssertGreaterThan(lost, firstInActive, "the test should keep part of the active segment", file: file, line: line)
        let kept = Array(expected[..<lost])
        let reopened = try open(directory, smallSegments)
        let endOffset = kept.last.map { $0.lastOffset + 1 } ?? 0
        XCTAssertEqual(reopened.logEndOffset, endOffset, file: file, line: line)
        XCTAssertEqual(try contents(reopened), kept.map(\.bytes), file: file, line: line)
        XCTAssertEqual(try Posix.fileSize(atPath: path), positionOf(lost), "torn tail not truncated", file: file, line: line)
        let next = try append([TestBatch(recordCount: 2, seed: 77)], to: reopened)
        XCTAssertEqual(next[0].baseOffset, endOffset, file: file, line: line)
        XCTAssertEqual(try contents(reopened), kept.map(\.bytes) + next.map(\.bytes), file: file, line: line)
    }

    func testRecoveryTruncatesABatchCutInTheMiddle() throws {
        try checkRecovery(firstLost: { expected, _ in expected.count - 1 }) { _, bytes, _ in
            bytes.removeLast(17)
        }
    }

    func testRecoveryTruncatesGarbageAfterTheLastBatch() throws {
        try checkRecovery(firstLost: { expected, _ in expected.count }) { _, bytes, _ in
            var generator = SplitMix64(seed: 1)
            bytes += (0..<100).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        // Garbage shorter than a header, and zeros (a preallocated or torn page) are dropped too.
        try checkRecovery(firstLost: { expected, _ in expected.count }) { _, bytes, _ in bytes += [1, 2, 3] }
        try checkRecovery(firstLost: { expected, _ in expected.count }) { _, bytes, _ in
            bytes += [UInt8](repeating: 0, count: 4096)
        }
    }

    func testRecoveryTruncatesFromABatchWhoseCRCFails() throws {
        // The last batch.
        try checkRecovery(firstLost: { expected, _ in expected.count - 1 }) { _, bytes, _ in
            bytes[bytes.count - 1] ^= 0x40
        }
        // A batch in the middle of the active segment: everything from it on goes, offsets stay contiguous.
        var middle = 0
        try checkRecovery(firstLost: { expected, activeBase in
            let first = expected.firstIndex { $0.baseOffset == activeBase }!
            middle = first + (expected.count - first) / 2
            return middle
        }) { _, bytes, positionOf in
            bytes[positionOf(middle) + 30] ^= 0x01     // inside the CRC-covered header fields
        }
    }

    func testRecoveryRejectsABatchWithAWrongMagic() throws {
        try checkRecovery(firstLost: { expected, _ in expected.count - 2 }) { _, bytes, positionOf in
            bytes[positionOf(58) + 16] = 1
        }
    }

    // MARK: Index files

    func testMissingOrCorruptIndexFilesAreRebuiltIdentically() throws {
        let directory = root + "/t-0"
        var config = smallSegments
        config.indexIntervalBytes = 100
        let log = try open(directory, config)
        let expected = try append(batches(200, seed: 21), to: log)
        let bases = log.segmentBaseOffsets
        XCTAssertGreaterThan(bases.count, 6)
        try log.close()

        var originals: [String: [UInt8]] = [:]
        for base in bases { for suffix in [".index", ".timeindex"] {
            let path = segmentPath(directory, base, suffix)
            originals[path] = try XCTUnwrap(try fileBytes(path))
        } }
        XCTAssertFalse(originals[segmentPath(directory, bases[0], ".index")]!.isEmpty)
        XCTAssertFalse(originals[segmentPath(directory, bases[0], ".timeindex")]!.isEmpty)

        try Posix.unlinkIfPresent(segmentPath(directory, bases[0], ".index"))           // missing
        try Posix.unlinkIfPresent(segmentPath(directory, bases[1], ".timeindex"))       // missing
        try writeFile(segmentPath(directory, bases[2], ".index"), [1, 2, 3])            // not whole entries
        var shifted = originals[segmentPath(directory, bases[3], ".index")]!            // positions off by 3 bytes
        shifted[shifted.count - 1] &+= 3
        try writeFile(segmentPath(directory, bases[3], ".index"), shifted)
        try writeFile(segmentPath(directory, bases[4], ".timeindex"), [])              // emptied
        try writeFile(segmentPath(directory, bases[5], ".index"),                       // out of order
                      Array(originals[segmentPath(directory, bases[5], ".index")]!.reversed()))
        let activeIndex = segmentPath(directory, bases.last!, ".index")
        try writeFile(activeIndex, [9, 9, 9, 9, 9, 9, 9, 9])                             // the active one is rebuilt anyway

        let reopened = try open(directory, config)
        XCTAssertEqual(try contents(reopened), expected.map(\.bytes))
        for probe in stride(from: Int64(4_990), through: 5_700, by: 11) {
            XCTAssertEqual(try reopened.offset(forTimestamp: probe)?.offset,
                           expected.first { $0.maxTimestamp >= probe }?.baseOffset, "probe \(probe)")
        }
        XCTAssertEqual(try reopened.applyRetention(now: 0), 0)
        try reopened.close()
        for (path, bytes) in originals {
            XCTAssertEqual(try fileBytes(path), bytes, "\(path) not rebuilt to the same entries")
        }
    }

    // MARK: Reads

    func testSmallReadsComeAsBytesAndLargeOnesAsFileRanges() throws {
        var config = LogConfig()
        config.inlineReadMaxBytes = 2_000
        let log = try open(root + "/t-0", config)
        let expected = try append(batches(40, seed: 9), to: log)
        let small = try log.read(from: 0, maxBytes: 1_000, minOneBatch: true)
        guard case .bytes = small.data else { return XCTFail("a read under inlineReadMaxBytes should be copied") }
        let large = try log.read(from: 0, maxBytes: 1 << 20, minOneBatch: true)
        guard case .file = large.data else { return XCTFail("a read over inlineReadMaxBytes should be a file range") }
        for read in [small, large] {
            let bytes = try bytesOf(read.data)
            let got = splitBatches(bytes).map(\.bytes)
            XCTAssertEqual(got, Array(expected.prefix(got.count).map(\.bytes)))
        }
        try log.close()
    }

    func testAFileReadSurvivesTheDeletionOfItsSegment() throws {
        var config = smallSegments
        config.retentionBytes = 0
        config.inlineReadMaxBytes = 0
        let log = try open(root + "/t-0", config)
        let expected = try append(batches(40, seed: 8), to: log)
        let read = try log.read(from: 0, maxBytes: 1_000, minOneBatch: true)
        guard case .file = read.data else { return XCTFail("the file engine should answer with a file range") }
        XCTAssertGreaterThan(try log.applyRetention(now: 0), 0)
        XCTAssertFalse(Posix.isDirectory(root + "/t-0/" + SegmentFiles.stem(baseOffset: 0) + ".log"))
        XCTAssertNil(try Posix.fileSize(atPath: segmentPath(root + "/t-0", 0, ".log")))
        let bytes = try bytesOf(read.data)
        XCTAssertEqual(splitBatches(bytes).map(\.bytes), Array(expected.prefix(splitBatches(bytes).count).map(\.bytes)))
        XCTAssertGreaterThan(bytes.count, 0)
    }

    func testConcurrentAppendsAndReadsKeepOffsetsContiguous() throws {
        let log = try open(root + "/t-0", smallSegments)
        let writers = 4
        let perWriter = 100
        let failures = FailureCount()
        DispatchQueue.concurrentPerform(iterations: writers * 2) { (worker: Int) -> Void in
            do {
                if worker < writers {
                    for i in 0..<perWriter {
                        let batch = TestBatch(recordCount: 2, payloadBytes: 40, seed: UInt64(worker * 1000 + i))
                        _ = try log.append(batch.bytes, info: batch.info, now: 0)
                    }
                } else {
                    for _ in 0..<50 {
                        let end = log.logEndOffset
                        if end > 0 { _ = try bytesOf(try log.read(from: end / 2, maxBytes: 300, minOneBatch: true).data) }
                    }
                }
            } catch {
                failures.add()
            }
        }
        XCTAssertEqual(failures.value, 0)
        XCTAssertEqual(log.logEndOffset, Int64(writers * perWriter * 2))
        let all = try contents(log).map { splitBatches($0)[0].baseOffset }
        XCTAssertEqual(all, (0..<Int64(writers * perWriter)).map { $0 * 2 })
    }

    // MARK: Log start offset

    func testLogStartOffsetSurvivesAReopen() throws {
        let directory = root + "/t-0"
        let log = try open(directory, smallSegments)
        let expected = try append(batches(60, seed: 2), to: log)
        let target = expected[45].baseOffset + 1
        try log.truncatePrefix(to: target)
        let bases = log.segmentBaseOffsets
        try log.close()
        let reopened = try open(directory, smallSegments)
        XCTAssertEqual(reopened.logStartOffset, target)
        XCTAssertEqual(reopened.segmentBaseOffsets, bases)
        XCTAssertThrowsError(try reopened.read(from: target - 1, maxBytes: 100, minOneBatch: true))
        XCTAssertEqual(try contents(reopened), expected[45...].map(\.bytes))
    }

    func testAnEmptyDirectoryWithACheckpointStartsAtIt() throws {
        let directory = root + "/t-0"
        try Posix.makeDirectories(directory)
        try LogStartCheckpoint.write(500, directory: directory)
        let log = try open(directory, LogConfig())
        XCTAssertEqual(log.logStartOffset, 500)
        XCTAssertEqual(log.logEndOffset, 500)
        XCTAssertEqual(try append([TestBatch()], to: log)[0].baseOffset, 500)
        XCTAssertEqual(log.segmentBaseOffsets, [500])
    }

    // MARK: Flushing

    func testFlushSettingsAndExplicitFlushLeaveTheDataReadable() throws {
        var config = smallSegments
        config.flushIntervalMessages = 3
        config.flushIntervalMs = 50
        let directory = root + "/t-0"
        let log = try open(directory, config)
        var expected: [ExpectedBatch] = []
        for i in 0..<30 {
            expected += try append([TestBatch(payloadBytes: 100, seed: UInt64(i))], to: log, now: Int64(i) * 20)
        }
        try log.flush()
        XCTAssertEqual(try contents(log), expected.map(\.bytes))
        try log.close()
        try log.close()   // harmless
        XCTAssertThrowsError(try log.flush()) { XCTAssertEqual($0 as? StorageError, .closed) }
    }
}

/// Counts failures from concurrent workers.
private final class FailureCount: @unchecked Sendable {
    private let lock = StorageLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
