import NIOCore
import XCTest

@testable import KafkaProtocol

final class RecordsIteratorTests: XCTestCase {
    private typealias S = RecordsTestSupport

    /// Three batches of different codecs and sizes, and a legacy message, back to back as a log holds them.
    private func blob() throws -> (ByteBuffer, [ByteBuffer]) {
        var pieces: [ByteBuffer] = []
        for (index, codec) in [CompressionCodec.none, .gzip, .zstd].enumerated() {
            var builder = RecordBatchBuilder(baseTimestamp: 10)
            for i in 0...(index * 4) {
                builder.append(timestamp: 10 + Int64(i), key: nil, value: S.buffer(String(repeating: "v", count: 5 * i)))
            }
            pieces.append(try builder.finish(compression: codec))
        }
        pieces.append(S.buffer(hex: S.fixtureList("legacy").first { $0["name"] as? String == "v1-gzip" }!["hex"] as! String))
        var all = ByteBuffer()
        for var piece in pieces { all.writeBuffer(&piece) }
        return (all, pieces)
    }

    func testSplitsWholeEntries() throws {
        let (all, pieces) = try blob()
        var iterator = RecordBatchIterator(all)
        var seen: [ByteBuffer] = []
        while let entry = iterator.next() { seen.append(entry) }
        XCTAssertEqual(seen, pieces)
        XCTAssertEqual(seen.map { RecordBatchIterator.magic(of: $0) }, [2, 2, 2, 1])
        XCTAssertEqual(iterator.partialTrailingBytes, 0)
        XCTAssertNil(iterator.malformed)
        XCTAssertEqual(Array(RecordBatchIterator(all)).count, 4, "usable as a Sequence")
    }

    func testOneByteAtATimeNeverMisreads() throws {
        let (all, pieces) = try blob()
        let boundaries = pieces.reduce(into: [0]) { $0.append($0.last! + $1.readableBytes) }
        for length in 0...all.readableBytes {
            var iterator = RecordBatchIterator(all.getSlice(at: 0, length: length)!)
            var seen: [ByteBuffer] = []
            while let entry = iterator.next() { seen.append(entry) }
            let whole = boundaries.lastIndex { $0 <= length }!
            XCTAssertEqual(seen, Array(pieces.prefix(whole)), "prefix of \(length) bytes")
            XCTAssertEqual(iterator.partialTrailingBytes, length - boundaries[whole], "prefix of \(length) bytes")
            XCTAssertNil(iterator.malformed)
        }
    }

    func testImpossibleLengthsAreReportedNotTrapped() throws {
        let (all, _) = try blob()
        var negative = all
        negative.setInteger(Int32(-5), at: 8, endianness: .big)
        var iterator = RecordBatchIterator(negative)
        XCTAssertNil(iterator.next())
        XCTAssertEqual(iterator.malformed?.errorCode, 2)

        var shortV2 = all
        shortV2.setInteger(Int32(30), at: 8, endianness: .big)
        iterator = RecordBatchIterator(shortV2)
        XCTAssertNil(iterator.next())
        XCTAssertNotNil(iterator.malformed)

        var badMagic = all
        badMagic.setInteger(Int8(9), at: 16)
        iterator = RecordBatchIterator(badMagic)
        XCTAssertNil(iterator.next())
        XCTAssertNotNil(iterator.malformed)
    }

    /// Random corruption anywhere must end in values or thrown errors, never a trap or a hang.
    func testRandomMutationsNeverTrap() throws {
        let (all, _) = try blob()
        var generator = RecordsSeededGenerator(seed: 2024)
        var rejected = 0
        for round in 0..<1500 {
            var mutated = all
            for _ in 0...(round % 4) {
                let index = Int.random(in: 0..<mutated.readableBytes, using: &generator)
                mutated.setInteger(UInt8.random(in: 0...255, using: &generator), at: index)
            }
            if round % 5 == 0 {
                mutated = mutated.getSlice(at: 0, length: Int.random(in: 0...mutated.readableBytes, using: &generator))!
            }
            var iterator = RecordBatchIterator(mutated)
            while let entry = iterator.next() {
                do {
                    if RecordBatchIterator.magic(of: entry) == 2 {
                        _ = try? RecordBatchValidator.validate(entry)
                        var input = entry
                        _ = try RecordBatch.decode(from: &input, maxDecompressedBytes: 1 << 20)
                    } else {
                        _ = try LegacyMessageSet.decode(entry, maxDecompressedBytes: 1 << 20)
                    }
                } catch is RecordBatchError {
                    rejected += 1
                }
            }
            _ = try? LegacyMessageSet.downConvert(mutated, toMagic: 1, maxDecompressedBytes: 1 << 20)
        }
        XCTAssertGreaterThan(rejected, 500, "corruption is detected, mostly by CRCs")
    }

    /// Mutations inside the CRC-covered bytes with the CRC recomputed reach the record parser itself.
    func testResealedMutationsNeverTrap() throws {
        var builder = RecordBatchBuilder(baseTimestamp: 5)
        for i in 0..<6 {
            builder.append(timestamp: 5 + Int64(i), key: S.buffer("key\(i)"), value: S.buffer("value \(i)"),
                           headers: [RecordHeader(key: "h", value: S.buffer("x"))])
        }
        let batch = try builder.finish(compression: .none)
        var generator = RecordsSeededGenerator(seed: 77)
        var outcomes = (decoded: 0, rejected: 0)
        for _ in 0..<3000 {
            var mutated = batch
            let index = Int.random(in: 57..<mutated.readableBytes, using: &generator)
            mutated.setInteger(UInt8.random(in: 0...255, using: &generator), at: index)
            let crc = CRC32C.checksum(mutated, at: 21, length: mutated.readableBytes - 21)
            mutated.setInteger(crc, at: 17, endianness: .big)
            do {
                _ = try RecordBatch.decode(from: &mutated, maxDecompressedBytes: 1 << 20)
                outcomes.decoded += 1
            } catch is RecordBatchError {
                outcomes.rejected += 1
            }
        }
        XCTAssertGreaterThan(outcomes.decoded, 0)
        XCTAssertGreaterThan(outcomes.rejected, 0)
    }
}
