@testable import KairosClient
import XCTest

/// `IdempotentSequencer` as a plain value: sequence numbers per partition, the in-flight set, the one-at-a-time mode
/// after a retry, and renumbering under a new producer id.
final class ProducerSequencerTests: XCTestCase {
    func testSequencesAdvanceByClosedBatchesPerPartition() {
        var sequencer = IdempotentSequencer()
        sequencer.setProducerId(7, epoch: 2)
        XCTAssertEqual(sequencer.producerId, 7)
        XCTAssertEqual(sequencer.producerEpoch, 2)
        let p0 = sequencer.addPartition(), p1 = sequencer.addPartition()
        XCTAssertEqual([p0, p1], [0, 1])
        XCTAssertEqual(sequencer.nextSequence(partition: p0), 0)
        sequencer.batchClosed(partition: p0, recordCount: 5)
        sequencer.batchClosed(partition: p0, recordCount: 3)
        sequencer.batchClosed(partition: p1, recordCount: 10)
        XCTAssertEqual(sequencer.nextSequence(partition: p0), 8)
        XCTAssertEqual(sequencer.nextSequence(partition: p1), 10, "partitions count separately")
    }

    func testSequenceWrapsAfterInt32Max() {
        XCTAssertEqual(IdempotentSequencer.sequence(Int32.max - 1, plus: 1), Int32.max)
        XCTAssertEqual(IdempotentSequencer.sequence(Int32.max, plus: 1), 0)
        XCTAssertEqual(IdempotentSequencer.sequence(Int32.max - 2, plus: 5), 2)
    }

    func testRetryLimitsPartitionToOneInFlightUntilRetriesAreDone() {
        var sequencer = IdempotentSequencer()
        let p = sequencer.addPartition()
        XCTAssertEqual(sequencer.inFlightLimit(partition: p, maxInFlight: 5), 5)
        sequencer.batchSent(partition: p, baseSequence: 0)
        sequencer.batchSent(partition: p, baseSequence: 10)
        XCTAssertFalse(sequencer.hasEarlierInFlight(partition: p, than: 0))
        XCTAssertTrue(sequencer.hasEarlierInFlight(partition: p, than: 10))

        // The first batch comes back to be retried: one at a time from now on.
        sequencer.batchRequeued(partition: p, baseSequence: 0, retrying: true)
        XCTAssertTrue(sequencer.isRetrying(partition: p))
        XCTAssertEqual(sequencer.inFlightLimit(partition: p, maxInFlight: 5), 1)
        XCTAssertFalse(sequencer.hasEarlierInFlight(partition: p, than: 10), "0 is queued again, not in flight")

        // The second is acknowledged while the retried one is still queued: the retry run goes on.
        var asked = 0
        sequencer.batchFinished(partition: p, baseSequence: 10, hasQueuedRetries: { asked += 1; return true })
        XCTAssertEqual(asked, 1, "asked only once nothing is in flight")
        XCTAssertTrue(sequencer.isRetrying(partition: p))

        // The retry goes out and is acknowledged, nothing retried waits: back to the full limit.
        sequencer.batchSent(partition: p, baseSequence: 0)
        sequencer.batchSent(partition: p, baseSequence: 20)
        sequencer.batchFinished(partition: p, baseSequence: 0, hasQueuedRetries: { asked += 1; return false })
        XCTAssertEqual(asked, 1, "20 is still in flight: not asked")
        XCTAssertTrue(sequencer.isRetrying(partition: p))
        sequencer.batchFinished(partition: p, baseSequence: 20, hasQueuedRetries: { asked += 1; return false })
        XCTAssertEqual(asked, 2)
        XCTAssertFalse(sequencer.isRetrying(partition: p))
        XCTAssertEqual(sequencer.inFlightLimit(partition: p, maxInFlight: 5), 5)
    }

    func testSplitRequeueDoesNotStartARetryRun() {
        var sequencer = IdempotentSequencer()
        let p = sequencer.addPartition()
        sequencer.batchSent(partition: p, baseSequence: 0)
        sequencer.batchRequeued(partition: p, baseSequence: 0, retrying: false)
        XCTAssertFalse(sequencer.isRetrying(partition: p))
        XCTAssertFalse(sequencer.hasEarlierInFlight(partition: p, than: 1))
    }

    func testFinishingAnUnknownSequenceChangesNothing() {
        var sequencer = IdempotentSequencer()
        let p = sequencer.addPartition()
        sequencer.batchSent(partition: p, baseSequence: 4)
        sequencer.batchFinished(partition: p, baseSequence: 99, hasQueuedRetries: { XCTFail("not asked"); return false })
        XCTAssertTrue(sequencer.hasEarlierInFlight(partition: p, than: 5))
    }

    func testNewProducerIdRenumbersQueuedBatchesFromZero() {
        var sequencer = IdempotentSequencer()
        sequencer.setProducerId(1, epoch: 0)
        let p0 = sequencer.addPartition(), p1 = sequencer.addPartition(), p2 = sequencer.addPartition()
        sequencer.batchClosed(partition: p0, recordCount: 100)
        sequencer.batchSent(partition: p0, baseSequence: 0)
        sequencer.batchClosed(partition: p1, recordCount: 40)
        sequencer.requireNewProducerId()
        XCTAssertTrue(sequencer.needsNewProducerId)

        sequencer.adoptNewProducerId(2, epoch: 0)
        XCTAssertFalse(sequencer.needsNewProducerId)
        XCTAssertEqual(sequencer.producerId, 2)
        // p0: three closed batches of 5, 6, 7 records and an open one (with 2 records so far).
        let queued: [(recordCount: Int, isClosed: Bool)] = [(5, true), (6, true), (7, true), (2, false)]
        let bases0 = sequencer.renumber(partition: p0, queued: queued)
        XCTAssertEqual(bases0, [0, 5, 11, 18])
        XCTAssertEqual(sequencer.nextSequence(partition: p0), 18, "the open batch advances the count when it closes")
        XCTAssertFalse(sequencer.hasEarlierInFlight(partition: p0, than: 1000), "nothing is in flight under the new id")
        XCTAssertTrue(sequencer.isRetrying(partition: p0), "the first batch under the new id goes alone")
        sequencer.batchClosed(partition: p0, recordCount: 2)
        XCTAssertEqual(sequencer.nextSequence(partition: p0), 20)

        // p1 has nothing queued: it restarts at 0 and sends at the full limit.
        XCTAssertEqual(sequencer.renumber(partition: p1, queued: [(recordCount: Int, isClosed: Bool)]()), [])
        XCTAssertEqual(sequencer.nextSequence(partition: p1), 0)
        XCTAssertFalse(sequencer.isRetrying(partition: p1))
        // p2 is not renumbered by the caller at all: the new id alone restarts it.
        XCTAssertEqual(sequencer.nextSequence(partition: p2), 0)
        XCTAssertEqual(sequencer.inFlightLimit(partition: p2, maxInFlight: 5), 5)
    }
}
