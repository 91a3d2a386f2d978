import NIOCore
import XCTest

@testable import KafkaProtocol

final class RecordsBuilderTests: XCTestCase {
    private typealias S = RecordsTestSupport

    func testBuilderMatchesRecordBatchEncode() throws {
        for codec in CompressionCodec.allCases {
            var builder = RecordBatchBuilder(baseTimestamp: 1_000, producerId: 5, producerEpoch: 2, baseSequence: 40)
            var records: [Record] = []
            for i in 0..<50 {
                let key: ByteBuffer? = i % 4 == 0 ? nil : S.buffer("key-\(i)")
                let value: ByteBuffer? = i % 9 == 5 ? nil : S.buffer(String(repeating: "payload \(i) ", count: i % 7 + 1))
                let headers = i % 3 == 0 ? [RecordHeader(key: "n", value: S.buffer("\(i)")), RecordHeader(key: "z", value: nil)] : []
                let timestamp = 1_000 + Int64(i * 2) - (i == 10 ? 50 : 0)
                let predicted = builder.sizeOfRecord(timestamp: timestamp, keyBytes: key?.readableBytes,
                                                     valueBytes: value?.readableBytes, headers: headers)
                let before = builder.estimatedSizeBytes
                let added = builder.append(timestamp: timestamp, key: key, value: value, headers: headers)
                XCTAssertEqual(added, predicted)
                XCTAssertEqual(builder.estimatedSizeBytes, before + added)
                records.append(Record(timestampDelta: timestamp - 1_000, offsetDelta: Int32(i), key: key, value: value,
                                      headers: headers))
            }
            XCTAssertEqual(builder.recordCount, 50)
            let built = try builder.finish(compression: codec)

            let batch = RecordBatch(baseTimestamp: 1_000, producerId: 5, producerEpoch: 2, baseSequence: 40, records: records)
            var encoded = ByteBuffer()
            try batch.encode(into: &encoded, compression: codec, allocator: S.allocator)
            XCTAssertEqual(built, encoded, codec.name)

            let header = try RecordBatchValidator.validate(built)
            XCTAssertEqual(header.maxTimestamp, 1_098)
            XCTAssertEqual(header.lastOffsetDelta, 49)
            XCTAssertEqual(header.partitionLeaderEpoch, -1)
            var input = built
            var decoded = try RecordBatch.decode(from: &input, maxDecompressedBytes: 1 << 20)
            decoded.attributes = 0
            XCTAssertEqual(decoded, batch)
        }
    }

    func testLimitedAppendWritesTheSameBytesAndRefusesWhatDoesNotFit() throws {
        var plain = RecordBatchBuilder(baseTimestamp: 1_000, producerId: 3, producerEpoch: 1, baseSequence: 9)
        var limited = RecordBatchBuilder(baseTimestamp: 1_000, producerId: 3, producerEpoch: 1, baseSequence: 9)
        for i in 0..<300 {
            // Nulls, empty strings, long values (two-byte varint lengths), negative and large timestamp deltas,
            // and headers (the other write path).
            let key: ByteBuffer? = i % 5 == 0 ? nil : S.buffer(i % 7 == 0 ? "" : "key-\(i)")
            let value: ByteBuffer? = i % 11 == 3 ? nil : S.buffer(String(repeating: "v\(i)", count: i % 90))
            let headers = i % 13 == 0 ? [RecordHeader(key: "h", value: S.buffer("\(i)"))] : []
            let timestamp = 1_000 + Int64(i) * (i % 17 == 0 ? -40_000 : 3)
            let expected = plain.append(timestamp: timestamp, key: key, value: value, headers: headers)
            let added = limited.append(timestamp: timestamp, key: key, value: value, headers: headers, limitBytes: .max)
            XCTAssertEqual(added, expected, "record \(i)")
        }
        XCTAssertEqual(limited.recordCount, 300)
        let size = limited.estimatedSizeBytes
        // A record that would pass the limit is refused and changes nothing.
        XCTAssertNil(limited.append(timestamp: 1_000, key: nil, value: S.buffer("x"), limitBytes: size + 5))
        XCTAssertEqual(limited.estimatedSizeBytes, size)
        XCTAssertEqual(limited.recordCount, 300)
        XCTAssertEqual(limited.append(timestamp: 1_000, key: nil, value: S.buffer("x"), limitBytes: size + 9), 9)
        plain.append(timestamp: 1_000, key: nil, value: S.buffer("x"))
        XCTAssertEqual(try limited.finish(compression: .none), try plain.finish(compression: .none))
    }

    func testSetProducerRewritesIdentityAndKeepsTheBatchValid() throws {
        for codec in [CompressionCodec.none, .lz4] {
            var builder = RecordBatchBuilder(baseTimestamp: 5, producerId: 1, producerEpoch: 0, baseSequence: 10)
            for i in 0..<20 { builder.append(timestamp: 5 + Int64(i), key: nil, value: S.buffer("record \(i)")) }
            var batch = try builder.finish(compression: codec)
            RecordBatchRewriter.setProducer(id: 77, epoch: 3, baseSequence: 0, of: &batch)
            let header = try RecordBatchValidator.validate(batch)
            XCTAssertEqual(header.producerId, 77)
            XCTAssertEqual(header.producerEpoch, 3)
            XCTAssertEqual(header.baseSequence, 0)
            XCTAssertEqual(header.recordCount, 20)
            var input = batch
            let decoded = try RecordBatch.decode(from: &input, maxDecompressedBytes: 1 << 20)
            XCTAssertEqual(decoded.records.map { $0.value.map { String(buffer: $0) } }, (0..<20).map { "record \($0)" })
        }
    }

    func testRawPointerAppendEqualsByteBufferAppend() throws {
        var fromBuffers = RecordBatchBuilder(baseTimestamp: 7, isTransactional: false)
        var fromPointers = RecordBatchBuilder(baseTimestamp: 7)
        let key = Array("the key".utf8)
        let value = Array("the value".utf8)
        fromBuffers.append(timestamp: 8, key: ByteBuffer(bytes: key), value: ByteBuffer(bytes: value))
        fromBuffers.append(timestamp: 9, key: nil as ByteBuffer?, value: ByteBuffer(bytes: value))
        key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                fromPointers.append(timestamp: 8, key: k, value: v)
                fromPointers.append(timestamp: 9, key: nil, value: v)
            }
        }
        XCTAssertEqual(try fromBuffers.finish(compression: .snappy), try fromPointers.finish(compression: .snappy))
    }

    func testTransactionalFlagAndSmallCapacityGrowth() throws {
        var builder = RecordBatchBuilder(baseTimestamp: 0, producerId: 1, producerEpoch: 0, baseSequence: 0,
                                         isTransactional: true, initialCapacityBytes: 8)
        for i in 0..<1_000 { builder.append(timestamp: Int64(i), key: nil, value: S.buffer("record \(i)")) }
        let header = try RecordBatchValidator.validate(try builder.finish(compression: .none))
        XCTAssertTrue(header.isTransactional)
        XCTAssertEqual(header.recordCount, 1_000)
    }
}
