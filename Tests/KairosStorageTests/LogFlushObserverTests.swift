import XCTest

@testable import KairosStorage

/// The flush hook: every fsync that synced something is reported once, with its duration; idle flushes are not.
final class LogFlushObserverTests: XCTestCase {
    private var root = ""

    override func setUp() {
        super.setUp()
        root = makeTemporaryDirectory()
    }

    override func tearDown() {
        removeTree(root)
        super.tearDown()
    }

    func testEveryFlushThatSyncsIsReportedWithItsDuration() throws {
        let observer = RecordingFlushObserver()
        var config = LogConfig()
        config.flushIntervalMessages = 2
        let log = try SegmentedLog(directory: root + "/t-0", config: config, now: 0, logger: testLogger(), flushObserver: observer)
        defer { try? log.close() }

        for i in 0..<5 {
            _ = try log.append(TestBatch(seed: UInt64(i)).bytes, info: TestBatch(seed: UInt64(i)).info, now: 0)
        }
        XCTAssertEqual(observer.durations.count, 2, "after records 2 and 4")
        try log.flush()
        XCTAssertEqual(observer.durations.count, 3, "the explicit flush had record 5 to sync")
        try log.flush()
        XCTAssertEqual(observer.durations.count, 3, "nothing left to sync: not a flush")
        for nanos in observer.durations {
            XCTAssertGreaterThan(nanos, 0)
            XCTAssertLessThan(nanos, 60_000_000_000)
        }
    }

    func testTheLogManagerHandsItsObserverToEveryLogItOpens() throws {
        let observer = RecordingFlushObserver()
        var config = LogConfig()
        config.flushIntervalMessages = 1
        let manager = try LogManager(directory: root, defaultConfig: config, logger: testLogger(), flushObserver: observer)
        defer { try? manager.closeAll() }
        let a = try manager.openLog(topic: "a", partition: 0, now: 0)
        let b = try manager.openLog(topic: "b", partition: 3, now: 0)
        _ = try a.append(TestBatch(seed: 1).bytes, info: TestBatch(seed: 1).info, now: 0)
        XCTAssertEqual(observer.durations.count, 1)
        _ = try b.append(TestBatch(seed: 2).bytes, info: TestBatch(seed: 2).info, now: 0)
        XCTAssertEqual(observer.durations.count, 2, "the second log reports to the same observer")

        let unobserved = try LogManager(directory: root + "/other", defaultConfig: config, logger: testLogger())
        defer { try? unobserved.closeAll() }
        _ = try unobserved.openLog(topic: "c", partition: 0, now: 0).append(TestBatch().bytes, info: TestBatch().info, now: 0)
        XCTAssertEqual(observer.durations.count, 2, "another manager's logs do not report here")
    }
}

private final class RecordingFlushObserver: LogFlushObserver, @unchecked Sendable {
    private let lock = StorageLock()
    private var recorded: [Int64] = []

    func logFlushed(nanos: Int64) { lock.withLock { recorded.append(nanos) } }

    var durations: [Int64] { lock.withLock { recorded } }
}
