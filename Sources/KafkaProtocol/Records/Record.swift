import NIOCore

/// A record header: a UTF-8 key and nullable bytes.
public struct RecordHeader: Sendable, Hashable {
    /// The header's name.
    public var key: String
    /// The header's value; nil is distinct from empty.
    public var value: ByteBuffer?

    /// Makes a header.
    public init(key: String, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }
}

/// One record of a v2 batch, as it is on the wire: its offset and timestamp are deltas from the batch's bases.
public struct Record: Sendable, Hashable {
    /// Unused by Kafka so far; kept so that a decode-encode round trip preserves it.
    public var attributes: Int8
    /// Timestamp minus the batch's `baseTimestamp`.
    public var timestampDelta: Int64
    /// Offset minus the batch's `baseOffset`.
    public var offsetDelta: Int32
    /// The key; nil is distinct from empty.
    public var key: ByteBuffer?
    /// The value; nil is a tombstone.
    public var value: ByteBuffer?
    /// Headers, in order (keys may repeat).
    public var headers: [RecordHeader]

    /// Makes a record.
    public init(
        attributes: Int8 = 0, timestampDelta: Int64, offsetDelta: Int32, key: ByteBuffer?, value: ByteBuffer?,
        headers: [RecordHeader] = []
    ) {
        self.attributes = attributes
        self.timestampDelta = timestampDelta
        self.offsetDelta = offsetDelta
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The smallest encoding: length, attributes, deltas, null key, null value, no headers (one byte each).
    static let minimumEncodedBytes = 7

    /// Bytes of the record after its length prefix.
    var bodyBytes: Int {
        RecordWire.bodyBytes(
            timestampDelta: timestampDelta, offsetDelta: offsetDelta, keyBytes: key?.readableBytes,
            valueBytes: value?.readableBytes, headers: headers)
    }

    /// Writes the record, length prefix first.
    func write(to buffer: inout ByteBuffer) {
        let body = bodyBytes
        buffer.writeVarInt(Int32(body))
        buffer.writeInt8(attributes)
        buffer.writeVarLong(timestampDelta)
        buffer.writeVarInt(offsetDelta)
        RecordWire.writeNullable(key, to: &buffer)
        RecordWire.writeNullable(value, to: &buffer)
        RecordWire.writeHeaders(headers, to: &buffer)
    }

    /// Reads one record; key, value and header values share storage with `buffer`.
    static func read(from buffer: inout ByteBuffer) throws -> Record {
        let length = Int(try buffer.readVarInt())
        guard length >= 0 else { throw KafkaProtocolError.invalid("negative record length \(length)") }
        guard var body = buffer.readSlice(length: length) else { throw KafkaProtocolError.truncated }
        let attributes = try body.readInt8()
        let timestampDelta = try body.readVarLong()
        let offsetDelta = try body.readVarInt()
        let key = try RecordWire.readNullable(from: &body)
        let value = try RecordWire.readNullable(from: &body)
        let headerCount = Int(try body.readVarInt())
        // Each header takes at least two bytes, so a hostile count cannot make us reserve much.
        guard headerCount >= 0, headerCount <= body.readableBytes / 2 else {
            throw KafkaProtocolError.invalid("record header count \(headerCount)")
        }
        var headers: [RecordHeader] = []
        headers.reserveCapacity(headerCount)
        for _ in 0..<headerCount { headers.append(try RecordWire.readHeader(from: &body)) }
        guard body.readableBytes == 0 else {
            throw KafkaProtocolError.invalid("\(body.readableBytes) bytes left inside a record")
        }
        return Record(
            attributes: attributes, timestampDelta: timestampDelta, offsetDelta: offsetDelta, key: key, value: value,
            headers: headers)
    }
}

/// The varint-length fields shared by `Record` and `RecordBatchBuilder`.
enum RecordWire {
    /// Bytes of a record body with these parts.
    @inline(__always)
    static func bodyBytes(
        timestampDelta: Int64, offsetDelta: Int32, keyBytes: Int?, valueBytes: Int?, headers: [RecordHeader]
    ) -> Int {
        1 + VarIntSize.signed(timestampDelta) + VarIntSize.signed(Int64(offsetDelta)) + nullableBytes(keyBytes)
            + nullableBytes(valueBytes) + headersBytes(headers)
    }

    @inline(__always)
    static func nullableBytes(_ length: Int?) -> Int {
        guard let length else { return 1 }
        return VarIntSize.signed(Int64(length)) + length
    }

    static func headersBytes(_ headers: [RecordHeader]) -> Int {
        var total = VarIntSize.signed(Int64(headers.count))
        for header in headers {
            total += nullableBytes(header.key.utf8.count) + nullableBytes(header.value?.readableBytes)
        }
        return total
    }

    @inline(__always)
    static func writeNullable(_ bytes: ByteBuffer?, to buffer: inout ByteBuffer) {
        guard let bytes else {
            buffer.writeVarInt(-1)
            return
        }
        buffer.writeVarInt(Int32(bytes.readableBytes))
        buffer.writeImmutableBuffer(bytes)
    }

    @inline(__always)
    static func writeNullable(_ bytes: UnsafeRawBufferPointer?, to buffer: inout ByteBuffer) {
        guard let bytes else {
            buffer.writeVarInt(-1)
            return
        }
        buffer.writeVarInt(Int32(bytes.count))
        buffer.writeBytes(bytes)
    }

    static func writeHeaders(_ headers: [RecordHeader], to buffer: inout ByteBuffer) {
        buffer.writeVarInt(Int32(headers.count))
        for header in headers {
            buffer.writeVarInt(Int32(header.key.utf8.count))
            buffer.writeString(header.key)
            writeNullable(header.value, to: &buffer)
        }
    }

    /// Reads one record header: a UTF-8 key and a nullable value.
    static func readHeader(from buffer: inout ByteBuffer) throws -> RecordHeader {
        let keyLength = Int(try buffer.readVarInt())
        guard keyLength >= 0 else { throw KafkaProtocolError.invalid("negative header key length") }
        guard let keyBytes = buffer.readSlice(length: keyLength) else { throw KafkaProtocolError.truncated }
        guard let headerKey = keyBytes.getString(at: keyBytes.readerIndex, length: keyLength),
              headerKey.utf8.count == keyLength
        else { throw KafkaProtocolError.invalid("header key is not UTF-8") }
        return RecordHeader(key: headerKey, value: try readNullable(from: &buffer))
    }

    static func readNullable(from buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let length = Int(try buffer.readVarInt())
        // Kafka's readers take any negative length as null; so do we.
        if length < 0 { return nil }
        guard let slice = buffer.readSlice(length: length) else { throw KafkaProtocolError.truncated }
        return slice
    }
}
