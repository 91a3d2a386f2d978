import NIOCore
import XCTest

@testable import KafkaProtocol

/// `RecordBatchReader` (the consumer's path) sees exactly what `RecordBatch.decode` sees, and refuses the same
/// corrupt input.
final class RecordsReaderTests: XCTestCase {
    private typealias S = RecordsTestSupport

    /// What `RecordBatch.decode` makes of `bytes`, as reader views (nil when it throws).
    private func viaDecode(_ bytes: ByteBuffer, from offset: Int64 = 0) -> [RecordView]? {
        var input = bytes
        guard let batch = try? RecordBatch.decode(from: &input, maxDecompressedBytes: 1 << 20) else { return nil }
        if batch.isControl { return [] }
        return batch.records.filter { batch.offset(of: $0) >= offset }.map {
            RecordView(offset: batch.offset(of: $0), timestamp: batch.timestamp(of: $0), key: $0.key, value: $0.value,
                       headers: $0.headers)
        }
    }

    private func viaReader(_ bytes: ByteBuffer, from offset: Int64 = 0) -> [RecordView]? {
        var input = bytes
        var seen: [RecordView] = []
        do {
            try RecordBatchReader.read(from: &input, fromOffset: offset, maxDecompressedBytes: 1 << 20) { seen.append($0) }
        } catch {
            XCTAssertTrue(error is RecordBatchError, "\(error)")
            XCTAssertEqual(input.readerIndex, bytes.readerIndex, "a refused batch is not consumed")
            return nil
        }
        XCTAssertEqual(input.readableBytes, 0, "the whole batch is consumed")
        return seen
    }

    private func assertSame(_ a: [RecordView]?, _ b: [RecordView]?, _ message: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a == nil, b == nil, "\(message): one refused, the other not", file: file, line: line)
        guard let a, let b else { return }
        XCTAssertEqual(a.map(\.offset), b.map(\.offset), message, file: file, line: line)
        XCTAssertEqual(a.map(\.timestamp), b.map(\.timestamp), message, file: file, line: line)
        XCTAssertEqual(a.map(\.key), b.map(\.key), message, file: file, line: line)
        XCTAssertEqual(a.map(\.value), b.map(\.value), message, file: file, line: line)
        XCTAssertEqual(a.map(\.headers), b.map(\.headers), message, file: file, line: line)
    }

    private func sampleBatch(codec: CompressionCodec, baseOffset: Int64 = 100) throws -> ByteBuffer {
        var builder = RecordBatchBuilder(baseTimestamp: 1_000, producerId: 4, producerEpoch: 0, baseSequence: 0)
        for i in 0..<30 {
            let key: ByteBuffer? = i % 4 == 0 ? nil : S.buffer("key-\(i)")
            let value: ByteBuffer? = i % 7 == 3 ? nil : S.buffer(String(repeating: "v\(i) ", count: i % 40))
            let headers = i % 5 == 0 ? [RecordHeader(key: "trace", value: S.buffer("\(i)")), RecordHeader(key: "n", value: nil)] : []
            builder.append(timestamp: 1_000 + Int64(i * 3), key: key, value: value, headers: headers)
        }
        var batch = try builder.finish(compression: codec)
        batch.setInteger(baseOffset, at: batch.readerIndex)  // base offset is outside the CRC
        return batch
    }

    func testSameRecordsAsDecodeForEveryCodecAndStartOffset() throws {
        for codec in CompressionCodec.allCases {
            let batch = try sampleBatch(codec: codec)
            for from: Int64 in [0, 100, 117, 129, 130] {
                let read = viaReader(batch, from: from)
                assertSame(read, viaDecode(batch, from: from), "\(codec.name) from \(from)")
                XCTAssertEqual(read?.count, Int(max(0, 130 - max(from, 100))), "\(codec.name) from \(from)")
            }
        }
    }

    func testCRCCheckCanBeSkippedButNothingElse() throws {
        // A consumer with check.crcs=false reads a batch whose CRC is wrong; with the default it refuses it.
        var batch = try sampleBatch(codec: .none)
        let crcAt = batch.readerIndex + RecordBatchHeader.attributesOffset - 4
        batch.setInteger(batch.getInteger(at: crcAt, as: UInt32.self)! ^ 0xFFFF_FFFF, at: crcAt)
        XCTAssertNil(viaReader(batch), "a wrong CRC is refused by default")
        var input = batch
        var count = 0
        try RecordBatchReader.read(from: &input, maxDecompressedBytes: 1 << 20, verifyCRC: false) { _ in count += 1 }
        XCTAssertEqual(count, 30)
        // Without the CRC check, other damage is still refused: a wrong magic byte.
        var broken = batch
        broken.setInteger(Int8(1), at: broken.readerIndex + RecordBatchHeader.magicOffset)
        XCTAssertThrowsError(try RecordBatchReader.read(from: &broken, maxDecompressedBytes: 1 << 20, verifyCRC: false) { _ in })
    }

    func testKafkaPythonFixturesReadAlike() throws {
        for fixture in S.fixtureList("v2") {
            let bytes = S.buffer(hex: fixture["hex"] as! String)
            assertSame(viaReader(bytes), viaDecode(bytes), fixture["name"] as! String)
        }
    }

    func testLogAppendTimeAndControlBatches() throws {
        var batch = try sampleBatch(codec: .none)
        let start = batch.readerIndex
        let attributes = batch.getInteger(at: start + RecordBatchHeader.attributesOffset, as: Int16.self)!
        batch.setInteger(attributes | RecordBatchHeader.timestampTypeMask, at: start + RecordBatchHeader.attributesOffset)
        RecordBatchEncoding.seal(batchAt: start, of: &batch)
        let appendTime = viaReader(batch)
        XCTAssertEqual(Set(appendTime?.map(\.timestamp) ?? []), [1_087], "every record carries the max timestamp")
        assertSame(appendTime, viaDecode(batch), "log append time")

        batch.setInteger(attributes | RecordBatchHeader.controlMask, at: start + RecordBatchHeader.attributesOffset)
        RecordBatchEncoding.seal(batchAt: start, of: &batch)
        XCTAssertEqual(viaReader(batch)?.count, 0, "control records are not handed out")
    }

    func testResealedMutationsAreRefusedExactlyWhenDecodeRefusesThem() throws {
        let batch = try sampleBatch(codec: .none)
        var generator = RecordsSeededGenerator(seed: 2026)
        var refused = 0
        for _ in 0..<3000 {
            var mutated = batch
            let index = Int.random(in: 57..<mutated.readableBytes, using: &generator)
            mutated.setInteger(UInt8.random(in: 0...255, using: &generator), at: index)
            RecordBatchEncoding.seal(batchAt: mutated.readerIndex, of: &mutated)
            let read = viaReader(mutated)
            assertSame(read, viaDecode(mutated), "mutation at \(index)")
            if read == nil { refused += 1 }
        }
        XCTAssertGreaterThan(refused, 100, "the record parser itself refuses broken records")
    }
}
