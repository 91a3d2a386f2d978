import NIOCore
import XCTest

@testable import KafkaProtocol

final class RecordsLegacyTests: XCTestCase {
    private typealias S = RecordsTestSupport

    func testKafkaPythonMessageSetsDecode() throws {
        let fixtures = S.fixtureList("legacy")
        XCTAssertEqual(fixtures.count, 8)
        for fixture in fixtures {
            let name = fixture["name"] as! String
            let magic = Int8(S.int64(fixture["magic"]))
            let messages = try LegacyMessageSet.decode(S.buffer(hex: fixture["hex"] as! String), maxDecompressedBytes: 1 << 20)
            let expected = fixture["messages"] as! [[String: Any]]
            XCTAssertEqual(messages.count, expected.count, name)
            for (message, want) in zip(messages, expected) {
                XCTAssertEqual(message.magic, magic, name)
                XCTAssertEqual(message.offset, S.int64(want["offset"]), name)
                XCTAssertEqual(message.timestamp, S.optionalInt64(want["timestamp"]), name)
                XCTAssertEqual(S.hex(message.key), S.optionalString(want["key"]), name)
                XCTAssertEqual(S.hex(message.value), S.optionalString(want["value"]), name)
            }
        }
    }

    func testLegacyEncodeRoundTripsAndMatchesKafkaPythonWhenUncompressed() throws {
        for fixture in S.fixtureList("legacy") {
            let name = fixture["name"] as! String
            let magic = Int8(S.int64(fixture["magic"]))
            let codec = CompressionCodec(name: fixture["codec"] as! String)!
            let original = S.buffer(hex: fixture["hex"] as! String)
            let messages = try LegacyMessageSet.decode(original, maxDecompressedBytes: 1 << 20)
            let encoded = try LegacyMessageSet.encode(messages, magic: magic, compression: codec, allocator: S.allocator)
            if codec == .none { XCTAssertEqual(encoded, original, name) }
            XCTAssertEqual(try LegacyMessageSet.decode(encoded, maxDecompressedBytes: 1 << 20), messages, name)
        }
    }

    func testCorruptMessagesAreRejected() throws {
        let fixture = S.fixtureList("legacy").first { $0["name"] as? String == "v1-snappy" }!
        let original = S.buffer(hex: fixture["hex"] as! String)
        var flipped = original
        flipped.setInteger(flipped.getInteger(at: 40, as: UInt8.self)! ^ 0x10, at: 40)
        XCTAssertThrowsError(try LegacyMessageSet.decode(flipped, maxDecompressedBytes: 1 << 20)) { error in
            XCTAssertEqual((error as? RecordBatchError)?.errorCode, 2)
        }
        let cut = original.getSlice(at: 0, length: original.readableBytes - 3)!
        XCTAssertThrowsError(try LegacyMessageSet.decode(cut, maxDecompressedBytes: 1 << 20))
        XCTAssertEqual(try LegacyMessageSet.decode(cut, maxDecompressedBytes: 1 << 20, allowsPartialTail: true), [])
        XCTAssertThrowsError(try LegacyMessageSet.decode(original, maxDecompressedBytes: 10)) { error in
            XCTAssertEqual((error as? RecordBatchError)?.errorCode, 10)
        }
    }

    func testUpConversionForOldProducers() throws {
        for fixture in S.fixtureList("legacy") {
            let name = fixture["name"] as! String
            let set = S.buffer(hex: fixture["hex"] as! String)
            let expected = fixture["messages"] as! [[String: Any]]
            let (batch, codec) = try LegacyMessageSet.convertToRecordBatch(set, maxDecompressedBytes: 1 << 20)
            XCTAssertEqual(codec.name, fixture["codec"] as? String, name)
            XCTAssertEqual(batch.records.count, expected.count, name)
            XCTAssertEqual(batch.records.map(\.offsetDelta), Array(0..<Int32(expected.count)), name)
            for (record, want) in zip(batch.records, expected) {
                XCTAssertEqual(batch.timestamp(of: record), S.optionalInt64(want["timestamp"]) ?? -1, name)
                XCTAssertEqual(S.hex(record.key), S.optionalString(want["key"]), name)
                XCTAssertEqual(S.hex(record.value), S.optionalString(want["value"]), name)
            }
            let stored = try LegacyMessageSet.upConvert(set, maxDecompressedBytes: 1 << 20)
            let header = try RecordBatchValidator.validate(stored)
            XCTAssertEqual(header.compression, codec, name)
            XCTAssertEqual(Int(header.recordCount), expected.count, name)
        }
    }

    func testDownConversionForOldConsumers() throws {
        // Two stored batches at offsets 100 and 112, one compressed, plus a partial batch at the end.
        var log = ByteBuffer()
        var expected: [(offset: Int64, timestamp: Int64, value: String?)] = []
        for (base, codec) in [(Int64(100), CompressionCodec.lz4), (112, .none), (120, .zstd), (130, .gzip)] {
            var builder = RecordBatchBuilder(baseTimestamp: 5_000 + base)
            for i in 0..<(codec == .none ? 8 : 12) {
                let value: String? = i == 3 ? nil : "value \(base + Int64(i))"
                builder.append(timestamp: 5_000 + base + Int64(i), key: S.buffer("k"), value: value.map { S.buffer($0) },
                               headers: [RecordHeader(key: "dropped", value: nil)])
                expected.append((base + Int64(i), 5_000 + base + Int64(i), value))
            }
            var batch = try builder.finish(compression: codec)
            RecordBatchHeader.setBaseOffset(base, inBatchAt: batch.readerIndex, of: &batch)
            log.writeBuffer(&batch)
        }
        // A control batch, which old consumers must not see.
        var control = RecordBatch(baseOffset: 142, attributes: RecordBatchHeader.controlMask | RecordBatchHeader.transactionalMask,
                                  baseTimestamp: 0, producerId: 3, producerEpoch: 0,
                                  records: [Record(timestampDelta: 0, offsetDelta: 0, key: ByteBuffer(bytes: [0, 0, 0, 1]),
                                                   value: ByteBuffer(bytes: [0, 0, 0, 0, 0, 0]))])
        control.lastOffsetDelta = 0
        try control.encode(into: &log, compression: .none, allocator: S.allocator)
        let whole = log.readableBytes
        var extra = log
        try control.encode(into: &extra, compression: .none, allocator: S.allocator)
        let partial = extra.getSlice(at: 0, length: whole + 30)!

        for magic: Int8 in [0, 1] {
            let set = try LegacyMessageSet.downConvert(partial, toMagic: magic, maxDecompressedBytes: 1 << 20)
            let messages = try LegacyMessageSet.decode(set, maxDecompressedBytes: 1 << 20)
            XCTAssertEqual(messages.map(\.offset), expected.map(\.offset), "magic \(magic)")
            XCTAssertEqual(messages.map { $0.value.map { String(buffer: $0) } }, expected.map(\.value))
            XCTAssertEqual(messages.map(\.timestamp), expected.map { magic == 1 ? $0.timestamp : nil })
            XCTAssertTrue(messages.allSatisfy { $0.magic == magic })
            // Compressed batches stay compressed (zstd excepted): 3 wrappers and 8 + 12 plain messages.
            let entries = Array(RecordBatchIterator(set))
            XCTAssertEqual(entries.count, 1 + 8 + 12 + 1, "magic \(magic)")
        }
    }
}
