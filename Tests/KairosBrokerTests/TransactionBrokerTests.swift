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

/// Transactions through the broker's request handlers: fencing, markers in the logs, the last stable offset,
/// read_committed fetches, transactional offsets and the timeout.
final class TransactionBrokerTests: XCTestCase {
    private static let transactional: Int16 = 0x10
    private static let control: Int16 = 0x20

    private func initProducer(_ h: BrokerHarness, _ id: String, timeoutMs: Int32 = 60_000, version: Int16 = 4) throws -> InitProducerIdResponse {
        try h.call(InitProducerIdRequest(transactionalId: id, transactionTimeoutMs: timeoutMs), version: version)
    }

    private func add(_ h: BrokerHarness, _ id: String, _ pid: Int64, _ epoch: Int16, partitions: [Int32], version: Int16 = 3) throws -> [Int16] {
        let response = try h.call(
            AddPartitionsToTxnRequest(transactionalId: id, producerId: pid, producerEpoch: epoch, topics: [.init(name: "t", partitions: partitions)]),
            version: version)
        return response.results.flatMap { $0.resultsByPartition.map(\.partitionErrorCode) }
    }

    private func produce(
        _ h: BrokerHarness, _ id: String?, _ pid: Int64, _ epoch: Int16, seq: Int32, _ values: [String], partition: Int32 = 0
    ) throws -> ProduceResponse.PartitionProduceResponse {
        let batch = TestBatch.make(
            values.map { (key: nil, value: $0) }, producerId: pid, producerEpoch: epoch, baseSequence: seq, attributes: Self.transactional)
        let request = ProduceRequest(
            transactionalId: id, acks: -1, timeoutMs: 1000,
            topicData: [.init(name: "t", partitionData: [.init(index: partition, records: batch)])])
        return try h.call(request, version: 9).responses[0].partitionResponses[0]
    }

    private func end(_ h: BrokerHarness, _ id: String, _ pid: Int64, _ epoch: Int16, commit: Bool, version: Int16 = 3) throws -> Int16 {
        try h.call(EndTxnRequest(transactionalId: id, producerId: pid, producerEpoch: epoch, committed: commit), version: version).errorCode
    }

    /// A fetch of partition 0 from `offset` at `isolation`, with the batches' (base offset, attributes).
    private func fetch(_ h: BrokerHarness, from offset: Int64 = 0, isolation: Int8) throws
        -> (partition: FetchResponse.PartitionData, batches: [(offset: Int64, attributes: Int16)])
    {
        let request = FetchRequest(
            maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: isolation, sessionId: 0, sessionEpoch: -1,
            topics: [.init(topic: "t", partitions: [.init(partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20)])])
        let response = try h.call(request, version: 11)
        let partition = response.responses[0].partitions[0]
        var batches: [(Int64, Int16)] = []
        var iterator = RecordBatchIterator(partition.records ?? ByteBuffer())
        while let batch = iterator.next() {
            let header = try RecordBatchHeader(peeking: batch)
            batches.append((header.baseOffset, header.attributes))
        }
        return (partition, batches)
    }

    func testInitBumpsTheEpochAndFencesTheOldProducer() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let first = try initProducer(h, "tx")
        XCTAssertEqual(first.errorCode, 0)
        XCTAssertEqual(first.producerEpoch, 0)
        let second = try initProducer(h, "tx")
        XCTAssertEqual(second.producerId, first.producerId)
        XCTAssertEqual(second.producerEpoch, 1)
        XCTAssertEqual(try add(h, "tx", first.producerId, 0, partitions: [0], version: 1), [ErrorCode.invalidProducerEpoch.rawValue])
        XCTAssertEqual(try add(h, "tx", first.producerId, 0, partitions: [0], version: 2), [ErrorCode.producerFenced.rawValue])
        XCTAssertEqual(try end(h, "tx", first.producerId, 0, commit: true, version: 1), ErrorCode.invalidProducerEpoch.rawValue)
        XCTAssertEqual(try end(h, "tx", first.producerId, 0, commit: true, version: 2), ErrorCode.producerFenced.rawValue)
        XCTAssertEqual(try initProducer(h, "tx", timeoutMs: 0).errorCode, ErrorCode.invalidTransactionTimeout.rawValue)
        XCTAssertEqual(try end(h, "unknown", 1, 0, commit: true), ErrorCode.invalidProducerIdMapping.rawValue)
        XCTAssertNotEqual(try initProducer(h, "other").producerId, first.producerId, "each transactional id has its own producer id")
    }

    func testAbortedRecordsAreListedAndCommittedOnesStopAtTheLastStableOffset() throws {
        let h = try BrokerHarness()
        try h.createTopic("t", partitions: 2)
        let a = try initProducer(h, "a")
        let b = try initProducer(h, "b")
        XCTAssertEqual(try produce(h, "a", a.producerId, 0, seq: 0, ["x"]).errorCode, ErrorCode.invalidTxnState.rawValue,
                       "a partition not added to the transaction takes no transactional batch")
        XCTAssertEqual(try add(h, "a", a.producerId, 0, partitions: [0, 1]), [0, 0])
        XCTAssertEqual(try add(h, "b", b.producerId, 0, partitions: [0]), [0])
        XCTAssertEqual(try produce(h, "a", a.producerId, 0, seq: 0, ["a1", "a2"]).baseOffset, 0)
        XCTAssertEqual(try produce(h, "b", b.producerId, 0, seq: 0, ["b1"]).baseOffset, 2)
        XCTAssertEqual(try produce(h, nil, a.producerId, 0, seq: 2, ["x"]).errorCode, ErrorCode.invalidTxnState.rawValue,
                       "a transactional batch needs the transactional id")

        var committed = try fetch(h, isolation: 1)
        XCTAssertEqual(committed.partition.lastStableOffset, 0)
        XCTAssertEqual(committed.partition.highWatermark, 3)
        XCTAssertTrue(committed.batches.isEmpty, "nothing is decided yet")
        XCTAssertEqual(try fetch(h, isolation: 0).batches.map(\.offset), [0, 2])

        XCTAssertEqual(try end(h, "a", a.producerId, 0, commit: false), 0)  // abort marker at 3
        committed = try fetch(h, isolation: 1)
        XCTAssertEqual(committed.partition.lastStableOffset, 2, "b's transaction is still open")
        XCTAssertEqual(committed.batches.map(\.offset), [0])
        XCTAssertEqual(committed.partition.abortedTransactions?.map(\.producerId), [a.producerId])
        XCTAssertEqual(committed.partition.abortedTransactions?.map(\.firstOffset), [0])

        XCTAssertEqual(try end(h, "b", b.producerId, 0, commit: true), 0)  // commit marker at 4
        committed = try fetch(h, isolation: 1)
        XCTAssertEqual(committed.partition.lastStableOffset, 5)
        XCTAssertEqual(committed.batches.map(\.offset), [0, 2, 3, 4])
        XCTAssertEqual(committed.batches.map { $0.attributes & Self.control != 0 }, [false, false, true, true])
        XCTAssertEqual(try fetch(h, from: 4, isolation: 1).partition.abortedTransactions?.count, 0, "the abort lies before the range")
        XCTAssertEqual(try end(h, "b", b.producerId, 0, commit: true), 0, "a retried commit succeeds")
        XCTAssertEqual(try end(h, "b", b.producerId, 0, commit: false), ErrorCode.invalidTxnState.rawValue)

        // Partition 1 was added to a's transaction without data: it got a's abort marker all the same.
        let listed = try h.call(
            ListOffsetsRequest(replicaId: -1, isolationLevel: 1, topics: [.init(name: "t", partitions: [.init(partitionIndex: 1, timestamp: -1)])]),
            version: 5)
        XCTAssertEqual(listed.topics[0].partitions[0].offset, 1)
    }

    func testListOffsetsLatestReadCommittedAnswersTheLastStableOffset() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let p = try initProducer(h, "tx")
        _ = try add(h, "tx", p.producerId, 0, partitions: [0])
        _ = try h.produce("t", batch: TestBatch.make([("k", "plain")]))
        XCTAssertEqual(try produce(h, "tx", p.producerId, 0, seq: 0, ["t1"]).baseOffset, 1)
        func latest(_ isolation: Int8) throws -> Int64 {
            try h.call(
                ListOffsetsRequest(replicaId: -1, isolationLevel: isolation, topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, timestamp: -1)])]),
                version: 5
            ).topics[0].partitions[0].offset
        }
        XCTAssertEqual(try latest(0), 2)
        XCTAssertEqual(try latest(1), 1)
    }

    func testProducerControlBatchesAreRefused() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let batch = TestBatch.make([("k", "v")], attributes: Self.control)
        XCTAssertEqual(try h.produce("t", batch: batch).errorCode, ErrorCode.invalidRecord.rawValue)
    }

    func testNewEpochAbortsTheOldOneAndItsWritesAreRefused() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let old = try initProducer(h, "tx")
        _ = try add(h, "tx", old.producerId, 0, partitions: [0])
        XCTAssertEqual(try produce(h, "tx", old.producerId, 0, seq: 0, ["zombie"]).errorCode, 0)
        let new = try initProducer(h, "tx")
        XCTAssertEqual(new.producerEpoch, 1)
        XCTAssertEqual(try produce(h, "tx", old.producerId, 0, seq: 1, ["late"]).errorCode, ErrorCode.invalidProducerEpoch.rawValue)
        let committed = try fetch(h, isolation: 1)
        XCTAssertEqual(committed.batches.map(\.offset), [0, 1], "the zombie's batch and the abort marker")
        XCTAssertEqual(committed.partition.abortedTransactions?.map(\.firstOffset), [0])
    }

    func testTimedOutTransactionIsAbortedByTheTick() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let p = try initProducer(h, "tx", timeoutMs: 1000)
        _ = try add(h, "tx", p.producerId, 0, partitions: [0])
        _ = try produce(h, "tx", p.producerId, 0, seq: 0, ["v"])
        h.clock.nowMs += 500
        h.broker.tickTransactions()
        XCTAssertEqual(try fetch(h, isolation: 1).partition.lastStableOffset, 0)
        h.clock.nowMs += 600
        h.broker.tickTransactions()
        let after = try fetch(h, isolation: 1)
        XCTAssertEqual(after.partition.lastStableOffset, 2)
        XCTAssertEqual(after.partition.abortedTransactions?.count, 1)
        XCTAssertEqual(try end(h, "tx", p.producerId, 0, commit: true), ErrorCode.producerFenced.rawValue, "the late producer is fenced")
    }

    func testTransactionalOffsetsAppearOnlyAtCommit() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let p = try initProducer(h, "tx")
        func committedOffset() throws -> Int64 {
            try h.call(OffsetFetchRequest(groupId: "g", topics: [.init(name: "t", partitionIndexes: [0])]), version: 5)
                .topics[0].partitions[0].committedOffset
        }
        func sendOffsets(_ offset: Int64) throws -> Int16 {
            let request = TxnOffsetCommitRequest(
                transactionalId: "tx", groupId: "g", producerId: p.producerId, producerEpoch: p.producerEpoch,
                topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, committedOffset: offset, committedMetadata: nil)])])
            return try h.call(request, version: 3).topics[0].partitions[0].errorCode
        }
        XCTAssertEqual(try sendOffsets(5), ErrorCode.invalidTxnState.rawValue, "the group was not added")
        let added = try h.call(
            AddOffsetsToTxnRequest(transactionalId: "tx", producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: "g"),
            version: 3)
        XCTAssertEqual(added.errorCode, 0)
        XCTAssertEqual(try sendOffsets(5), 0)
        XCTAssertEqual(try committedOffset(), -1, "not visible before the commit")
        XCTAssertEqual(try end(h, "tx", p.producerId, p.producerEpoch, commit: true), 0)
        XCTAssertEqual(try committedOffset(), 5)

        _ = try h.call(
            AddOffsetsToTxnRequest(transactionalId: "tx", producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: "g"),
            version: 3)
        XCTAssertEqual(try sendOffsets(9), 0)
        XCTAssertEqual(try end(h, "tx", p.producerId, p.producerEpoch, commit: false), 0)
        XCTAssertEqual(try committedOffset(), 5, "aborted offsets are dropped")
    }

    func testProducersAndOpenTransactionsSurviveARestart() throws {
        let directory = "/tmp/kairos-txn-tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        defer { _ = try? FileManagerLite.removeTree(directory) }
        var logger = Logger(label: "txn-test")
        logger.logLevel = .critical
        func open() throws -> BrokerHarness {
            try BrokerHarness(logFactory: try DiskLogFactory(directory: directory, defaultConfig: LogConfig(), logger: logger))
        }
        var h = try open()
        try h.createTopic("t")
        let done = try initProducer(h, "done")
        _ = try add(h, "done", done.producerId, 0, partitions: [0])
        XCTAssertEqual(try produce(h, "done", done.producerId, 0, seq: 0, ["aborted"]).baseOffset, 0)
        XCTAssertEqual(try end(h, "done", done.producerId, 0, commit: false), 0)  // marker at 1
        let tx = try initProducer(h, "tx")
        _ = try add(h, "tx", tx.producerId, 0, partitions: [0])
        XCTAssertEqual(try produce(h, "tx", tx.producerId, 0, seq: 0, ["pending"]).baseOffset, 2)
        h.broker.shutdown()

        h = try open()
        var committed = try fetch(h, isolation: 1)
        XCTAssertEqual(committed.partition.lastStableOffset, 2, "the open transaction is open again")
        XCTAssertEqual(committed.partition.abortedTransactions?.map(\.producerId), [done.producerId])
        XCTAssertEqual(try end(h, "tx", tx.producerId, 0, commit: true), 0, "the producer can still commit it")
        committed = try fetch(h, isolation: 1)
        XCTAssertEqual(committed.partition.lastStableOffset, 4)
        XCTAssertEqual(committed.batches.map(\.offset), [0, 1, 2, 3])
        let again = try initProducer(h, "tx")
        XCTAssertEqual(again.producerId, tx.producerId, "the transactional id keeps its producer id")
        XCTAssertEqual(again.producerEpoch, 1)
        h.broker.shutdown()

        h = try open()
        XCTAssertEqual(try end(h, "tx", tx.producerId, 0, commit: true), ErrorCode.producerFenced.rawValue, "epoch 0 stays fenced")
        XCTAssertEqual(try initProducer(h, "tx").producerEpoch, 2)
        h.broker.shutdown()
    }
}
