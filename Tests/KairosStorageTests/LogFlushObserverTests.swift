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
        config.flushObserver = observer
        let log = try SegmentedLog(directory: root + "/t-0", config: config, now: 0, logger: testLogger())
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

    func testObserverIsNotPartOfConfigEquality() {
        var a = LogConfig()
        a.flushObserver = RecordingFlushObserver()
        XCTAssertEqual(a, LogConfig())
        XCTAssertNotNil(a.flushObserver)
    }
}

private final class RecordingFlushObserver: LogFlushObserver, @unchecked Sendable {
    private let lock = StorageLock()
    private var recorded: [Int64] = []

    func logFlushed(nanos: Int64) { lock.withLock { recorded.append(nanos) } }

    var durations: [Int64] { lock.withLock { recorded } }
}
