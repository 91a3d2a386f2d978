import NIOCore

/// The compression codecs of Kafka's record batches; raw values are the codec bits (0-2) of a batch's attributes.
public enum CompressionCodec: Int8, Sendable, CaseIterable {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4

    /// The codec for a Kafka `compression.type` value ("none", "gzip", "snappy", "lz4", "zstd"); case-insensitive.
    public init?(name: String) {
        switch name.lowercased() {
        case "none": self = .none
        case "gzip": self = .gzip
        case "snappy": self = .snappy
        case "lz4": self = .lz4
        case "zstd": self = .zstd
        default: return nil
        }
    }

    /// The codec's `compression.type` name.
    public var name: String {
        switch self {
        case .none: return "none"
        case .gzip: return "gzip"
        case .snappy: return "snappy"
        case .lz4: return "lz4"
        case .zstd: return "zstd"
        }
    }

    /// Compresses the readable bytes of `input` into the stream Kafka expects for this codec: gzip (RFC 1952),
    /// xerial-framed snappy, an LZ4 frame with independent 64 KiB blocks, or a zstd frame. `level` is the
    /// codec's own scale (nil for its default); `.none` returns the input unchanged.
    public func compress(_ input: ByteBuffer, level: Int? = nil, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        switch self {
        case .none: return input
        case .gzip: return try GzipCodec.compress(input, level: level, allocator: allocator)
        case .snappy: return try SnappyCodec.compress(input, allocator: allocator)
        case .lz4: return try LZ4Codec.compress(input, level: level, allocator: allocator)
        case .zstd: return try ZstdCodec.compress(input, level: level, allocator: allocator)
        }
    }

    /// Decompresses the readable bytes of `input`; throws `CompressionError` on corrupt input, and
    /// `.tooLarge` as soon as the output would pass `maxBytes` (decompression bombs stop there).
    /// `.none` returns the input unchanged (still bounded by `maxBytes`).
    public func decompress(_ input: ByteBuffer, maxBytes: Int, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        precondition(maxBytes >= 0, "maxBytes must not be negative")
        switch self {
        case .none:
            guard input.readableBytes <= maxBytes else { throw CompressionError.tooLarge(self, maxBytes: maxBytes) }
            return input
        case .gzip: return try GzipCodec.decompress(input, maxBytes: maxBytes, allocator: allocator)
        case .snappy: return try SnappyCodec.decompress(input, maxBytes: maxBytes, allocator: allocator)
        case .lz4: return try LZ4Codec.decompress(input, maxBytes: maxBytes, allocator: allocator)
        case .zstd: return try ZstdCodec.decompress(input, maxBytes: maxBytes, allocator: allocator)
        }
    }
}
