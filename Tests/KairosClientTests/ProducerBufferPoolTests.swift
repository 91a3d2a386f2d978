@testable import KairosClient
import XCTest

/// `BufferPool` as a plain value: `buffer.memory` accounting, waiting records let in strictly in arrival order (after
/// the margin), one `max.block.ms` sweep for all of them, and the spare buffers. No threads, sockets or clocks: time
/// is a number passed in.
final class ProducerBufferPoolTests: XCTestCase {
    private let ms: UInt64 = 1_000_000

    /// A 1000-byte pool (margin 125 bytes), 50 ms `max.block.ms`; waiters are names, buffers are integers.
    private func makePool(totalBytes: Int = 1000, sparesMax: Int = 2) -> BufferPool<String, Int> {
        BufferPool(totalBytes: totalBytes, maxBlockMs: 50, sparesMax: sparesMax)
    }

    func testAllocateAndReleaseBalance() {
        var pool = makePool()
        XCTAssertEqual(pool.resumeMarginBytes, 125, "an eighth of buffer.memory")
        XCTAssertTrue(pool.allocateIfNoneWaiting(600))
        XCTAssertTrue(pool.allocateIfNoneWaiting(400))
        XCTAssertEqual(pool.availableBytes, 0)
        XCTAssertFalse(pool.allocateIfNoneWaiting(1), "nothing left")
        XCTAssertEqual(pool.availableBytes, 0, "a refused allocation takes nothing")
        pool.release(600)
        pool.release(400)
        XCTAssertEqual(pool.availableBytes, 1000)
    }

    func testMarginCapsAtOneMebibyte() {
        let pool = BufferPool<String, Int>(totalBytes: 64 << 20, maxBlockMs: 1, sparesMax: 1)
        XCTAssertEqual(pool.resumeMarginBytes, 1 << 20)
    }

    func testNewcomerDoesNotOvertakeAWaiter() {
        var pool = makePool()
        XCTAssertTrue(pool.allocateIfNoneWaiting(900))
        XCTAssertNotNil(pool.wait("big", bytes: 500, nowNanos: 0))
        // 100 bytes are free, enough for a small record, but "big" came first.
        XCTAssertFalse(pool.allocateIfNoneWaiting(50))
        XCTAssertEqual(pool.availableBytes, 100)
        XCTAssertEqual(pool.waiterCount, 1)
    }

    func testWaitersAdmittedInOrderOnlyAfterTheMargin() {
        var pool = makePool()
        XCTAssertTrue(pool.allocateIfNoneWaiting(1000))
        _ = pool.wait("a", bytes: 300, nowNanos: 0)
        _ = pool.wait("b", bytes: 300, nowNanos: 0)
        _ = pool.wait("c", bytes: 10, nowNanos: 0)
        pool.release(400)
        // 400 free: "a" fits, but not with the 125-byte margin: nobody moves.
        XCTAssertNil(pool.admitNext())
        XCTAssertEqual(pool.availableBytes, 400)
        pool.release(100)
        // 500 >= 300 + 125: a run starts and lets in what fits, in order; "c" would fit alone but waits behind "b".
        XCTAssertEqual(pool.admitNext(), "a")
        XCTAssertNil(pool.admitNext(), "b needs 300, 200 are free")
        XCTAssertEqual(pool.availableBytes, 200)
        XCTAssertEqual(pool.waiterCount, 2)
        pool.release(300)
        XCTAssertEqual(pool.admitNext(), "b")
        XCTAssertEqual(pool.admitNext(), "c", "within a run the margin is not asked again")
        XCTAssertNil(pool.admitNext())
        XCTAssertFalse(pool.hasWaiters)
        XCTAssertEqual(pool.availableBytes, (400 + 100 + 300) - (300 + 300 + 10), "released minus admitted")
    }

    func testWholeBufferFreeAdmitsWithoutMargin() {
        // A waiter needing all but a few bytes of the buffer cannot have the margin on top: a free buffer lets it in.
        var pool = makePool()
        XCTAssertTrue(pool.allocateIfNoneWaiting(1000))
        _ = pool.wait("huge", bytes: 990, nowNanos: 0)
        pool.release(999)
        XCTAssertNil(pool.admitNext(), "999 < 990 + 125 and the buffer is not all free")
        pool.release(1)
        XCTAssertEqual(pool.admitNext(), "huge")
        XCTAssertNil(pool.admitNext())
        XCTAssertEqual(pool.availableBytes, 10)
    }

    func testOneSweepServesEveryWaiterAndEndsWhenNobodyWaits() {
        var pool = makePool()
        XCTAssertTrue(pool.allocateIfNoneWaiting(1000))
        XCTAssertEqual(pool.wait("a", bytes: 100, nowNanos: 0), 50 * ms, "the first waiter asks for a sweep")
        XCTAssertNil(pool.wait("b", bytes: 100, nowNanos: 10 * ms), "one sweep is scheduled already")
        XCTAssertNil(pool.wait("c", bytes: 100, nowNanos: 20 * ms))

        var sweep = pool.expireOverdue(nowNanos: 49 * ms)
        XCTAssertEqual(sweep.expired, [])
        XCTAssertEqual(sweep.nextSweepNanos, 50 * ms)
        sweep = pool.expireOverdue(nowNanos: 65 * ms)
        XCTAssertEqual(sweep.expired, ["a", "b"], "deadlines at 50 and 60 ms have passed, in arrival order")
        XCTAssertEqual(sweep.nextSweepNanos, 70 * ms, "the next is c's deadline")
        sweep = pool.expireOverdue(nowNanos: 70 * ms)
        XCTAssertEqual(sweep.expired, ["c"])
        XCTAssertNil(sweep.nextSweepNanos, "nobody waits: the sweep ends")
        XCTAssertEqual(pool.availableBytes, 0, "expired waiters never held memory")

        XCTAssertEqual(pool.wait("d", bytes: 100, nowNanos: 100 * ms), 150 * ms, "a new wait schedules a new sweep")
    }

    func testAdmittedWaitersLeaveTheSweepRunningUntilItFindsNobody() {
        var pool = makePool()
        XCTAssertTrue(pool.allocateIfNoneWaiting(1000))
        XCTAssertNotNil(pool.wait("a", bytes: 100, nowNanos: 0))
        pool.release(1000)
        XCTAssertEqual(pool.admitNext(), "a")
        XCTAssertNil(pool.admitNext())
        // The sweep scheduled for "a" still runs; until then a new waiter needs no second one.
        XCTAssertNil(pool.wait("b", bytes: 2000, nowNanos: 10 * ms))
        let sweep = pool.expireOverdue(nowNanos: 50 * ms)
        XCTAssertEqual(sweep.expired, [])
        XCTAssertEqual(sweep.nextSweepNanos, 60 * ms)
    }

    func testRemoveAllWaitersInOrder() {
        var pool = makePool()
        XCTAssertTrue(pool.allocateIfNoneWaiting(1000))
        for name in ["a", "b", "c"] { _ = pool.wait(name, bytes: 10, nowNanos: 0) }
        XCTAssertEqual(pool.removeAllWaiters(), ["a", "b", "c"])
        XCTAssertFalse(pool.hasWaiters)
        XCTAssertTrue(pool.allocateIfNoneWaiting(0), "no waiter blocks a newcomer any more")
        // The sweep that was scheduled finds nobody and ends.
        XCTAssertNil(pool.expireOverdue(nowNanos: 50 * ms).nextSweepNanos)
    }

    func testManyWaitersAdmittedInOrderAcrossCompaction() {
        // More than 64 admitted from the front compacts the queue; the order must survive it.
        var pool = makePool(totalBytes: 10_000)
        XCTAssertTrue(pool.allocateIfNoneWaiting(10_000))
        for index in 0..<300 { _ = pool.wait("\(index)", bytes: 10, nowNanos: 0) }
        var admitted: [String] = []
        // Free 10 batches' worth at a time, as finished batches would.
        while pool.hasWaiters {
            pool.release(10 * 10 + pool.resumeMarginBytes)
            while let next = pool.admitNext() { admitted.append(next) }
        }
        XCTAssertEqual(admitted, (0..<300).map { "\($0)" })
    }

    func testSparesAreBoundedAndReused() {
        var pool = makePool(sparesMax: 2)
        XCTAssertNil(pool.takeSpare())
        XCTAssertTrue(pool.wantsSpare)
        pool.recycle(1)
        pool.recycle(2)
        XCTAssertFalse(pool.wantsSpare)
        pool.recycle(3)
        XCTAssertEqual(pool.takeSpare(), 2, "the last kept is taken first")
        XCTAssertEqual(pool.takeSpare(), 1)
        XCTAssertNil(pool.takeSpare(), "the third was dropped")
    }
}
