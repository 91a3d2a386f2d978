import CZstd
import NIOCore

/// zstd frames (Kafka 2.1+, KIP-110). Decompression streams under a bound, since producers need not
/// record the content size in the frame header.
enum ZstdCodec {
    static func compress(_ input: ByteBuffer, level: Int?, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let zlevel = Int32(clamping: level ?? Int(ZSTD_CLEVEL_DEFAULT))
        let bound = ZSTD_compressBound(input.readableBytes)
        guard ZSTD_isError(bound) == 0 else { throw CompressionError.failed(.zstd, errorName(bound)) }
        var output = allocator.buffer(capacity: bound)
        var result = 0
        input.withUnsafeReadableBytes { source in
            _ = output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { space in
                result = ZSTD_compress(space.baseAddress, space.count, source.baseAddress, source.count, zlevel)
                return ZSTD_isError(result) == 0 ? result : 0
            }
        }
        guard ZSTD_isError(result) == 0 else { throw CompressionError.failed(.zstd, errorName(result)) }
        return output
    }

    private static let contexts = DecompressionContextPool(
        codec: .zstd,
        make: { ZSTD_createDCtx() },
        reset: { _ = ZSTD_DCtx_reset($0, ZSTD_reset_session_only) },
        release: { _ = ZSTD_freeDCtx($0) })

    static func decompress(_ input: ByteBuffer, maxBytes: Int, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        try contexts.withContext { try decompress(input, maxBytes: maxBytes, allocator: allocator, context: $0) }
    }

    private static func decompress(_ input: ByteBuffer, maxBytes: Int, allocator: ByteBufferAllocator,
                                   context: OpaquePointer) throws -> ByteBuffer {
        var output = BoundedOutput(codec: .zstd, inputBytes: input.readableBytes, maxBytes: maxBytes, allocator: allocator)
        try input.withUnsafeReadableBytes { source in
            guard source.count > 0 else { throw CompressionError.corrupt(.zstd, "empty input") }
            var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
            var pending = 1  // ZSTD_decompressStream returns 0 once a frame is complete and flushed
            while inBuffer.pos < inBuffer.size || pending != 0 {
                var produced = 0
                let before = inBuffer.pos
                try output.write { space in
                    var outBuffer = ZSTD_outBuffer(dst: space.baseAddress, size: space.count, pos: 0)
                    pending = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                    produced = outBuffer.pos
                    return ZSTD_isError(pending) == 0 ? outBuffer.pos : 0
                }
                guard ZSTD_isError(pending) == 0 else { throw CompressionError.corrupt(.zstd, errorName(pending)) }
                // With room to write, a call that neither reads nor writes means the frame was cut short.
                if inBuffer.pos == before && produced == 0 {
                    throw CompressionError.corrupt(.zstd, "truncated frame")
                }
            }
        }
        return output.buffer
    }

    private static func errorName(_ code: Int) -> String {
        String(cString: ZSTD_getErrorName(code))
    }
}
