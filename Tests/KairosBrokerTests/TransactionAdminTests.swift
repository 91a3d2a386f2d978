import KafkaProtocol
import KairosBroker
import NIOCore
import XCTest

/// DescribeProducers, DescribeTransactions and ListTransactions through the broker's request handlers.
final class TransactionAdminTests: XCTestCase {
    private static let transactional: Int16 = 0x10

    /// InitProducerId for `id`, then `partitions` of topic t added to a transaction and one batch of `values` sent
    /// to each; `open: false` stops after InitProducerId.
    private func startTransaction(
        _ h: BrokerHarness, _ id: String, partitions: [Int32], values: [String] = ["a", "b"], open: Bool = true
    ) throws -> (id: Int64, epoch: Int16) {
        let p = try h.call(InitProducerIdRequest(transactionalId: id, transactionTimeoutMs: 30_000), version: 4)
        XCTAssertEqual(p.errorCode, 0)
        guard open else { return (p.producerId, p.producerEpoch) }
        let added = try h.call(
            AddPartitionsToTxnRequest(
                transactionalId: id, producerId: p.producerId, producerEpoch: p.producerEpoch,
                topics: [.init(name: "t", partitions: partitions)]),
            version: 3)
        XCTAssertEqual(added.results.flatMap { $0.resultsByPartition.map(\.partitionErrorCode) }, partitions.map { _ in 0 })
        for partition in partitions {
            let batch = TestBatch.make(
                values.map { (key: nil, value: $0) }, producerId: p.producerId, producerEpoch: p.producerEpoch,
                baseSequence: 0, attributes: Self.transactional)
            let produced = try h.call(
                ProduceRequest(
                    transactionalId: id, acks: -1, timeoutMs: 1000,
                    topicData: [.init(name: "t", partitionData: [.init(index: partition, records: batch)])]),
                version: 9)
            XCTAssertEqual(produced.responses[0].partitionResponses[0].errorCode, 0)
        }
        return (p.producerId, p.producerEpoch)
    }

    private func endTransaction(_ h: BrokerHarness, _ id: String, _ producer: (id: Int64, epoch: Int16), commit: Bool) throws {
        let ended = try h.call(
            EndTxnRequest(transactionalId: id, producerId: producer.id, producerEpoch: producer.epoch, committed: commit), version: 3)
        XCTAssertEqual(ended.errorCode, 0)
    }

    private func describeProducers(_ h: BrokerHarness, _ partitions: [Int32], topic: String = "t") throws
        -> [DescribeProducersResponse.PartitionResponse]
    {
        let response = try h.call(DescribeProducersRequest(topics: [.init(name: topic, partitionIndexes: partitions)]), version: 0)
        XCTAssertEqual(response.topics.map(\.name), [topic])
        return response.topics[0].partitions
    }

    func testDescribeProducersShowsSequenceTimestampAndOpenTransactionStart() throws {
        let h = try BrokerHarness()
        try h.createTopic("t", partitions: 2)
        // An idempotent, non-transactional producer on partition 0 writes offsets 0-2.
        let plain = try h.produce("t", partition: 0, batch: TestBatch.make(
            [(nil, "x"), (nil, "y"), (nil, "z")], timestamp: 1_700_000_000_123, producerId: 900, producerEpoch: 3, baseSequence: 0))
        XCTAssertEqual(plain.errorCode, 0)
        let txn = try startTransaction(h, "tx", partitions: [0])

        let open = try describeProducers(h, [0, 1, 7])
        XCTAssertEqual(open.map(\.partitionIndex), [0, 1, 7])
        XCTAssertEqual(open.map(\.errorCode), [0, 0, ErrorCode.unknownTopicOrPartition.rawValue])
        XCTAssertEqual(open[1].activeProducers, [], "nothing was written to partition 1")
        let byId = Dictionary(uniqueKeysWithValues: open[0].activeProducers.map { ($0.producerId, $0) })
        XCTAssertEqual(Set(byId.keys), [900, txn.id])
        XCTAssertEqual(byId[900]?.producerEpoch, 3)
        XCTAssertEqual(byId[900]?.lastSequence, 2)
        XCTAssertEqual(byId[900]?.lastTimestamp, 1_700_000_000_125, "the batch's max: its third record is 2 ms after the first")
        XCTAssertEqual(byId[900]?.currentTxnStartOffset, -1, "not transactional")
        XCTAssertEqual(byId[txn.id]?.producerEpoch, Int32(txn.epoch))
        XCTAssertEqual(byId[txn.id]?.lastSequence, 1)
        XCTAssertEqual(byId[txn.id]?.currentTxnStartOffset, 3, "its transaction's first batch went at offset 3")
        XCTAssertEqual(byId[txn.id]?.coordinatorEpoch, -1)

        try endTransaction(h, "tx", txn, commit: true)
        let closed = try describeProducers(h, [0])
        XCTAssertEqual(closed[0].activeProducers.first { $0.producerId == txn.id }?.currentTxnStartOffset, -1)

        let unknownTopic = try describeProducers(h, [0], topic: "nope")
        XCTAssertEqual(unknownTopic[0].errorCode, ErrorCode.unknownTopicOrPartition.rawValue)
        XCTAssertNotNil(unknownTopic[0].errorMessage)
    }

    func testDescribeTransactionsReportsStateTimeoutStartAndPartitions() throws {
        let h = try BrokerHarness()
        try h.createTopic("t", partitions: 3)
        h.clock.nowMs = 50_000
        let txn = try startTransaction(h, "tx", partitions: [2, 0])
        let idle = try startTransaction(h, "idle", partitions: [], open: false)

        let response = try h.call(DescribeTransactionsRequest(transactionalIds: ["tx", "idle", "missing"]), version: 0)
        XCTAssertEqual(response.transactionStates.map(\.transactionalId), ["tx", "idle", "missing"])
        let open = response.transactionStates[0]
        XCTAssertEqual(open.errorCode, 0)
        XCTAssertEqual(open.transactionState, "Ongoing")
        XCTAssertEqual(open.transactionTimeoutMs, 30_000)
        XCTAssertEqual(open.transactionStartTimeMs, 50_000)
        XCTAssertEqual(open.producerId, txn.id)
        XCTAssertEqual(open.producerEpoch, txn.epoch)
        XCTAssertEqual(open.topics.map(\.topic), ["t"])
        XCTAssertEqual(open.topics.first?.partitions, [0, 2])
        let empty = response.transactionStates[1]
        XCTAssertEqual(empty.transactionState, "Empty")
        XCTAssertEqual(empty.producerId, idle.id)
        XCTAssertEqual(empty.transactionStartTimeMs, -1)
        XCTAssertEqual(empty.topics, [])
        XCTAssertEqual(response.transactionStates[2].errorCode, ErrorCode.transactionalIdNotFound.rawValue)

        try endTransaction(h, "tx", txn, commit: false)
        let after = try h.call(DescribeTransactionsRequest(transactionalIds: ["tx"]), version: 0).transactionStates[0]
        XCTAssertEqual(after.transactionState, "CompleteAbort")
        XCTAssertEqual(after.topics, [])
    }

    func testListTransactionsFiltersByStateProducerAndDuration() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        h.clock.nowMs = 10_000
        let a = try startTransaction(h, "a", partitions: [0])
        h.clock.nowMs = 15_000
        let b = try startTransaction(h, "b", partitions: [0])
        try endTransaction(h, "b", b, commit: true)
        _ = try startTransaction(h, "c", partitions: [], open: false)
        h.clock.nowMs = 20_000

        func list(states: [String] = [], producers: [Int64] = [], duration: Int64 = -1, version: Int16 = 1) throws
            -> ListTransactionsResponse
        {
            try h.call(
                ListTransactionsRequest(stateFilters: states, producerIdFilters: producers, durationFilter: duration), version: version)
        }
        let all = try list()
        XCTAssertEqual(all.errorCode, 0)
        XCTAssertEqual(all.transactionStates.map(\.transactionalId), ["a", "b", "c"])
        XCTAssertEqual(all.transactionStates.map(\.transactionState), ["Ongoing", "CompleteCommit", "Empty"])
        XCTAssertEqual(all.transactionStates[0].producerId, a.id)
        XCTAssertEqual(try list(version: 0).transactionStates.count, 3)

        XCTAssertEqual(try list(states: ["Ongoing"]).transactionStates.map(\.transactionalId), ["a"])
        XCTAssertEqual(try list(states: ["Empty", "CompleteCommit"]).transactionStates.map(\.transactionalId), ["b", "c"])
        XCTAssertEqual(try list(producers: [b.id]).transactionStates.map(\.transactionalId), ["b"])
        XCTAssertEqual(try list(states: ["Ongoing"], producers: [b.id]).transactionStates, [], "both filters must pass")
        XCTAssertEqual(try list(duration: 10_000).transactionStates.map(\.transactionalId), ["a"], "a has run 10 s")
        XCTAssertEqual(try list(duration: 10_001).transactionStates, [])

        let unknown = try list(states: ["Ongoing", "Sleeping"])
        XCTAssertEqual(unknown.unknownStateFilters, ["Sleeping"])
        XCTAssertEqual(unknown.transactionStates.map(\.transactionalId), ["a"])
    }
}
