import NIOCore

/// Message sets of the legacy formats (magic 0 and 1), which Kafka 3.x still accepts from old clients.
///
/// A set is a sequence of entries (INT64 offset, INT32 size, message). A compressed set travels as one wrapper
/// message whose value is the compressed inner set; a magic-1 wrapper carries the absolute offset of its last
/// inner message, and its inner messages carry offsets relative to the first (KIP-31).
public enum LegacyMessageSet {
    /// Decodes a set, unwrapping compressed wrappers, into plain messages with absolute offsets (and, under a
    /// log-append-time wrapper, the wrapper's timestamp). Checks every CRC-32; at most `maxDecompressedBytes`
    /// are inflated in all. A partial entry at the end is dropped when `allowsPartialTail` (Fetch responses end
    /// so), else it is corruption. Throws `RecordBatchError`.
    public static func decode(
        _ set: ByteBuffer, maxDecompressedBytes: Int, allowsPartialTail: Bool = false,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws -> [LegacyMessage] {
        try decodeWithCodec(set, maxDecompressedBytes: maxDecompressedBytes, allowsPartialTail: allowsPartialTail,
                            allocator: allocator).messages
    }

    /// `decode`, also returning the codec of the first wrapper (`.none` for an uncompressed set).
    static func decodeWithCodec(
        _ set: ByteBuffer, maxDecompressedBytes: Int, allowsPartialTail: Bool, allocator: ByteBufferAllocator
    ) throws -> (messages: [LegacyMessage], codec: CompressionCodec) {
        var rest = set
        var messages: [LegacyMessage] = []
        var firstCodec: CompressionCodec?
        var inflatedBytes = 0
        while rest.readableBytes > 0 {
            guard isWholeEntry(rest) else {
                if allowsPartialTail { break }
                throw RecordBatchError.corrupt("message set ends inside a message")
            }
            let message = try LegacyMessage.read(from: &rest)
            guard let codec = message.compression, codec != .zstd else {
                throw RecordBatchError.unsupportedCompression(message.attributes & 0x07)
            }
            if firstCodec == nil { firstCodec = codec }
            if codec == .none {
                messages.append(message)
                continue
            }
            let inner = try unwrap(message, codec: codec, maxBytes: maxDecompressedBytes - inflatedBytes,
                                   allocator: allocator, inflatedBytes: &inflatedBytes)
            messages.append(contentsOf: inner)
        }
        return (messages, firstCodec ?? .none)
    }

    /// The inner messages of a wrapper, with absolute offsets.
    private static func unwrap(
        _ wrapper: LegacyMessage, codec: CompressionCodec, maxBytes: Int, allocator: ByteBufferAllocator,
        inflatedBytes: inout Int
    ) throws -> [LegacyMessage] {
        guard var compressed = wrapper.value else { throw RecordBatchError.corrupt("compressed wrapper without a value") }
        // Magic-0 LZ4 writers hashed the wrong bytes for the frame descriptor checksum; Kafka ignores it there.
        if codec == .lz4 && wrapper.magic == 0 { compressed = LZ4Codec.repairingDescriptorChecksum(compressed) }
        var inner: ByteBuffer
        do {
            inner = try codec.decompress(compressed, maxBytes: max(maxBytes, 0), allocator: allocator)
        } catch let error as CompressionError {
            throw RecordBatchError(error)
        }
        inflatedBytes += inner.readableBytes
        var messages: [LegacyMessage] = []
        while inner.readableBytes > 0 {
            guard isWholeEntry(inner) else { throw RecordBatchError.corrupt("compressed set ends inside a message") }
            var message = try LegacyMessage.read(from: &inner)
            guard message.compression == CompressionCodec.none else {
                throw RecordBatchError.corrupt("nested compression inside a wrapper at offset \(wrapper.offset)")
            }
            if wrapper.timestampType == .logAppendTime && message.magic == 1 {
                message.timestamp = wrapper.timestamp
                message.attributes |= 0x08
            }
            messages.append(message)
        }
        guard let last = messages.last else { throw RecordBatchError.corrupt("empty compressed wrapper") }
        // A negative base means a producer's wrapper (offset 0 before the broker assigns offsets): inner
        // offsets stay as written, as Kafka's readers leave them.
        let base = wrapper.offset &- last.offset
        if wrapper.magic >= 1 && base >= 0 {
            for index in messages.indices { messages[index].offset = base &+ messages[index].offset }
        }
        return messages
    }

    /// True when `buffer` starts with a whole entry (its size field may still be nonsense; `read` checks it).
    private static func isWholeEntry(_ buffer: ByteBuffer) -> Bool {
        guard buffer.readableBytes >= LegacyMessage.logOverheadBytes,
              let size = buffer.getInteger(at: buffer.readerIndex + 8, endianness: .big, as: Int32.self)
        else { return false }
        return size < 0 || buffer.readableBytes >= LegacyMessage.logOverheadBytes + Int(size)
    }

    /// Encodes plain messages (all of `magic`) as a set: each on its own for `.none`, else as one wrapper whose
    /// offset is the last message's and whose timestamp (magic 1) is the largest inner one. Inner offsets are
    /// written relative for magic 1 and absolute for magic 0, as Kafka does. zstd has no legacy form and throws.
    public static func encode(
        _ messages: [LegacyMessage], magic: Int8, compression: CompressionCodec,
        timestampType: TimestampType = .createTime, allocator: ByteBufferAllocator
    ) throws -> ByteBuffer {
        precondition(magic == 0 || magic == 1, "legacy magic is 0 or 1")
        precondition(messages.allSatisfy { $0.magic == magic && $0.compression == CompressionCodec.none },
                     "encode takes plain messages of one magic")
        guard compression != .zstd else { throw RecordBatchError.unsupportedCompression(compression.rawValue) }
        var plain = allocator.buffer(capacity: messages.reduce(0) { $0 + $1.entryBytes })
        guard let first = messages.first, let last = messages.last else { return plain }
        for var message in messages {
            if compression != .none && magic == 1 { message.offset = message.offset &- first.offset }
            message.write(to: &plain)
        }
        if compression == .none { return plain }

        var compressed: ByteBuffer
        do {
            compressed = try compression.compress(plain, allocator: allocator)
        } catch let error as CompressionError {
            throw RecordBatchError(error)
        }
        if compression == .lz4 && magic == 0 { compressed = LZ4Codec.breakingDescriptorChecksum(compressed) }
        var attributes = compression.rawValue
        if magic == 1 && timestampType == .logAppendTime { attributes |= 0x08 }
        let wrapper = LegacyMessage(
            offset: last.offset, magic: magic, attributes: attributes,
            timestamp: magic == 1 ? messages.compactMap(\.timestamp).max() : nil, key: nil, value: compressed)
        var output = allocator.buffer(capacity: wrapper.entryBytes)
        wrapper.write(to: &output)
        return output
    }
}
