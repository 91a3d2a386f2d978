import NIOCore
import XCTest

@testable import KafkaProtocol

final class CompressionCodecTests: XCTestCase {
    private let allocator = RecordsTestSupport.allocator
    private let compressing: [CompressionCodec] = [.gzip, .snappy, .lz4, .zstd]

    func testNamesMatchKafkaCompressionTypes() {
        for codec in CompressionCodec.allCases {
            XCTAssertEqual(CompressionCodec(name: codec.name), codec)
        }
        XCTAssertEqual(CompressionCodec(name: "LZ4"), .lz4)
        XCTAssertNil(CompressionCodec(name: "producer"))
        XCTAssertEqual(CompressionCodec.allCases.map(\.rawValue), [0, 1, 2, 3, 4])
    }

    func testEveryCodecRoundTrips() throws {
        let inputs: [(String, ByteBuffer)] = [
            ("empty", ByteBuffer()),
            ("one byte", ByteBuffer(bytes: [42])),
            ("small", ByteBuffer(string: "hello, kairos")),
            ("1 MB random", RecordsTestSupport.randomBytes(1 << 20, seed: 11)),
            ("1 MB repetitive", RecordsTestSupport.repetitiveBytes(1 << 20)),
        ]
        for codec in CompressionCodec.allCases {
            for (name, input) in inputs {
                let compressed = try codec.compress(input, allocator: allocator)
                let output = try codec.decompress(compressed, maxBytes: 2 << 20, allocator: allocator)
                XCTAssertEqual(output, input, "\(codec.name) \(name)")
                if name == "1 MB repetitive" && codec != .none {
                    XCTAssertLessThan(compressed.readableBytes, input.readableBytes / 20, "\(codec.name) compresses")
                }
            }
        }
    }

    func testInputAtAnOffsetInItsBuffer() throws {
        var input = RecordsTestSupport.repetitiveBytes(100_000)
        input.moveReaderIndex(forwardBy: 33)
        for codec in compressing {
            var compressed = ByteBuffer(string: "prefix")
            var body = try codec.compress(input, allocator: allocator)
            compressed.writeBuffer(&body)
            compressed.moveReaderIndex(forwardBy: 6)
            XCTAssertEqual(try codec.decompress(compressed, maxBytes: 1 << 20, allocator: allocator), input)
        }
    }

    func testLevelsAreHonouredOrRejected() throws {
        let input = RecordsTestSupport.repetitiveBytes(200_000)
        for codec in compressing {
            for level in [1, 9] {
                let compressed = try codec.compress(input, level: level, allocator: allocator)
                XCTAssertEqual(try codec.decompress(compressed, maxBytes: 1 << 20, allocator: allocator), input)
            }
        }
        XCTAssertThrowsError(try CompressionCodec.gzip.compress(input, level: 42, allocator: allocator))
    }

    func testGarbageThrows() {
        var generator = RecordsSeededGenerator(seed: 99)
        for codec in compressing {
            for length in [0, 1, 5, 17, 100, 4096] {
                var bytes = [UInt8](repeating: 0, count: length)
                for i in 0..<length { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
                XCTAssertThrowsError(
                    try codec.decompress(ByteBuffer(bytes: bytes), maxBytes: 1 << 20, allocator: allocator),
                    "\(codec.name) garbage of \(length) bytes"
                ) { error in
                    XCTAssertTrue(error is CompressionError, "\(error)")
                }
            }
        }
    }

    func testTruncatedStreamsThrow() throws {
        let input = RecordsTestSupport.randomBytes(50_000, seed: 3)
        for codec in compressing {
            let compressed = try codec.compress(input, allocator: allocator)
            for cut in [1, 7, compressed.readableBytes / 2] {
                let truncated = compressed.getSlice(at: 0, length: compressed.readableBytes - cut)!
                XCTAssertThrowsError(try codec.decompress(truncated, maxBytes: 1 << 20, allocator: allocator),
                                     "\(codec.name) cut by \(cut)")
            }
        }
    }

    func testMaxBytesStopsDecompressionBombs() throws {
        let bomb = ByteBuffer(repeating: 0, count: 8 << 20)
        for codec in CompressionCodec.allCases {
            let compressed = try codec.compress(bomb, allocator: allocator)
            XCTAssertThrowsError(try codec.decompress(compressed, maxBytes: 1 << 20, allocator: allocator)) { error in
                let error = error as? CompressionError
                XCTAssertEqual(error?.isTooLarge, true, "\(codec.name)")
                XCTAssertEqual(error?.maxBytes, 1 << 20)
            }
            // Exactly at the bound is allowed.
            XCTAssertEqual(try codec.decompress(compressed, maxBytes: 8 << 20, allocator: allocator).readableBytes, 8 << 20)
        }
    }

    func testStreamsFromOtherWriters() throws {
        // gzip and zstd from Python, xerial and raw snappy, LZ4 frames with linked blocks, content size and
        // checksum, zstd frames without a content size: see scripts/gen-record-fixtures.
        let streams = RecordsTestSupport.fixtureList("codecs")
        XCTAssertEqual(streams.count, 8)
        for stream in streams {
            let codec = CompressionCodec(name: stream["codec"] as! String)!
            let input = RecordsTestSupport.buffer(hex: stream["hex"] as! String)
            let output = try codec.decompress(input, maxBytes: 1 << 20, allocator: allocator)
            XCTAssertEqual(Int64(output.readableBytes), RecordsTestSupport.int64(stream["plainBytes"]), "\(stream["name"]!)")
            XCTAssertEqual(Int64(CRC32C.checksum(output)), RecordsTestSupport.int64(stream["plainCrc32c"]), "\(stream["name"]!)")
        }
    }

    func testSnappyWritesXerialFraming() throws {
        let compressed = try CompressionCodec.snappy.compress(RecordsTestSupport.repetitiveBytes(100_000), allocator: allocator)
        XCTAssertEqual(Array(compressed.readableBytesView.prefix(16)),
                       [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
    }

    func testLZ4WritesWhatJavaReads() throws {
        let compressed = try CompressionCodec.lz4.compress(RecordsTestSupport.repetitiveBytes(100_000), allocator: allocator)
        let bytes = Array(compressed.readableBytesView.prefix(7))
        XCTAssertEqual(Array(bytes[0..<4]), [0x04, 0x22, 0x4D, 0x18])  // frame magic, little-endian
        XCTAssertEqual(bytes[4], 0x60)  // version 01, independent blocks, no checksums, no content size
        XCTAssertEqual(bytes[5], 0x40)  // 64 KiB blocks
        // Our own descriptor checksum agrees with liblz4's.
        XCTAssertEqual(LZ4Codec.repairingDescriptorChecksum(compressed), compressed)
    }

    func testXXHash32KnownVectors() {
        XCTAssertEqual(XXHash32.hash([]), 0x02CC_5D05)
        XCTAssertEqual(XXHash32.hash([], seed: 1), 0x0B2C_B792)
        XCTAssertEqual(XXHash32.hash(Array("a".utf8)), 0x550D_7456)
        XCTAssertEqual(XXHash32.hash(Array("abc".utf8)), 0x32D1_53FF)
        XCTAssertEqual(XXHash32.hash(Array("abcd".utf8)), 0xA364_3705)
        XCTAssertEqual(XXHash32.hash(Array("abcdefghijklmnop".utf8)), 0x9D2D_8B62)
        XCTAssertEqual(XXHash32.hash(Array("Nobody inspects the spammish repetition".utf8)), 0xE229_3B2F)
        XCTAssertEqual(XXHash32.hash(Array("The quick brown fox jumps over the lazy dog".utf8)), 0xE85E_A4DE)
    }

    func testBrokenMagicZeroLZ4ChecksumIsRepaired() throws {
        let plain = RecordsTestSupport.repetitiveBytes(10_000)
        let frame = try CompressionCodec.lz4.compress(plain, allocator: allocator)
        let broken = LZ4Codec.breakingDescriptorChecksum(frame)
        XCTAssertNotEqual(broken, frame)
        XCTAssertThrowsError(try CompressionCodec.lz4.decompress(broken, maxBytes: 1 << 20, allocator: allocator))
        let repaired = LZ4Codec.repairingDescriptorChecksum(broken)
        XCTAssertEqual(try CompressionCodec.lz4.decompress(repaired, maxBytes: 1 << 20, allocator: allocator), plain)
    }
}
