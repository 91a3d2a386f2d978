import NIOCore
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import KairosStorage

/// Producer-state snapshots and the log scan that rebuilds idempotent-producer state after a restart.
final class ProducerStateRecoveryTests: XCTestCase {
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

    private func open(_ config: LogConfig = LogConfig()) throws -> SegmentedLog {
        let log = try SegmentedLog(directory: root + "/p-0", config: config, now: 0, logger: testLogger())
        opened.append(log)
        return log
    }

    /// Appends a batch of `records` records from producer `id` at `sequence`, returning what recovery should report.
    @discardableResult
    private func appendIdempotent(_ log: SegmentedLog, id: Int64, epoch: Int16 = 0, sequence: Int32, records: Int32 = 2)
        throws -> ProducerBatch
    {
        let batch = TestBatch(recordCount: records, producer: (id, epoch, sequence))
        let result = try log.append(batch.bytes, info: batch.info, now: 0)
        return ProducerBatch(producerId: id, epoch: epoch, firstSequence: sequence, lastSequence: sequence + records - 1,
                             baseOffset: result.baseOffset, lastOffset: result.lastOffset)
    }

    private func snapshotFiles() throws -> [String] {
        try Posix.listDirectory(root + "/p-0").filter { $0.hasSuffix(".snapshot") }.sorted()
    }

    func testWithoutASnapshotTheWholeLogIsScannedForProducerBatches() throws {
        let log = try open()
        var expected: [ProducerBatch] = []
        expected.append(try appendIdempotent(log, id: 7, sequence: 0))
        let plain = TestBatch(recordCount: 3)
        _ = try log.append(plain.bytes, info: plain.info, now: 0)  // no producer id: not producer state
        expected.append(try appendIdempotent(log, id: 9, epoch: 2, sequence: 0, records: 1))
        expected.append(try appendIdempotent(log, id: 7, sequence: 2))
        opened.removeAll()  // no clean close: as after kill -9, nothing but the log itself is on disk

        let recovered = try open().recoverProducerState()
        XCTAssertNil(recovered.snapshotOffset)
        XCTAssertEqual(recovered.scannedFrom, 0)
        XCTAssertEqual(recovered.batches, expected)
        XCTAssertEqual(expected.map(\.baseOffset), [0, 5, 6])
    }

    func testRecoveryReadsTheSnapshotAndScansOnlyTheLogAfterIt() throws {
        let log = try open()
        let before = try appendIdempotent(log, id: 1, sequence: 0)
        // The snapshot claims a batch the log does not hold, so the test sees that it was read and not the log.
        let marker = ProducerBatch(producerId: 5, epoch: 3, firstSequence: 40, lastSequence: 41, baseOffset: 0, lastOffset: 1)
        try log.writeProducerSnapshot([marker], upTo: log.logEndOffset)
        let after = try appendIdempotent(log, id: 1, sequence: 2)
        try log.close()

        let recovered = try open().recoverProducerState()
        XCTAssertEqual(recovered.snapshotOffset, 2)
        XCTAssertEqual(recovered.scannedFrom, 2)
        XCTAssertEqual(recovered.batches, [marker, after])
        XCTAssertNotEqual(recovered.batches.first, before)
    }

    func testACorruptSnapshotFallsBackToTheOlderOneOrTheScan() throws {
        let log = try open()
        let first = try appendIdempotent(log, id: 1, sequence: 0)
        try log.writeProducerSnapshot([first], upTo: 2)
        let second = try appendIdempotent(log, id: 1, sequence: 2)
        try log.writeProducerSnapshot([first, second], upTo: 4)
        try log.close()
        try flipByte(in: root + "/p-0/00000000000000000004.snapshot", at: 20)

        var recovered = try open().recoverProducerState()
        XCTAssertEqual(recovered.snapshotOffset, 2, "the newest is damaged: the one before it is used")
        XCTAssertEqual(recovered.batches, [first, second])
        try opened.removeLast().close()

        try flipByte(in: root + "/p-0/00000000000000000002.snapshot", at: 7)
        recovered = try open().recoverProducerState()
        XCTAssertNil(recovered.snapshotOffset, "no usable snapshot: the whole log is scanned")
        XCTAssertEqual(recovered.batches, [first, second])
    }

    func testASnapshotBeyondTheLogEndIsRemoved() throws {
        let log = try open()
        let batch = try appendIdempotent(log, id: 1, sequence: 0)
        // As after a power cut that lost the log's tail but not the (fsynced) snapshot written after it.
        try log.writeProducerSnapshot([batch], upTo: 50)
        let recovered = try log.recoverProducerState()
        XCTAssertNil(recovered.snapshotOffset)
        XCTAssertEqual(recovered.batches, [batch])
        XCTAssertEqual(try snapshotFiles(), [])
    }

    func testOnlyTheNewestTwoSnapshotsAreKept() throws {
        let log = try open()
        for sequence in stride(from: Int32(0), to: 8, by: 2) {
            let batch = try appendIdempotent(log, id: 1, sequence: sequence)
            try log.writeProducerSnapshot([batch], upTo: log.logEndOffset)
        }
        XCTAssertEqual(try snapshotFiles(), ["00000000000000000006.snapshot", "00000000000000000008.snapshot"])
    }

    func testAnAppendThatRollsASegmentSaysSo() throws {
        var config = LogConfig()
        config.segmentBytes = 300
        let log = try open(config)
        var rolls: [Int64] = []
        for i in 0..<10 {
            let batch = TestBatch(recordCount: 1, payloadBytes: 60, seed: UInt64(i))
            let result = try log.append(batch.bytes, info: batch.info, now: 0)
            if result.rolledSegment { rolls.append(result.baseOffset) }
        }
        XCTAssertFalse(rolls.isEmpty)
        XCTAssertEqual(rolls, Array(log.segmentBaseOffsets.dropFirst()), "exactly the appends that started a segment")
    }

    func testTheScanCoversEverySegmentAfterTheSnapshot() throws {
        var config = LogConfig()
        config.segmentBytes = 300
        let log = try open(config)
        var expected: [ProducerBatch] = []
        for sequence in stride(from: Int32(0), to: 30, by: 2) {
            expected.append(try appendIdempotent(log, id: 3, sequence: sequence))
        }
        XCTAssertGreaterThan(log.segmentBaseOffsets.count, 3)
        opened.removeAll()
        let recovered = try open(config).recoverProducerState()
        XCTAssertEqual(recovered.batches, expected)
    }

    func testSnapshotFileRoundTripsAndRefusesDamage() throws {
        let batches = [
            ProducerBatch(producerId: 1, epoch: 0, firstSequence: 0, lastSequence: 4, baseOffset: 10, lastOffset: 14),
            ProducerBatch(producerId: Int64.max, epoch: Int16.max, firstSequence: Int32.max - 1, lastSequence: Int32.max,
                          baseOffset: 15, lastOffset: 16),
        ]
        let bytes = ProducerSnapshotFile.encode(batches, offset: 17)
        let decoded = try ProducerSnapshotFile.decode(bytes)
        XCTAssertEqual(decoded.batches, batches)
        XCTAssertEqual(decoded.offset, 17)
        XCTAssertThrowsError(try ProducerSnapshotFile.decode(Array(bytes.dropLast())))
        XCTAssertThrowsError(try ProducerSnapshotFile.decode([]))
        var wrongVersion = bytes
        wrongVersion[1] = 9
        XCTAssertThrowsError(try ProducerSnapshotFile.decode(wrongVersion))
        XCTAssertNil(ProducerSnapshotFile.offset(ofFile: "00000000000000000017.snapshot.tmp"))
        XCTAssertEqual(ProducerSnapshotFile.offset(ofFile: "00000000000000000017.snapshot"), 17)
    }

    private func flipByte(in path: String, at position: Int) throws {
        var bytes = try XCTUnwrap(try Posix.readFile(path))
        bytes[position] ^= 0xFF
        let fd = try Posix.open(path, O_WRONLY | O_TRUNC)
        defer { Posix.close(fd) }
        try bytes.withUnsafeBytes { try Posix.pwriteAll(fd, $0, at: 0, path) }
    }
}
