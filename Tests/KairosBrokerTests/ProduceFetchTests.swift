import KafkaProtocol
import KairosBroker
import NIOCore
import XCTest

final class ProduceFetchTests: XCTestCase {
    func testProduceAssignsContiguousOffsetsAndFetchReturnsTheBytes() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let a = TestBatch.make([("k1", "v1"), (nil, "v2"), ("k3", nil)])
        let b = TestBatch.make([("k4", "v4")])
        XCTAssertEqual(try h.produce("t", batch: a).baseOffset, 0)
        XCTAssertEqual(try h.produce("t", batch: b).baseOffset, 3)
        XCTAssertEqual(try h.produce("t", batch: a).baseOffset, 4)

        let response = try h.decode(h.fetch("t", offset: 0), as: FetchResponse.self, apiKey: .fetch, version: 12)
        let p = response.responses[0].partitions[0]
        XCTAssertEqual(p.errorCode, 0)
        XCTAssertEqual(p.highWatermark, 7)
        var records = try XCTUnwrap(p.records)
        var offsets: [Int64] = []
        while records.readableBytes > 0 {
            let header = try RecordBatchHeader(peeking: records)
            offsets.append(header.baseOffset)
            records.moveReaderIndex(forwardBy: 12 + Int(header.batchLength))
        }
        XCTAssertEqual(offsets, [0, 3, 4])

        // The stored batch equals the produced one except for the broker-assigned base offset.
        var first = try XCTUnwrap(p.records)
        let stored = first.readSlice(length: a.readableBytes)!
        XCTAssertEqual(stored.getBytes(at: stored.readerIndex + 8, length: a.readableBytes - 8), a.getBytes(at: 8, length: a.readableBytes - 8))
    }

    func testProduceErrors() throws {
        let h = try BrokerHarness { $0.messageMaxBytes = 200 }
        try h.createTopic("t")
        var corrupt = TestBatch.make([("k", "v")])
        corrupt.setInteger(UInt8(0xFF), at: corrupt.writerIndex - 2)
        XCTAssertEqual(try h.produce("t", batch: corrupt).errorCode, ErrorCode.corruptMessage.rawValue)
        let big = TestBatch.make([("k", String(repeating: "x", count: 300))])
        XCTAssertEqual(try h.produce("t", batch: big).errorCode, ErrorCode.messageTooLarge.rawValue)
        XCTAssertEqual(try h.produce("missing", batch: TestBatch.make([("k", "v")])).errorCode, ErrorCode.unknownTopicOrPartition.rawValue)
        XCTAssertEqual(try h.produce("t", partition: 7, batch: TestBatch.make([("k", "v")])).errorCode, ErrorCode.unknownTopicOrPartition.rawValue)
        XCTAssertEqual(try h.produce("t", batch: TestBatch.make([("k", "v")]), acks: 2).errorCode, ErrorCode.invalidRequiredAcks.rawValue)
        // Nothing was written by the failures.
        XCTAssertEqual(try h.produce("t", batch: TestBatch.make([("k", "v")])).baseOffset, 0)
    }

    func testAcksZeroSendsNoResponse() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let request = ProduceRequest(
            transactionalId: nil, acks: 0, timeoutMs: 1000,
            topicData: [.init(name: "t", partitionData: [.init(index: 0, records: TestBatch.make([("k", "v")]))])])
        guard case .noResponse = h.broker.handle(frame: h.frame(request, version: 9), context: h.context) else {
            return XCTFail("acks=0 must not be answered")
        }
        XCTAssertEqual(try h.produce("t", batch: TestBatch.make([("k", "v")])).baseOffset, 1)
    }

    func testIdempotentRetryIsNotWrittenTwiceAndGapsAreRefused() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let initResponse = try h.call(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: 1000), version: 4)
        XCTAssertEqual(initResponse.errorCode, 0)
        let pid = initResponse.producerId
        let first = TestBatch.make([("a", "1"), ("b", "2")], producerId: pid, producerEpoch: 0, baseSequence: 0)
        XCTAssertEqual(try h.produce("t", batch: first).baseOffset, 0)
        let retry = try h.produce("t", batch: first)
        XCTAssertEqual(retry.errorCode, 0)
        XCTAssertEqual(retry.baseOffset, 0, "a duplicate is acknowledged with its first offset")
        let next = TestBatch.make([("c", "3")], producerId: pid, producerEpoch: 0, baseSequence: 2)
        XCTAssertEqual(try h.produce("t", batch: next).baseOffset, 2)
        let gap = TestBatch.make([("d", "4")], producerId: pid, producerEpoch: 0, baseSequence: 9)
        XCTAssertEqual(try h.produce("t", batch: gap).errorCode, ErrorCode.outOfOrderSequenceNumber.rawValue)
        let end = try h.call(
            ListOffsetsRequest(replicaId: -1, isolationLevel: 0, topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, timestamp: -1)])]),
            version: 6)
        XCTAssertEqual(end.topics[0].partitions[0].offset, 3, "three records, no duplicates")

        let second = try h.call(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: 1000), version: 4)
        XCTAssertNotEqual(second.producerId, pid)
    }

    func testListOffsets() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        _ = try h.produce("t", batch: TestBatch.make([("a", "1"), ("b", "2")], timestamp: 1000))
        _ = try h.produce("t", batch: TestBatch.make([("c", "3")], timestamp: 5000))
        func lookUp(_ ts: Int64) throws -> ListOffsetsResponse.ListOffsetsPartitionResponse {
            try h.call(
                ListOffsetsRequest(replicaId: -1, isolationLevel: 0, topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, timestamp: ts)])]),
                version: 6
            ).topics[0].partitions[0]
        }
        XCTAssertEqual(try lookUp(-2).offset, 0)
        XCTAssertEqual(try lookUp(-1).offset, 3)
        XCTAssertEqual(try lookUp(2000).offset, 2)
        XCTAssertEqual(try lookUp(2000).timestamp, 5000)
        XCTAssertEqual(try lookUp(9000).offset, -1)
    }

    /// A batch of records spread over time, compressed as producers send it.
    private func spreadBatch(baseTimestamp: Int64, deltas: [Int64], compression: CompressionCodec) throws -> ByteBuffer {
        let records = deltas.enumerated().map { i, delta in
            Record(timestampDelta: delta, offsetDelta: Int32(i), key: nil, value: ByteBuffer(string: "v\(i)"))
        }
        var out = ByteBuffer()
        try RecordBatch(baseTimestamp: baseTimestamp, records: records)
            .encode(into: &out, compression: compression, allocator: ByteBufferAllocator())
        return out
    }

    func testListOffsetsByTimeFindsTheRecordInsideABatchAndTheNewerVersionsSpecialTimes() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        _ = try h.produce("t", batch: TestBatch.make([("a", "1")], timestamp: 500))
        // Offsets 1-5 at 1000, 1100, 1400, 1200, 1900 (out of order, as producers may stamp them); gzip.
        _ = try h.produce("t", batch: try spreadBatch(baseTimestamp: 1000, deltas: [0, 100, 400, 200, 900], compression: .gzip))
        _ = try h.produce("t", batch: try spreadBatch(baseTimestamp: 1500, deltas: [0, 50], compression: .none))  // 6, 7
        func lookUp(_ ts: Int64, version: Int16 = 9) throws -> ListOffsetsResponse.ListOffsetsPartitionResponse {
            try h.call(
                ListOffsetsRequest(replicaId: -1, isolationLevel: 0, topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, timestamp: ts)])]),
                version: version
            ).topics[0].partitions[0]
        }
        func answer(_ ts: Int64, version: Int16 = 9) throws -> [Int64] {
            let r = try lookUp(ts, version: version)
            return [Int64(r.errorCode), r.offset, r.timestamp]
        }
        XCTAssertEqual(try answer(1000), [0, 1, 1000])
        XCTAssertEqual(try answer(1050), [0, 2, 1100], "the first record at or after the time, not the batch's base")
        XCTAssertEqual(try answer(1150), [0, 3, 1400], "by offset order: the first later record, though 1200 is closer")
        XCTAssertEqual(try answer(1401), [0, 5, 1900])
        XCTAssertEqual(try answer(1401, version: 1), [0, 5, 1900])
        XCTAssertEqual(try answer(1950), [0, -1, -1])
        XCTAssertEqual(try answer(-3, version: 7), [0, 5, 1900], "max timestamp: the record holding it")
        XCTAssertEqual(try answer(-4, version: 8), [0, 0, -1], "earliest local: the log start without tiered storage")
        XCTAssertEqual(try answer(-5), [0, -1, -1], "latest tiered: none without tiered storage")
        XCTAssertEqual(try lookUp(-3, version: 6).errorCode, ErrorCode.invalidRequest.rawValue)
        XCTAssertEqual(try lookUp(-4, version: 7).errorCode, ErrorCode.invalidRequest.rawValue)
        XCTAssertEqual(try lookUp(-7).errorCode, ErrorCode.invalidRequest.rawValue)
    }

    func testListOffsetsMaxTimestampOfAnEmptyLogIsNone() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let r = try h.call(
            ListOffsetsRequest(replicaId: -1, isolationLevel: 0, topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, timestamp: -3)])]),
            version: 7
        ).topics[0].partitions[0]
        XCTAssertEqual([Int64(r.errorCode), r.offset, r.timestamp], [0, -1, -1])
    }

    func testFetchOutOfRangeAndUnknown() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        _ = try h.produce("t", batch: TestBatch.make([("a", "1")]))
        let beyond = try h.decode(h.fetch("t", offset: 5), as: FetchResponse.self, apiKey: .fetch, version: 12)
        XCTAssertEqual(beyond.responses[0].partitions[0].errorCode, ErrorCode.offsetOutOfRange.rawValue)
        let unknown = try h.decode(h.fetch("nope", offset: 0), as: FetchResponse.self, apiKey: .fetch, version: 12)
        XCTAssertEqual(unknown.responses[0].partitions[0].errorCode, ErrorCode.unknownTopicOrPartition.rawValue)
    }

    func testLongPollingFetchAnswersWhenDataArrives() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let reply = h.fetch("t", offset: 0, maxWaitMs: 60_000, minBytes: 1)
        guard case .deferred(let future) = reply else { return XCTFail("an empty fetch with max_wait must wait") }
        h.loop.run()
        let answered = Flag()
        future.whenComplete { _ in answered.value = true }
        XCTAssertFalse(answered.value)
        _ = try h.produce("t", batch: TestBatch.make([("a", "1")]))
        h.loop.run()
        XCTAssertTrue(answered.value, "the append must complete the waiting fetch long before its deadline")
        let response = try h.decode(try future.wait(), as: FetchResponse.self, apiKey: .fetch, version: 12)
        XCTAssertEqual(response.responses[0].partitions[0].highWatermark, 1)
        XCTAssertGreaterThan(response.responses[0].partitions[0].records?.readableBytes ?? 0, 0)
    }

    func testLongPollingFetchTimesOutEmpty() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        guard case .deferred(let future) = h.fetch("t", offset: 0, maxWaitMs: 500) else { return XCTFail("must wait") }
        h.loop.advanceTime(by: .milliseconds(499))
        let answered = Flag()
        future.whenComplete { _ in answered.value = true }
        XCTAssertFalse(answered.value)
        h.loop.advanceTime(by: .milliseconds(2))
        XCTAssertTrue(answered.value)
        let response = try h.decode(try future.wait(), as: FetchResponse.self, apiKey: .fetch, version: 12)
        XCTAssertEqual(response.responses[0].partitions[0].records?.readableBytes ?? 0, 0)
    }

    func testLoadStatisticsCountProducedAndFetchedRecords() throws {
        let h = try BrokerHarness()
        try h.createTopic("t")
        let before = h.broker.loadSnapshot()
        _ = try h.produce("t", batch: TestBatch.make([("a", "1"), ("b", "2"), ("c", "3")]))
        _ = try h.decode(h.fetch("t", offset: 0), as: FetchResponse.self, apiKey: .fetch, version: 12)
        h.clock.nowMs += 1000
        let after = h.broker.loadSnapshot()
        XCTAssertEqual(after[0].recordsIn, 3)
        XCTAssertEqual(after[0].recordsOut, 3)
        XCTAssertEqual(after[0].producingConnections, 1)
        XCTAssertEqual(after[0].fetchingConnections, 1)
        let rates = after[0].rates(since: before[0])
        XCTAssertEqual(rates.recordsInPerSec, 3, accuracy: 0.01)
    }
}

/// A flag a completion handler sets; tests run everything on one embedded loop.
final class Flag: @unchecked Sendable {
    var value = false
}
