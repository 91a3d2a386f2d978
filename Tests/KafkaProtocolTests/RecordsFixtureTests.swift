import Foundation
import NIOCore
import XCTest

@testable import KafkaProtocol

/// Batches written by kafka-python decode here to the values kafka-python reads from them.
final class RecordsFixtureTests: XCTestCase {
    private typealias S = RecordsTestSupport

    func testKafkaPythonBatchesDecode() throws {
        let fixtures = S.fixtureList("v2")
        XCTAssertEqual(fixtures.count, 10)
        for fixture in fixtures {
            let name = fixture["name"] as! String
            let bytes = S.buffer(hex: fixture["hex"] as! String)
            let expected = fixture["header"] as! [String: Any]

            let header = try RecordBatchHeader(peeking: bytes)
            XCTAssertEqual(header.baseOffset, S.int64(expected["baseOffset"]), name)
            XCTAssertEqual(Int64(header.batchLength), S.int64(expected["batchLength"]), name)
            XCTAssertEqual(Int64(header.partitionLeaderEpoch), S.int64(expected["partitionLeaderEpoch"]), name)
            XCTAssertEqual(Int64(header.crc), S.int64(expected["crc"]), name)
            XCTAssertEqual(Int64(header.attributes), S.int64(expected["attributes"]), name)
            XCTAssertEqual(Int64(header.lastOffsetDelta), S.int64(expected["lastOffsetDelta"]), name)
            XCTAssertEqual(header.baseTimestamp, S.int64(expected["baseTimestamp"]), name)
            XCTAssertEqual(header.maxTimestamp, S.int64(expected["maxTimestamp"]), name)
            XCTAssertEqual(header.producerId, S.int64(expected["producerId"]), name)
            XCTAssertEqual(Int64(header.producerEpoch), S.int64(expected["producerEpoch"]), name)
            XCTAssertEqual(Int64(header.baseSequence), S.int64(expected["baseSequence"]), name)
            XCTAssertEqual(Int64(header.recordCount), S.int64(expected["recordCount"]), name)
            XCTAssertEqual(header.compression?.name, fixture["codec"] as? String, name)
            XCTAssertEqual(header.isTransactional, name == "transactional", name)
            XCTAssertEqual(header.timestampType, .createTime)
            XCTAssertEqual(bytes.readerIndex, 0, "peeking does not consume")

            // The broker's check accepts every batch a real client wrote.
            XCTAssertEqual(try RecordBatchValidator.validate(bytes), header, name)

            var input = bytes
            let batch = try RecordBatch.decode(from: &input, maxDecompressedBytes: 16 << 20)
            XCTAssertEqual(input.readableBytes, 0, name)
            assertRecords(batch, match: fixture["records"] as! [[String: Any]], name)
        }
    }

    private func assertRecords(_ batch: RecordBatch, match expected: [[String: Any]], _ name: String) {
        XCTAssertEqual(batch.records.count, expected.count, name)
        for (record, want) in zip(batch.records, expected) {
            XCTAssertEqual(batch.offset(of: record), S.int64(want["offset"]), name)
            XCTAssertEqual(batch.timestamp(of: record), S.int64(want["timestamp"]), name)
            XCTAssertEqual(S.hex(record.key), S.optionalString(want["key"]), name)
            if let crc = S.optionalInt64(want["valueCrc32c"]) {
                XCTAssertEqual(record.value.map { Int64(CRC32C.checksum($0)) }, crc, name)
                XCTAssertEqual(record.value.map { Int64($0.readableBytes) }, S.optionalInt64(want["valueBytes"]), name)
            } else if want.keys.contains("valueCrc32c") {
                XCTAssertNil(record.value, name)
            } else {
                XCTAssertEqual(S.hex(record.value), S.optionalString(want["value"]), name)
            }
            let headers = want["headers"] as! [[Any]]
            XCTAssertEqual(record.headers.count, headers.count, name)
            for (header, pair) in zip(record.headers, headers) {
                XCTAssertEqual(header.key, pair[0] as? String, name)
                XCTAssertEqual(S.hex(header.value), S.optionalString(pair[1]), name)
            }
        }
    }

    func testUncompressedBatchesReencodeToTheSameBytes() throws {
        for fixture in S.fixtureList("v2") where fixture["codec"] as! String == "none" {
            let bytes = S.buffer(hex: fixture["hex"] as! String)
            let batch = try S.decodedV2(fixture)
            var encoded = ByteBuffer()
            try batch.encode(into: &encoded, compression: .none, allocator: S.allocator)
            XCTAssertEqual(encoded, bytes, fixture["name"] as! String)
        }
    }

    func testEveryBatchReencodesWithEveryCodec() throws {
        for fixture in S.fixtureList("v2") {
            let batch = try S.decodedV2(fixture)
            for codec in CompressionCodec.allCases {
                var encoded = ByteBuffer()
                try batch.encode(into: &encoded, compression: codec, allocator: S.allocator)
                XCTAssertEqual(try RecordBatchValidator.validate(encoded).compression, codec)
                var input = encoded
                var decoded = try RecordBatch.decode(from: &input, maxDecompressedBytes: 16 << 20)
                XCTAssertEqual(decoded.compression, codec)
                decoded.attributes = batch.attributes
                XCTAssertEqual(decoded, batch, "\(fixture["name"]!) with \(codec.name)")
            }
        }
    }

    /// Our encodings of the fixtures (every codec, both writers, the legacy message sets), decoded by kafka-python:
    /// `scripts/gen-record-fixtures --verify` must find in each the records it was made from. Needs python3 with
    /// kafka-python and its codecs (`scripts/install-deps --test` installs them; CI runs it first).
    func testKafkaPythonDecodesOurEncodings() throws {
        let path = NSTemporaryDirectory() + "kairos-record-encodings-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var cases: [[String: Any]] = []
        for fixture in S.fixtureList("v2") where (fixture["name"] as! String).hasPrefix("small") {
            let batch = try S.decodedV2(fixture)
            for codec in CompressionCodec.allCases {
                var encoded = ByteBuffer()
                try batch.encode(into: &encoded, compression: codec, allocator: S.allocator)
                cases.append(["name": "RecordBatch.encode \(fixture["name"]!) as \(codec.name)", "codec": codec.name,
                              "hex": S.hex(encoded)!, "records": fixture["records"]!])
                var builder = RecordBatchBuilder(baseTimestamp: batch.baseTimestamp)
                for record in batch.records {
                    builder.append(timestamp: batch.timestamp(of: record), key: record.key, value: record.value,
                                   headers: record.headers)
                }
                cases.append(["name": "RecordBatchBuilder \(fixture["name"]!) as \(codec.name)", "codec": codec.name,
                              "hex": S.hex(try builder.finish(compression: codec))!, "records": fixture["records"]!])
            }
        }
        for fixture in S.fixtureList("legacy") {
            let magic = Int8(S.int64(fixture["magic"]))
            let codec = CompressionCodec(name: fixture["codec"] as! String)!
            let messages = try LegacyMessageSet.decode(S.buffer(hex: fixture["hex"] as! String), maxDecompressedBytes: 1 << 20)
            let encoded = try LegacyMessageSet.encode(messages, magic: magic, compression: codec, allocator: S.allocator)
            cases.append(["name": "LegacyMessageSet.encode \(fixture["name"]!)", "codec": codec.name, "magic": Int(magic),
                          "hex": S.hex(encoded)!, "records": fixture["messages"]!])
        }
        let data = try JSONSerialization.data(withJSONObject: cases, options: [.prettyPrinted])
        try data.write(to: URL(fileURLWithPath: path))

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let verify = Process()
        verify.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        verify.arguments = ["python3", root.appendingPathComponent("scripts/gen-record-fixtures").path, "--verify", path]
        let output = Pipe()
        verify.standardOutput = output
        verify.standardError = output
        try verify.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        verify.waitUntilExit()
        XCTAssertEqual(verify.terminationStatus, 0,
                       "kafka-python rejected some of our encodings (missing? run scripts/install-deps --test):\n\(text)")
        XCTAssertTrue(text.contains("\(cases.count) of \(cases.count) encodings decode as expected with kafka-python"), text)
        XCTAssertGreaterThan(cases.count, 50, "every small fixture with every codec, both writers, legacy sets")
    }
}
