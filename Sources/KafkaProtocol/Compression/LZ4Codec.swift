import CLZ4
import NIOCore

/// LZ4 in the frame format (lz4frame.h), which Kafka uses since message format v1 (KIP-57). We write what
/// the Java client writes: independent 64 KiB blocks (Java decodes each block on its own), no content size,
/// no checksums beyond the descriptor's. We read any valid frame, and concatenated frames.
enum LZ4Codec {
    static let frameMagic: UInt32 = 0x184D_2204

    static func compress(_ input: ByteBuffer, level: Int?, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum
        preferences.compressionLevel = Int32(clamping: level ?? 0)
        let bound = LZ4F_compressFrameBound(input.readableBytes, &preferences)
        guard LZ4F_isError(bound) == 0 else { throw CompressionError.failed(.lz4, errorName(bound)) }
        var output = allocator.buffer(capacity: bound)
        var result = 0
        input.withUnsafeReadableBytes { source in
            _ = output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { space in
                result = LZ4F_compressFrame(space.baseAddress, space.count, source.baseAddress, source.count, &preferences)
                return LZ4F_isError(result) == 0 ? result : 0
            }
        }
        guard LZ4F_isError(result) == 0 else { throw CompressionError.failed(.lz4, errorName(result)) }
        return output
    }

    private static let contexts = DecompressionContextPool(
        codec: .lz4,
        make: {
            var context: OpaquePointer?
            let created = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
            return LZ4F_isError(created) == 0 ? context : nil
        },
        reset: { LZ4F_resetDecompressionContext($0) },
        release: { _ = LZ4F_freeDecompressionContext($0) })

    static func decompress(_ input: ByteBuffer, maxBytes: Int, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        try contexts.withContext { try decompress(input, maxBytes: maxBytes, allocator: allocator, context: $0) }
    }

    private static func decompress(_ input: ByteBuffer, maxBytes: Int, allocator: ByteBufferAllocator,
                                   context: OpaquePointer) throws -> ByteBuffer {
        var output = BoundedOutput(codec: .lz4, inputBytes: input.readableBytes, maxBytes: maxBytes, allocator: allocator)
        try input.withUnsafeReadableBytes { source in
            guard source.count > 0 else { throw CompressionError.corrupt(.lz4, "empty input") }
            var position = 0
            var hint = 1
            while position < source.count || hint != 0 {
                var consumed = source.count - position
                var produced = 0
                try output.write { space in
                    var room = space.count
                    hint = LZ4F_decompress(context, space.baseAddress, &room, source.baseAddress! + position, &consumed, nil)
                    produced = room
                    return LZ4F_isError(hint) == 0 ? room : 0
                }
                guard LZ4F_isError(hint) == 0 else { throw CompressionError.corrupt(.lz4, errorName(hint)) }
                position += consumed
                // With room to write, a call that neither reads nor writes means the frame is cut short
                // (or the decoder is stuck): stop rather than spin.
                if consumed == 0 && produced == 0 {
                    throw CompressionError.corrupt(.lz4, "truncated frame")
                }
            }
        }
        return output.buffer
    }

    /// Rewrites the descriptor checksum of a frame in place, for frames from Kafka's magic-0 era whose writers
    /// hashed the magic number along with the descriptor. Leaves input it does not recognise alone.
    static func repairingDescriptorChecksum(_ input: ByteBuffer) -> ByteBuffer {
        guard input.readableBytes >= 7,
              input.getInteger(at: input.readerIndex, endianness: .little, as: UInt32.self) == frameMagic,
              let flags = input.getInteger(at: input.readerIndex + 4, as: UInt8.self)
        else { return input }
        let descriptorBytes = (flags & 0x08) != 0 ? 10 : 2  // FLG, BD, and the optional 8-byte content size
        guard input.readableBytes >= 4 + descriptorBytes + 1 else { return input }
        var repaired = input
        let hash = input.withUnsafeReadableBytes { bytes in
            XXHash32.hash(UnsafeRawBufferPointer(rebasing: bytes[4..<(4 + descriptorBytes)]))
        }
        repaired.setInteger(UInt8(truncatingIfNeeded: hash >> 8), at: input.readerIndex + 4 + descriptorBytes)
        return repaired
    }

    /// Replaces the descriptor checksum of a frame we wrote with the one Kafka's magic-0 readers expect:
    /// the second byte of the hash over the magic number and the descriptor.
    static func breakingDescriptorChecksum(_ frame: ByteBuffer) -> ByteBuffer {
        guard frame.readableBytes >= 7, let flags = frame.getInteger(at: frame.readerIndex + 4, as: UInt8.self) else {
            return frame
        }
        let descriptorBytes = (flags & 0x08) != 0 ? 10 : 2
        guard frame.readableBytes >= 4 + descriptorBytes + 1 else { return frame }
        var broken = frame
        let hash = frame.withUnsafeReadableBytes { bytes in
            XXHash32.hash(UnsafeRawBufferPointer(rebasing: bytes[0..<(4 + descriptorBytes)]))
        }
        broken.setInteger(UInt8(truncatingIfNeeded: hash >> 8), at: frame.readerIndex + 4 + descriptorBytes)
        return broken
    }

    private static func errorName(_ code: Int) -> String {
        String(cString: LZ4F_getErrorName(code))
    }
}
