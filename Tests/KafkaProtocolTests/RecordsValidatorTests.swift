import NIOCore
import XCTest

@testable import KafkaProtocol

final class RecordsValidatorTests: XCTestCase {
    private typealias S = RecordsTestSupport

    private func sampleBatch(compression: CompressionCodec = .none, records: Int = 3) throws -> ByteBuffer {
        var builder = RecordBatchBuilder(baseTimestamp: 1_000, producerId: 9, producerEpoch: 0, baseSequence: 0)
        for i in 0..<records {
            builder.append(timestamp: 1_000 + Int64(i), key: S.buffer("k\(i)"), value: S.buffer("value \(i)"))
        }
        return try builder.finish(compression: compression)
    }

    private func assertRejects(_ batch: ByteBuffer, code: Int16, _ message: String, line: UInt = #line) {
        XCTAssertThrowsError(try RecordBatchValidator.validate(batch), message, line: line) { error in
            XCTAssertEqual((error as? RecordBatchError)?.errorCode, code, "\(message): \(error)", line: line)
        }
    }

    /// Rewrites the CRC after an edit inside the covered range, so that only the edit is wrong.
    private func resealed(_ batch: ByteBuffer) -> ByteBuffer {
        var copy = batch
        let crc = CRC32C.checksum(copy, at: 21, length: copy.readableBytes - 21)
        copy.setInteger(crc, at: 17, endianness: .big)
        return copy
    }

    func testAcceptsGoodBatches() throws {
        for codec in CompressionCodec.allCases {
            let header = try RecordBatchValidator.validate(try sampleBatch(compression: codec))
            XCTAssertEqual(header.recordCount, 3)
            XCTAssertEqual(header.compression, codec)
        }
        // baseOffset need not be 0: the broker overwrites it.
        var moved = try sampleBatch()
        RecordBatchHeader.setBaseOffset(12_345, partitionLeaderEpoch: 7, inBatchAt: 0, of: &moved)
        XCTAssertEqual(try RecordBatchValidator.validate(moved).baseOffset, 12_345)
        XCTAssertEqual(try RecordBatchValidator.validate(moved).partitionLeaderEpoch, 7)
    }

    func testWrongCRCIsCorrupt() throws {
        var batch = try sampleBatch()
        let last = batch.writerIndex - 1
        batch.setInteger(batch.getInteger(at: last, as: UInt8.self)! ^ 0x01, at: last)
        assertRejects(batch, code: 2, "flipped record bit")
        var header = try sampleBatch()
        header.setInteger(UInt32(0xDEAD_BEEF), at: 17, endianness: .big)
        assertRejects(header, code: 2, "wrong CRC field")
    }

    func testWrongLengthIsCorrupt() throws {
        let batch = try sampleBatch()
        assertRejects(batch.getSlice(at: 0, length: batch.readableBytes - 1)!, code: 2, "one byte short")
        var longer = batch
        longer.writeInteger(UInt8(0))
        assertRejects(longer, code: 2, "one byte extra")
        var lying = batch
        lying.setInteger(Int32(20), at: 8, endianness: .big)
        assertRejects(lying, code: 2, "length shorter than a header")
        assertRejects(batch.getSlice(at: 0, length: 30)!, code: 2, "cut inside the header")
    }

    func testBadMagicIsInvalidRecord() throws {
        for magic: Int8 in [0, 1, 3, -1] {
            var batch = try sampleBatch()
            batch.setInteger(magic, at: 16)
            assertRejects(batch, code: 87, "magic \(magic)")
        }
        var batch = try sampleBatch()
        batch.setInteger(Int8(1), at: 16)
        XCTAssertThrowsError(try RecordBatchHeader(peeking: batch))
    }

    func testUnknownCodecIsUnsupported() throws {
        for bits: Int16 in [5, 6, 7] {
            var batch = try sampleBatch()
            batch.setInteger(bits, at: 21, endianness: .big)
            assertRejects(resealed(batch), code: 76, "codec bits \(bits)")
            var decodeInput = resealed(batch)
            XCTAssertThrowsError(try RecordBatch.decode(from: &decodeInput, maxDecompressedBytes: 1 << 20)) { error in
                XCTAssertEqual((error as? RecordBatchError)?.errorCode, 76)
            }
        }
    }

    func testRecordCountMismatchIsInvalidRecord() throws {
        var batch = try sampleBatch()
        batch.setInteger(Int32(4), at: 57, endianness: .big)
        assertRejects(resealed(batch), code: 87, "count 4, last delta 2")
        batch.setInteger(Int32(0), at: 57, endianness: .big)
        assertRejects(resealed(batch), code: 87, "count 0")
        var delta = try sampleBatch()
        delta.setInteger(Int32(5), at: 23, endianness: .big)
        assertRejects(resealed(delta), code: 87, "last delta 5, count 3")
    }

    func testControlBatchesAndMissingSequencesAreInvalid() throws {
        var control = try sampleBatch()
        control.setInteger(RecordBatchHeader.controlMask, at: 21, endianness: .big)
        assertRejects(resealed(control), code: 87, "control batch from a client")
        var noSequence = try sampleBatch()
        noSequence.setInteger(Int32(-1), at: 53, endianness: .big)
        assertRejects(resealed(noSequence), code: 87, "producer id without a sequence")
    }

    func testDecodeErrorsMapToKafkaCodes() throws {
        // A count that promises more records than the bytes hold.
        var batch = try sampleBatch()
        batch.setInteger(Int32(2), at: 57, endianness: .big)
        var input = resealed(batch)
        XCTAssertThrowsError(try RecordBatch.decode(from: &input, maxDecompressedBytes: 1 << 20)) { error in
            XCTAssertEqual((error as? RecordBatchError)?.errorCode, 2)
        }
        XCTAssertEqual(input.readerIndex, 0, "a failed decode does not consume")
        // Records that inflate past the bound.
        var builder = RecordBatchBuilder(baseTimestamp: 0)
        builder.append(timestamp: 0, key: nil, value: ByteBuffer(repeating: 7, count: 100_000))
        var big = try builder.finish(compression: .zstd)
        XCTAssertThrowsError(try RecordBatch.decode(from: &big, maxDecompressedBytes: 10_000)) { error in
            XCTAssertEqual((error as? RecordBatchError)?.errorCode, 10)
        }
    }

    func testLogAppendTimeRewriteKeepsTheBatchValid() throws {
        var batch = try sampleBatch(compression: .lz4)
        RecordBatchHeader.setLogAppendTime(99_999, inBatchAt: 0, of: &batch)
        let header = try RecordBatchValidator.validate(batch)
        XCTAssertEqual(header.timestampType, .logAppendTime)
        XCTAssertEqual(header.maxTimestamp, 99_999)
        let decoded = try RecordBatch.decode(from: &batch, maxDecompressedBytes: 1 << 20)
        XCTAssertEqual(decoded.records.map { decoded.timestamp(of: $0) }, [99_999, 99_999, 99_999])
    }
}
