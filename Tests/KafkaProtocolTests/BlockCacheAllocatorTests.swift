import KafkaProtocol
import NIOCore
import XCTest

/// The block cache behind `ByteBufferAllocator.blockCache`: freed blocks are kept and handed out again, contents
/// survive growth, sizes beyond the largest class still work, and a decoder reusing pooled contexts decodes
/// batch after batch correctly.
final class BlockCacheAllocatorTests: XCTestCase {
    func testFreedBlocksAreKeptAndReused() {
        // Other tests may run at the same time and use the cache too: compare around our own allocations only
        // with margins that their activity cannot produce (blocks of an unusual size class).
        let size = 3 << 20  // the 4 MiB class
        var buffer: ByteBuffer? = ByteBufferAllocator.blockCache.buffer(capacity: size)
        buffer!.writeRepeatingByte(7, count: size)
        let beforeFree = ByteBufferAllocator.blockCacheFreeBytes
        buffer = nil
        let afterFree = ByteBufferAllocator.blockCacheFreeBytes
        XCTAssertGreaterThanOrEqual(afterFree - beforeFree, 4 << 20, "the freed 4 MiB block must be kept")
        let again = ByteBufferAllocator.blockCache.buffer(capacity: size)
        XCTAssertLessThanOrEqual(ByteBufferAllocator.blockCacheFreeBytes, afterFree - (4 << 20) + (1 << 20),
                                 "the kept block must be handed out again")
        XCTAssertGreaterThanOrEqual(again.capacity, size)
    }

    func testContentsSurviveGrowthAndHugeBlocks() {
        var buffer = ByteBufferAllocator.blockCache.buffer(capacity: 16)
        var expected: [UInt8] = []
        // Grows through every class and past the largest (4 MiB), keeping what was written.
        for round in 0..<(5 << 10) {
            let chunk = [UInt8](repeating: UInt8(truncatingIfNeeded: round), count: 1024)
            buffer.writeBytes(chunk)
            expected.append(contentsOf: chunk)
        }
        XCTAssertEqual(buffer.readableBytes, 5 << 20)
        XCTAssertEqual(buffer.readBytes(length: buffer.readableBytes), expected)
    }

    func testPooledDecompressionContextsDecodeBatchAfterBatch() throws {
        let allocator = ByteBufferAllocator()
        for codec in [CompressionCodec.lz4, .zstd] {
            for round in 0..<50 {
                var input = allocator.buffer(capacity: 20_000)
                for index in 0..<(1_000 + round * 37) { input.writeString("record \(index) of round \(round); ") }
                let compressed = try codec.compress(input, level: nil, allocator: allocator)
                let output = try codec.decompress(compressed, maxBytes: 1 << 20, allocator: .blockCache)
                XCTAssertEqual(output, input, "\(codec) round \(round)")
            }
            // A corrupt frame fails cleanly, and the next good one still decodes.
            var input = allocator.buffer(capacity: 1_000)
            input.writeString(String(repeating: "abc", count: 300))
            var compressed = try codec.compress(input, level: nil, allocator: allocator)
            compressed.moveWriterIndex(to: compressed.writerIndex - 5)
            XCTAssertThrowsError(try codec.decompress(compressed, maxBytes: 1 << 20, allocator: .blockCache))
            let good = try codec.compress(input, level: nil, allocator: allocator)
            XCTAssertEqual(try codec.decompress(good, maxBytes: 1 << 20, allocator: .blockCache), input)
        }
    }
}
