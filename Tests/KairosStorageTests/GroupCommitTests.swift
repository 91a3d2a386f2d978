import Dispatch
import XCTest

@testable import KairosStorage

/// Group commit in fsync-per-ack mode: appends leave their fsync to the directory's flusher, `whenSynced` answers
/// after a round, and one round covers every partition and batch that queued while the previous one ran.
final class GroupCommitTests: XCTestCase {
    private var root = ""

    override func setUp() {
        super.setUp()
        root = makeTemporaryDirectory()
    }

    override func tearDown() {
        removeTree(root)
        super.tearDown()
    }

    private var fsyncPerAck: LogConfig {
        var config = LogConfig()
        config.flushIntervalMessages = 1
        return config
    }

    func testAnEnabledLogSyncsInRoundsAndOthersKeepSyncingInsideAppend() throws {
        let observer = RoundObserver()
        let manager = try LogManager(directory: root, defaultConfig: fsyncPerAck, logger: testLogger(), flushObserver: observer)
        defer { try? manager.closeAll() }
        let grouped = try manager.openLog(topic: "g", partition: 0, now: 0)
        let plain = try manager.openLog(topic: "p", partition: 0, now: 0)
        XCTAssertTrue(grouped.enableGroupCommit())
        XCTAssertTrue(grouped.syncsBeforeAcknowledging)
        XCTAssertFalse(plain.syncsBeforeAcknowledging)

        _ = try plain.append(TestBatch(seed: 1).bytes, info: TestBatch(seed: 1).info, now: 0)
        XCTAssertEqual(observer.logFlushes, 1, "a log without group commit fsyncs inside append, as before")
        _ = try grouped.append(TestBatch(seed: 2).bytes, info: TestBatch(seed: 2).info, now: 0)
        XCTAssertEqual(observer.logFlushes, 1, "the grouped log left its fsync to the flusher")
        XCTAssertEqual(observer.rounds.count, 0)

        let synced = expectation(description: "synced")
        grouped.whenSynced { error in
            XCTAssertNil(error)
            synced.fulfill()
        }
        wait(for: [synced], timeout: 10)
        XCTAssertEqual(observer.logFlushes, 2, "the round synced the grouped log")
        XCTAssertEqual(observer.rounds.map(\.logs), [1])

        let immediate = expectation(description: "plain log answers at once")
        plain.whenSynced { error in
            XCTAssertNil(error)
            immediate.fulfill()
        }
        wait(for: [immediate], timeout: 1)
        XCTAssertEqual(observer.rounds.count, 1, "no round for a log that syncs inside append")
    }

    func testOneRoundCoversEveryBatchAndPartitionThatQueuedMeanwhile() throws {
        let observer = RoundObserver()
        let manager = try LogManager(directory: root, defaultConfig: fsyncPerAck, logger: testLogger(), flushObserver: observer)
        defer { try? manager.closeAll() }
        let logs = try (0..<4).map { try manager.openLog(topic: "t", partition: Int32($0), now: 0) }
        for log in logs { XCTAssertTrue(log.enableGroupCommit()) }

        // The first round is held inside its report until the other appends have queued behind it.
        observer.holdFirstRound()
        let acknowledged = Counter()
        let all = expectation(description: "every append acknowledged")
        all.expectedFulfillmentCount = 1 + 4 * 10
        @Sendable func appendAndWait(_ log: SegmentedLog, seed: UInt64) throws {
            _ = try log.append(TestBatch(seed: seed).bytes, info: TestBatch(seed: seed).info, now: 0)
            log.whenSynced { error in
                XCTAssertNil(error)
                acknowledged.increment()
                all.fulfill()
            }
        }
        try appendAndWait(logs[0], seed: 0)
        XCTAssertTrue(observer.waitForFirstRound(), "the first round started")
        DispatchQueue.concurrentPerform(iterations: 4) { p in
            for i in 0..<10 { try! appendAndWait(logs[p], seed: UInt64(100 * p + i + 1)) }
        }
        XCTAssertEqual(acknowledged.value, 0, "no acknowledgement before its round synced")
        observer.releaseFirstRound()
        wait(for: [all], timeout: 10)

        XCTAssertEqual(observer.rounds.count, 2, "one round for the first append, one for the forty behind it")
        XCTAssertEqual(observer.rounds.last?.logs, 4, "the second round synced all four partitions")
        XCTAssertEqual(observer.rounds.last?.waiters, 40)
        XCTAssertEqual(observer.logFlushes, 5, "one fsync per partition per round, not per batch")
        for log in logs { XCTAssertEqual(log.logEndOffset, log === logs[0] ? 11 : 10) }
    }
}

/// Counts log flushes and group-commit rounds; can hold the first round until released.
private final class RoundObserver: LogFlushObserver, @unchecked Sendable {
    private let lock = StorageLock()
    private var flushes = 0
    private var recorded: [(logs: Int, waiters: Int)] = []
    private var holding = false
    private let firstRoundStarted = DispatchSemaphore(value: 0)
    private let release = DispatchSemaphore(value: 0)

    var logFlushes: Int { lock.withLock { flushes } }
    var rounds: [(logs: Int, waiters: Int)] { lock.withLock { recorded } }

    func holdFirstRound() { lock.withLock { holding = true } }
    func waitForFirstRound() -> Bool { firstRoundStarted.wait(timeout: .now() + 10) == .success }
    func releaseFirstRound() { release.signal() }

    func logFlushed(nanos: Int64) { lock.withLock { flushes += 1 } }

    func groupCommitted(logs: Int, waiters: Int, nanos: Int64) {
        let hold: Bool = lock.withLock {
            recorded.append((logs, waiters))
            defer { holding = false }
            return holding
        }
        if hold {
            firstRoundStarted.signal()
            _ = release.wait(timeout: .now() + 10)
        }
    }
}

/// A thread-safe count.
private final class Counter: @unchecked Sendable {
    private let lock = StorageLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
