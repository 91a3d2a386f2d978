import KafkaProtocol
import XCTest

@testable import KairosBroker

/// The transaction coordinator's state machine and the per-partition index, without a broker.
final class TransactionStateTests: XCTestCase {
    private let t0 = TxnPartition(topic: "t", partition: 0)
    private let t1 = TxnPartition(topic: "t", partition: 1)

    private func initialised(id: Int64 = 7) -> TransactionState {
        var state = TransactionState()
        XCTAssertEqual(state.apply(.initProducer(timeoutMs: 1000, expected: nil, newId: id), now: 0), .ok)
        return state
    }

    func testFirstInitAllocatesEpochZeroAndLaterInitsBumpIt() {
        var state = initialised()
        XCTAssertEqual(state.producerId, 7)
        XCTAssertEqual(state.epoch, 0)
        XCTAssertEqual(state.apply(.initProducer(timeoutMs: 1000, expected: nil, newId: 99), now: 0), .ok)
        XCTAssertEqual(state.producerId, 7, "the id is kept; the fresh one is not used")
        XCTAssertEqual(state.epoch, 1)
    }

    func testTimeoutOutOfRangeIsRefused() {
        var state = TransactionState()
        XCTAssertEqual(state.apply(.initProducer(timeoutMs: 0, expected: nil, newId: 1), now: 0), .error(.invalidTimeout))
        XCTAssertEqual(state.apply(.initProducer(timeoutMs: 900_001, expected: nil, newId: 1), now: 0), .error(.invalidTimeout))
        XCTAssertEqual(state.producerId, -1)
    }

    func testOlderEpochIsFencedAndWrongIdIsRefused() {
        var state = initialised()
        _ = state.apply(.initProducer(timeoutMs: 1000, expected: nil, newId: 0), now: 0)  // epoch 1
        XCTAssertEqual(state.apply(.addPartitions(producerId: 7, epoch: 0, [t0]), now: 0), .error(.fenced))
        XCTAssertEqual(state.apply(.addPartitions(producerId: 8, epoch: 1, [t0]), now: 0), .error(.wrongProducerId))
        XCTAssertEqual(state.apply(.end(producerId: 7, epoch: 0, commit: true), now: 0), .error(.fenced))
        XCTAssertNil(state.ongoing)
    }

    func testCommitNamesEveryAddedPartitionAndItsOffsets() {
        var state = initialised()
        XCTAssertEqual(state.apply(.addPartitions(producerId: 7, epoch: 0, [t1, t0]), now: 5), .ok)
        XCTAssertEqual(state.apply(.produce(producerId: 7, epoch: 0, t0), now: 6), .ok)
        XCTAssertEqual(state.apply(.addOffsets(producerId: 7, epoch: 0, groupId: "g"), now: 6), .ok)
        let offset = TransactionState.PendingOffset(groupId: "g", partition: t0, offset: 3, leaderEpoch: -1, metadata: nil)
        XCTAssertEqual(state.apply(.commitOffsets(producerId: 7, epoch: 0, [offset]), now: 7), .ok)
        var later = offset
        later.offset = 4
        XCTAssertEqual(state.apply(.commitOffsets(producerId: 7, epoch: 0, [later]), now: 7), .ok)
        let outcome = state.apply(.end(producerId: 7, epoch: 0, commit: true), now: 8)
        XCTAssertEqual(outcome, .complete(.init(producerId: 7, epoch: 0, commit: true, partitions: [t0, t1], offsets: [later])))
        XCTAssertNil(state.ongoing)
        XCTAssertEqual(state.apply(.end(producerId: 7, epoch: 0, commit: true), now: 9), .ok, "a retried EndTxn succeeds")
        XCTAssertEqual(state.apply(.end(producerId: 7, epoch: 0, commit: false), now: 9), .error(.invalidState))
    }

    func testAbortDropsOffsetsAndOffsetsNeedTheirGroupAdded() {
        var state = initialised()
        let offset = TransactionState.PendingOffset(groupId: "g", partition: t0, offset: 3, leaderEpoch: -1, metadata: nil)
        _ = state.apply(.addPartitions(producerId: 7, epoch: 0, [t0]), now: 0)
        XCTAssertEqual(state.apply(.commitOffsets(producerId: 7, epoch: 0, [offset]), now: 0), .error(.invalidState))
        _ = state.apply(.addOffsets(producerId: 7, epoch: 0, groupId: "g"), now: 0)
        XCTAssertEqual(state.apply(.commitOffsets(producerId: 7, epoch: 0, [offset]), now: 0), .ok)
        XCTAssertEqual(
            state.apply(.end(producerId: 7, epoch: 0, commit: false), now: 1),
            .complete(.init(producerId: 7, epoch: 0, commit: false, partitions: [t0], offsets: [])))
    }

    func testProduceToAPartitionNotAddedIsInvalidState() {
        var state = initialised()
        XCTAssertEqual(state.apply(.produce(producerId: 7, epoch: 0, t0), now: 0), .error(.invalidState))
        _ = state.apply(.addPartitions(producerId: 7, epoch: 0, [t1]), now: 0)
        XCTAssertEqual(state.apply(.produce(producerId: 7, epoch: 0, t0), now: 0), .error(.invalidState))
        XCTAssertEqual(state.apply(.produce(producerId: 7, epoch: 0, t1), now: 0), .ok)
    }

    func testEndWithoutTransactionIsInvalidState() {
        var state = initialised()
        XCTAssertEqual(state.apply(.end(producerId: 7, epoch: 0, commit: true), now: 0), .error(.invalidState))
    }

    func testInitAbortsTheOpenTransactionWithTheBumpedEpoch() {
        var state = initialised()
        _ = state.apply(.addPartitions(producerId: 7, epoch: 0, [t0]), now: 0)
        let outcome = state.apply(.initProducer(timeoutMs: 1000, expected: nil, newId: 0), now: 1)
        XCTAssertEqual(outcome, .complete(.init(producerId: 7, epoch: 1, commit: false, partitions: [t0], offsets: [])))
        XCTAssertEqual(state.epoch, 1)
        XCTAssertNil(state.ongoing)
    }

    func testExhaustedEpochMovesToTheFreshId() {
        var state = TransactionState(producerId: 7, epoch: Int16.max - 1, timeoutMs: 1000)
        XCTAssertEqual(state.apply(.initProducer(timeoutMs: 1000, expected: nil, newId: 42), now: 0), .ok)
        XCTAssertEqual(state.producerId, 42)
        XCTAssertEqual(state.epoch, 0)
    }

    func testRecoveringProducerMustPresentItsCurrentEpoch() {
        var state = initialised()
        _ = state.apply(.initProducer(timeoutMs: 1000, expected: nil, newId: 0), now: 0)  // epoch 1
        XCTAssertEqual(state.apply(.initProducer(timeoutMs: 1000, expected: (7, 0), newId: 0), now: 0), .ok, "retry of the bump to 1")
        XCTAssertEqual(state.epoch, 1)
        XCTAssertEqual(state.apply(.initProducer(timeoutMs: 1000, expected: (9, 1), newId: 0), now: 0), .error(.fenced))
        XCTAssertEqual(state.apply(.initProducer(timeoutMs: 1000, expected: (7, 1), newId: 0), now: 0), .ok)
        XCTAssertEqual(state.epoch, 2)
    }

    func testTickAbortsOnlyAfterTheTimeoutAndFencesTheProducer() {
        var state = initialised()  // timeout 1000 ms
        _ = state.apply(.addPartitions(producerId: 7, epoch: 0, [t0]), now: 100)
        XCTAssertEqual(state.apply(.tick, now: 1100), .ok)
        XCTAssertNotNil(state.ongoing)
        XCTAssertEqual(
            state.apply(.tick, now: 1101), .complete(.init(producerId: 7, epoch: 1, commit: false, partitions: [t0], offsets: [])))
        XCTAssertEqual(state.apply(.end(producerId: 7, epoch: 0, commit: true), now: 1102), .error(.fenced))
    }

    func testPartitionIndexGivesLastStableOffsetAndAbortedRanges() {
        var index = PartitionTransactions()
        XCTAssertEqual(index.lastStableOffset(highWatermark: 10), 10)
        index.appended(producerId: 1, baseOffset: 10)
        index.appended(producerId: 2, baseOffset: 12)
        index.appended(producerId: 1, baseOffset: 14)
        XCTAssertEqual(index.lastStableOffset(highWatermark: 16), 10)
        index.ended(producerId: 1, commit: false, markerOffset: 16)
        XCTAssertEqual(index.lastStableOffset(highWatermark: 17), 12)
        index.ended(producerId: 2, commit: true, markerOffset: 17)
        XCTAssertEqual(index.lastStableOffset(highWatermark: 18), 18)
        XCTAssertEqual(index.abortedOverlapping(from: 0, upTo: 18), [.init(producerId: 1, firstOffset: 10, markerOffset: 16)])
        XCTAssertEqual(index.abortedOverlapping(from: 17, upTo: 18), [])
        XCTAssertEqual(index.abortedOverlapping(from: 0, upTo: 10), [])
        index.trim(below: 16)
        XCTAssertEqual(index.aborted.count, 1, "the marker at 16 is still in the log")
        index.trim(below: 17)
        XCTAssertEqual(index.aborted, [])
    }
}
