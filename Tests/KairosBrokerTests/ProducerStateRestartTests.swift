import KafkaProtocol
import KairosBroker
import KairosStorage
import Logging
import NIOCore
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Idempotent-producer state survives a restart on the same log directory, clean or not: a batch retried across
/// the restart is acknowledged with its original offset and not written again.
final class ProducerStateRestartTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = "/tmp/kairos-producer-state-tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    override func tearDownWithError() throws {
        _ = try? FileManagerLite.removeTree(directory)
    }

    private func openDisk() throws -> BrokerHarness {
        var logger = Logger(label: "producer-state-test")
        logger.logLevel = .critical
        return try BrokerHarness(logFactory: try DiskLogFactory(directory: directory, defaultConfig: LogConfig(), logger: logger))
    }

    private func initProducerId(_ h: BrokerHarness) throws -> Int64 {
        let response = try h.call(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: 60_000), version: 4)
        XCTAssertEqual(response.errorCode, 0)
        return response.producerId
    }

    private func logEnd(_ h: BrokerHarness, _ topic: String) throws -> Int64 {
        let response = try h.call(
            ListOffsetsRequest(replicaId: -1, isolationLevel: 0, topics: [.init(name: topic, partitions: [.init(partitionIndex: 0, timestamp: -1)])]),
            version: 6)
        return response.topics[0].partitions[0].offset
    }

    /// Batch `i` of producer `pid`: two records at sequence 2i.
    private func batch(_ i: Int32, pid: Int64, epoch: Int16 = 0) -> ByteBuffer {
        TestBatch.make([("k", "v\(i)a"), ("k", "v\(i)b")], producerId: pid, producerEpoch: epoch, baseSequence: 2 * i)
    }

    private func snapshotFiles(_ topic: String) throws -> [String] {
        try FileManagerLite.listFiles(directory + "/\(topic)-0").filter { $0.hasSuffix(".snapshot") }
    }

    func testARetryAfterACleanRestartIsAcknowledgedWithItsOffsetAndNotWrittenAgain() throws {
        var h: BrokerHarness? = try openDisk()
        try h!.createTopic("t")
        let pid = try initProducerId(h!)
        for i in Int32(0)..<4 { XCTAssertEqual(try h!.produce("t", batch: batch(i, pid: pid)).baseOffset, Int64(2 * i)) }
        h!.broker.shutdown()
        h = nil
        XCTAssertEqual(try snapshotFiles("t"), ["00000000000000000008.snapshot"], "a clean shutdown keeps the producer state")

        let again = try openDisk()
        for i in Int32(0)..<4 {
            let retry = try again.produce("t", batch: batch(i, pid: pid))
            XCTAssertEqual(retry.errorCode, 0)
            XCTAssertEqual(retry.baseOffset, Int64(2 * i), "batch \(i) retried after the restart gets its original offset")
        }
        XCTAssertEqual(try logEnd(again, "t"), 8, "nothing written twice")
        XCTAssertEqual(try again.produce("t", batch: batch(4, pid: pid)).baseOffset, 8, "the next sequence appends")
        let gap = try again.produce("t", batch: batch(9, pid: pid))
        XCTAssertEqual(gap.errorCode, ErrorCode.outOfOrderSequenceNumber.rawValue, "sequences are checked as before the restart")
        let stale = try again.produce("t", batch: TestBatch.make([("k", "x")], producerId: pid, producerEpoch: 0, baseSequence: 10))
        XCTAssertEqual(stale.errorCode, 0, "the next sequence at the same epoch is accepted")
        again.broker.shutdown()
    }

    func testARetryAfterAKillIsStillRecognised() throws {
        // The first broker is never shut down: no snapshot, nothing flushed or closed, as after kill -9. The log's
        // writes are in the page cache, which a killed process does not lose.
        let first = try openDisk()
        try first.createTopic("t")
        let pid = try initProducerId(first)
        let other = try initProducerId(first)
        for i in Int32(0)..<6 { _ = try first.produce("t", batch: batch(i, pid: pid)) }
        _ = try first.produce("t", batch: batch(0, pid: other, epoch: 3))
        XCTAssertEqual(try snapshotFiles("t"), [])

        let second = try openDisk()
        XCTAssertEqual(try second.produce("t", batch: batch(5, pid: pid)).baseOffset, 10)
        XCTAssertEqual(try second.produce("t", batch: batch(1, pid: pid)).baseOffset, 2, "one of the last five batches")
        XCTAssertEqual(try second.produce("t", batch: batch(0, pid: other, epoch: 3)).baseOffset, 12)
        XCTAssertEqual(
            try second.produce("t", batch: batch(0, pid: other, epoch: 2)).errorCode, ErrorCode.invalidProducerEpoch.rawValue,
            "the epoch is remembered too")
        XCTAssertEqual(try logEnd(second, "t"), 14, "no batch written twice")
        second.broker.shutdown()
        withExtendedLifetime(first) {}
    }

    func testSnapshotsAtSegmentRollsBoundTheScanAndKeepStateAcrossAKill() throws {
        let first = try openDisk()
        try first.createTopic("t", configs: ["segment.bytes": "400"])
        let pid = try initProducerId(first)
        for i in Int32(0)..<20 { XCTAssertEqual(try first.produce("t", batch: batch(i, pid: pid)).baseOffset, Int64(2 * i)) }
        let snapshots = try snapshotFiles("t")
        XCTAssertFalse(snapshots.isEmpty, "rolls wrote snapshots")
        XCTAssertLessThanOrEqual(snapshots.count, 2)

        let second = try openDisk()
        for i in Int32(15)..<20 {
            XCTAssertEqual(try second.produce("t", batch: batch(i, pid: pid)).baseOffset, Int64(2 * i), "batch \(i)")
        }
        XCTAssertEqual(try logEnd(second, "t"), 40)
        XCTAssertEqual(try second.produce("t", batch: batch(20, pid: pid)).baseOffset, 40)
        second.broker.shutdown()
        withExtendedLifetime(first) {}
    }
}
