import CZlib
import NIOCore

/// gzip (RFC 1952) through zlib, as Kafka's `compression.type=gzip` requires.
enum GzipCodec {
    /// zlib's windowBits: 15 (32 KiB window) + 16 asks deflate for a gzip wrapper; + 32 lets inflate
    /// detect gzip or zlib headers by itself.
    private static let gzipWindowBits: Int32 = 15 + 16
    private static let autoDetectWindowBits: Int32 = 15 + 32

    static func compress(_ input: ByteBuffer, level: Int?, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        // zlib counts in 32 bits; a single call handles inputs up to that (record batches are far smaller).
        guard input.readableBytes < Int(UInt32.max) / 2 else { throw CompressionError.failed(.gzip, "input too large") }
        let zlevel = Int32(clamping: level ?? Int(Z_DEFAULT_COMPRESSION))
        guard zlevel == Z_DEFAULT_COMPRESSION || (0...9).contains(zlevel) else {
            throw CompressionError.failed(.gzip, "level \(zlevel) outside 0...9")
        }
        // zlib checks that a stream keeps its address between calls, so it lives on the heap.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        let status = deflateInit2_(stream, zlevel, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw CompressionError.failed(.gzip, "deflateInit2 returned \(status)") }
        defer { deflateEnd(stream) }

        let bound = Int(deflateBound(stream, UInt(input.readableBytes)))
        var output = allocator.buffer(capacity: bound)
        try input.withUnsafeReadableBytes { source in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.bindMemory(to: Bytef.self).baseAddress)
            stream.pointee.avail_in = uInt(source.count)
            var result: Int32 = Z_OK
            _ = output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { space in
                stream.pointee.next_out = space.bindMemory(to: Bytef.self).baseAddress
                stream.pointee.avail_out = uInt(min(space.count, Int(UInt32.max)))
                let before = Int(stream.pointee.avail_out)
                result = deflate(stream, Z_FINISH)
                return before - Int(stream.pointee.avail_out)
            }
            // deflateBound guarantees room for a single Z_FINISH call.
            guard result == Z_STREAM_END else { throw CompressionError.failed(.gzip, "deflate returned \(result)") }
        }
        return output
    }

    static func decompress(_ input: ByteBuffer, maxBytes: Int, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        let status = inflateInit2_(stream, autoDetectWindowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw CompressionError.failed(.gzip, "inflateInit2 returned \(status)") }
        defer { inflateEnd(stream) }

        var output = BoundedOutput(codec: .gzip, inputBytes: input.readableBytes, maxBytes: maxBytes, allocator: allocator)
        try input.withUnsafeReadableBytes { source in
            guard source.count > 0 else { throw CompressionError.corrupt(.gzip, "empty input") }
            guard source.count < Int(UInt32.max) else { throw CompressionError.failed(.gzip, "input too large") }
            let bytes = source.bindMemory(to: Bytef.self)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress)
            stream.pointee.avail_in = uInt(bytes.count)
            while true {
                var code: Int32 = Z_OK
                var produced = 0
                let unread = stream.pointee.avail_in
                try output.write { space in
                    stream.pointee.next_out = space.bindMemory(to: Bytef.self).baseAddress
                    stream.pointee.avail_out = uInt(min(space.count, Int(UInt32.max)))
                    let room = Int(stream.pointee.avail_out)
                    code = inflate(stream, Z_NO_FLUSH)
                    produced = room - Int(stream.pointee.avail_out)
                    return produced
                }
                // With room to write, a call that neither reads nor writes cannot go on: the stream is cut short.
                if code != Z_STREAM_END && produced == 0 && stream.pointee.avail_in == unread {
                    throw CompressionError.corrupt(.gzip, "truncated stream")
                }
                switch code {
                case Z_STREAM_END:
                    let left = Int(stream.pointee.avail_in)
                    if left == 0 { return }
                    // Concatenated gzip members decode as one stream (as Java's GZIPInputStream does).
                    let next = bytes.count - left
                    guard left >= 2, bytes[next] == 0x1F, bytes[next + 1] == 0x8B else {
                        throw CompressionError.corrupt(.gzip, "\(left) bytes after the end of the stream")
                    }
                    inflateReset(stream)
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    // No progress possible: with input left the output was full (the bound check handles
                    // that); without input, the stream ended early.
                    if stream.pointee.avail_in == 0 { throw CompressionError.corrupt(.gzip, "truncated stream") }
                case Z_MEM_ERROR:
                    throw CompressionError.failed(.gzip, "out of memory")
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "inflate returned \(code)"
                    throw CompressionError.corrupt(.gzip, message)
                }
            }
        }
        return output.buffer
    }
}
