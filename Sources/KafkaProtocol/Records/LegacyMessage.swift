import CZlib
import NIOCore

/// One message of the legacy formats (magic 0, Kafka 0.8-0.9, and magic 1, Kafka 0.10, which adds a timestamp).
/// A message whose attributes name a codec is a wrapper: its value is a whole compressed message set.
public struct LegacyMessage: Sendable, Hashable {
    /// The message's offset (for a v1 inner message: relative to its wrapper).
    public var offset: Int64
    /// The format version: 0 or 1.
    public var magic: Int8
    /// Bits 0-2 codec, bit 3 timestamp type (magic 1 only).
    public var attributes: Int8
    /// Milliseconds since the epoch (magic 1 only; nil for magic 0).
    public var timestamp: Int64?
    /// The key; nil is distinct from empty.
    public var key: ByteBuffer?
    /// The value; nil is a tombstone.
    public var value: ByteBuffer?

    /// Bytes before the message proper: INT64 offset, INT32 size.
    static let logOverheadBytes = 12
    /// Byte offsets within an entry.
    static let crcOffset = 12
    static let magicOffset = 16

    /// Makes a message; `timestamp` must be nil exactly when `magic` is 0.
    public init(offset: Int64, magic: Int8, attributes: Int8 = 0, timestamp: Int64?, key: ByteBuffer?, value: ByteBuffer?) {
        precondition(magic == 0 || magic == 1, "legacy magic is 0 or 1")
        precondition((magic == 0) == (timestamp == nil), "magic 1 messages have a timestamp, magic 0 ones do not")
        self.offset = offset
        self.magic = magic
        self.attributes = attributes
        self.timestamp = timestamp
        self.key = key
        self.value = value
    }

    /// The codec of a wrapper message, `.none` for a plain one, nil for unknown bits.
    public var compression: CompressionCodec? { CompressionCodec(rawValue: attributes & 0x07) }

    /// Whose clock set the timestamp.
    public var timestampType: TimestampType { magic > 0 && attributes & 0x08 != 0 ? .logAppendTime : .createTime }

    /// Reads one whole entry (offset, size, message), checking its CRC-32 and that its fields fill its size
    /// exactly. Throws `RecordBatchError` (CORRUPT_MESSAGE); key and value share storage with `buffer`.
    static func read(from buffer: inout ByteBuffer) throws -> LegacyMessage {
        let saved = buffer
        do {
            let offset = try buffer.readInt64()
            let size = Int(try buffer.readInt32())
            guard size >= 14 else { throw RecordBatchError.corrupt("message size \(size) is too small") }
            guard var body = buffer.readSlice(length: size) else {
                throw RecordBatchError.corrupt("message size \(size) exceeds the \(buffer.readableBytes) bytes present")
            }
            let crc = try body.readUInt32()
            let computed = body.withUnsafeReadableBytes { crc32Of($0) }
            guard crc == computed else { throw RecordBatchError.corrupt("message CRC mismatch at offset \(offset)") }
            let magic = try body.readInt8()
            guard magic == 0 || magic == 1 else { throw RecordBatchError.corrupt("message magic \(magic)") }
            let attributes = try body.readInt8()
            let timestamp: Int64? = magic == 1 ? try body.readInt64() : nil
            let key = try readNullableBytes(from: &body)
            let value = try readNullableBytes(from: &body)
            guard body.readableBytes == 0 else {
                throw RecordBatchError.corrupt("\(body.readableBytes) bytes left inside a message")
            }
            return LegacyMessage(offset: offset, magic: magic, attributes: attributes, timestamp: timestamp, key: key,
                                 value: value)
        } catch let error as KafkaProtocolError {
            buffer = saved
            throw RecordBatchError(error)
        } catch {
            buffer = saved
            throw error
        }
    }

    /// Bytes the whole entry takes.
    var entryBytes: Int {
        Self.logOverheadBytes + 4 + 1 + 1 + (magic == 1 ? 8 : 0) + 4 + (key?.readableBytes ?? 0) + 4
            + (value?.readableBytes ?? 0)
    }

    /// Writes the whole entry, computing size and CRC-32.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeInt64(offset)
        buffer.writeInt32(Int32(entryBytes - Self.logOverheadBytes))
        let crcIndex = buffer.writerIndex
        buffer.writeUInt32(0)
        buffer.writeInt8(magic)
        buffer.writeInt8(attributes)
        if let timestamp { buffer.writeInt64(timestamp) }
        buffer.writeNullableBytes(key, compact: false)
        buffer.writeNullableBytes(value, compact: false)
        let covered = buffer.writerIndex - crcIndex - 4
        let crc = buffer.withVeryUnsafeBytes { storage in
            Self.crc32Of(UnsafeRawBufferPointer(rebasing: storage[(crcIndex + 4)..<(crcIndex + 4 + covered)]))
        }
        buffer.setInteger(crc, at: crcIndex, endianness: .big)
    }

    /// Any negative length reads as null, as Kafka's readers take it.
    private static func readNullableBytes(from buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let length = Int(try buffer.readInt32())
        if length < 0 { return nil }
        guard let slice = buffer.readSlice(length: length) else { throw KafkaProtocolError.truncated }
        return slice
    }

    /// The CRC-32 (zlib's, IEEE polynomial) the legacy formats use.
    static func crc32Of(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = crc32(0, nil, 0)
        var rest = bytes
        // zlib takes a 32-bit length; messages are far smaller, but stay correct for any size.
        while rest.count > 0 {
            let chunk = min(rest.count, Int(UInt32.max))
            crc = crc32(crc, rest.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(chunk))
            rest = UnsafeRawBufferPointer(rebasing: rest[chunk...])
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
