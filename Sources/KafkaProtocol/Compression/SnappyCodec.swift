import CSnappy
import NIOCore

/// Snappy as Kafka carries it: the Java client writes (and reads) the xerial block framing
/// (a 16-byte header, then blocks of INT32 length + raw snappy); librdkafka also reads and writes raw
/// snappy. We write xerial framing and read both.
enum SnappyCodec {
    /// 0x82 "SNAPPY" 0x00: the xerial marker. Its two INT32 version fields are not checked on read,
    /// since some producers write them in the wrong byte order.
    static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]
    static let xerialHeaderBytes = 16
    /// xerial's default block: 32 KiB of uncompressed input per snappy block.
    static let xerialBlockBytes = 32 * 1024

    static func compress(_ input: ByteBuffer, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let total = input.readableBytes
        let blocks = (total + xerialBlockBytes - 1) / xerialBlockBytes
        let blockBound = snappy_max_compressed_length(xerialBlockBytes)
        var output = allocator.buffer(capacity: xerialHeaderBytes + blocks * (4 + blockBound))
        output.writeBytes(xerialMagic)
        output.writeInt32(1)  // version
        output.writeInt32(1)  // minimum compatible version
        try input.withUnsafeReadableBytes { source in
            var start = 0
            while start < total {
                let length = min(xerialBlockBytes, total - start)
                let lengthIndex = output.writerIndex
                output.writeInt32(0)
                var status = SNAPPY_OK
                let written = output.writeWithUnsafeMutableBytes(minimumWritableBytes: blockBound) { space in
                    var outLength = space.count
                    status = snappy_compress(
                        source.baseAddress!.advanced(by: start).assumingMemoryBound(to: CChar.self), length,
                        space.baseAddress!.assumingMemoryBound(to: CChar.self), &outLength)
                    return status == SNAPPY_OK ? outLength : 0
                }
                guard status == SNAPPY_OK else { throw CompressionError.failed(.snappy, "snappy_compress returned \(status)") }
                output.setInteger(Int32(written), at: lengthIndex, endianness: .big)
                start += length
            }
        }
        return output
    }

    static func decompress(_ input: ByteBuffer, maxBytes: Int, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        try input.withUnsafeReadableBytes { source in
            var output = BoundedOutput(codec: .snappy, inputBytes: source.count, maxBytes: maxBytes, allocator: allocator)
            if isXerial(source) {
                var position = xerialHeaderBytes
                while position < source.count {
                    guard source.count - position >= 4 else { throw CompressionError.corrupt(.snappy, "truncated block length") }
                    let length = Int(Int32(bigEndian: source.loadUnaligned(fromByteOffset: position, as: Int32.self)))
                    position += 4
                    guard length >= 0, length <= source.count - position else {
                        throw CompressionError.corrupt(.snappy, "block length \(length) beyond the input")
                    }
                    try decodeRaw(UnsafeRawBufferPointer(rebasing: source[position..<(position + length)]), into: &output)
                    position += length
                }
            } else {
                try decodeRaw(source, into: &output)
            }
            return output.buffer
        }
    }

    static func isXerial(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= xerialHeaderBytes && xerialMagic.indices.allSatisfy { bytes[$0] == xerialMagic[$0] }
    }

    private static func decodeRaw(_ block: UnsafeRawBufferPointer, into output: inout BoundedOutput) throws {
        guard let base = block.baseAddress, block.count > 0 else {
            throw CompressionError.corrupt(.snappy, "empty snappy block")
        }
        let source = base.assumingMemoryBound(to: CChar.self)
        var length = 0
        guard snappy_uncompressed_length(source, block.count, &length) == SNAPPY_OK else {
            throw CompressionError.corrupt(.snappy, "unreadable block length")
        }
        // An empty block is the single byte 0; anything after it would go unread (and unchecked) below.
        if length == 0 {
            guard block.count == 1 else { throw CompressionError.corrupt(.snappy, "bytes after an empty block") }
            return
        }
        var status = SNAPPY_OK
        try output.writeExactly(length) { space in
            var outLength = space.count
            status = snappy_uncompress(source, block.count, space.baseAddress!.assumingMemoryBound(to: CChar.self), &outLength)
            return outLength
        }
        guard status == SNAPPY_OK else { throw CompressionError.corrupt(.snappy, "invalid snappy block") }
    }
}
