import XCTest

@testable import KairosStorage

final class LogManagerTests: XCTestCase {
    private var root = ""

    override func setUp() {
        super.setUp()
        root = makeTemporaryDirectory()
    }

    override func tearDown() {
        removeTree(root)
        super.tearDown()
    }

    func testFindsExistingPartitionsAndDeletesThem() throws {
        let directory = root + "/logs"
        let manager = try LogManager(directory: directory, defaultConfig: LogConfig(), logger: testLogger())
        XCTAssertTrue(manager.existingPartitions().isEmpty)
        for (topic, partition) in [("orders", Int32(1)), ("orders", 0), ("click-stream", 12)] {
            let log = try manager.openLog(topic: topic, partition: partition, now: 0)
            let batch = TestBatch(recordCount: partition + 1)
            _ = try log.append(batch.bytes, info: batch.info, now: 0)
        }
        let again = try manager.openLog(topic: "orders", partition: 0, config: LogConfig(), now: 0)
        XCTAssertTrue(again === (try manager.openLog(topic: "orders", partition: 0, now: 0)), "one instance per partition")
        try manager.closeAll()
        // Things that are not partition directories are ignored.
        try Posix.makeDirectories(directory + "/lost+found")
        try Posix.makeDirectories(directory + "/orders-x")
        try Posix.makeDirectories(directory + "/orders-3.abc-delete")

        let restarted = try LogManager(directory: directory, defaultConfig: LogConfig(), logger: testLogger())
        let found = restarted.existingPartitions().map { "\($0.topic)/\($0.partition)" }
        XCTAssertEqual(found, ["click-stream/12", "orders/0", "orders/1"])
        let clicks = try restarted.openLog(topic: "click-stream", partition: 12, now: 0)
        XCTAssertEqual(clicks.logEndOffset, 13)

        try restarted.deleteLog(topic: "click-stream", partition: 12)
        XCTAssertFalse(Posix.isDirectory(directory + "/click-stream-12"))
        XCTAssertThrowsError(try clicks.read(from: 0, maxBytes: 100, minOneBatch: true)) {
            XCTAssertEqual($0 as? StorageError, .closed)
        }
        XCTAssertEqual(restarted.existingPartitions().map { "\($0.topic)/\($0.partition)" }, ["orders/0", "orders/1"])
        try restarted.deleteLog(topic: "orders", partition: 1)
        XCTAssertFalse(Posix.isDirectory(directory + "/orders-1"))
        XCTAssertEqual(try restarted.openLog(topic: "orders", partition: 1, now: 0).logEndOffset, 0)
        let orders = try restarted.openLog(topic: "orders", partition: 0, now: 0)
        XCTAssertEqual(orders.logEndOffset, 1)
        // A log closed behind the manager's back is opened afresh.
        try orders.close()
        let reopened = try restarted.openLog(topic: "orders", partition: 0, now: 0)
        XCTAssertFalse(reopened === orders)
        XCTAssertEqual(reopened.logEndOffset, 1)
        try restarted.closeAll()
    }

    func testRejectsTopicNamesThatAreNotSafeDirectoryNames() throws {
        let manager = try LogManager(directory: root, defaultConfig: LogConfig(), logger: testLogger())
        for bad in ["", ".", "..", "../etc", "a/b", "spaced name", String(repeating: "x", count: 250)] {
            XCTAssertThrowsError(try manager.openLog(topic: bad, partition: 0, now: 0), "\(bad)") {
                XCTAssertTrue(($0 as? StorageError)?.isInvalidName ?? false)
            }
        }
        XCTAssertThrowsError(try manager.openLog(topic: "ok", partition: -1, now: 0))
        XCTAssertEqual(LogManager.parseDirectoryName("a-b-c-7")?.topic, "a-b-c")
        XCTAssertEqual(LogManager.parseDirectoryName("a-b-c-7")?.partition, 7)
        XCTAssertNil(LogManager.parseDirectoryName("orders"))
        XCTAssertNil(LogManager.parseDirectoryName("orders-"))
    }
}
