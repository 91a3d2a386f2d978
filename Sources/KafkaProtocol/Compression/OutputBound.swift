import NIOCore

/// Grows a decompression output buffer chunk by chunk while holding it under a byte bound, so that a small
/// hostile input cannot make us allocate far more than the caller allowed.
struct BoundedOutput {
    var buffer: ByteBuffer
    let maxBytes: Int
    let codec: CompressionCodec

    /// Starts with a capacity guessed from the input size, never more than the bound allows.
    init(codec: CompressionCodec, inputBytes: Int, maxBytes: Int, allocator: ByteBufferAllocator) {
        self.codec = codec
        self.maxBytes = maxBytes
        let guess = min(max(inputBytes.multipliedReportingOverflow(by: 4).partialValue, 4096), maxBytes + 1)
        self.buffer = allocator.buffer(capacity: max(guess, 1))
    }

    /// Bytes written so far.
    var count: Int { buffer.readableBytes }

    /// Lends `body` writable space of at most `maxBytes + 1 - count` bytes (one more than allowed, so that
    /// overflowing is detectable) and commits what it reports written; throws `.tooLarge` past the bound.
    mutating func write(_ body: (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        let room = maxBytes + 1 - buffer.readableBytes
        precondition(room > 0, "output already exceeds its bound")
        // Space the first guess left is used before growing: asking for a fixed 64 KiB up front reallocated the
        // buffer of every small batch (a consumer decompresses one per batch of `batch.size`).
        let writable = buffer.writableBytes
        let chunk = min(room, writable >= 4096 ? writable : max(64 * 1024, buffer.readableBytes))
        _ = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk) { space in
            try body(UnsafeMutableRawBufferPointer(rebasing: space[0..<min(space.count, room)]))
        }
        if buffer.readableBytes > maxBytes { throw CompressionError.tooLarge(codec, maxBytes: maxBytes) }
    }

    /// Writes exactly `length` bytes with `body`, checking the bound before allocating them.
    mutating func writeExactly(_ length: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        guard length >= 0, length <= maxBytes - buffer.readableBytes else {
            throw CompressionError.tooLarge(codec, maxBytes: maxBytes)
        }
        if length == 0 { return }
        _ = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { space in
            try body(UnsafeMutableRawBufferPointer(rebasing: space[0..<length]))
        }
    }
}
