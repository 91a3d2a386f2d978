import NIOCore

/// The tagged fields that end every structure in a flexible version: tags we know are decoded by the
/// message that owns them; the rest are kept raw so that a decode-encode round trip preserves them.
public struct TaggedFields: Hashable, Sendable {
    /// Raw values by tag, in ascending tag order when written.
    public var fields: [UInt32: ByteBuffer]

    /// No tagged fields.
    public init(_ fields: [UInt32: ByteBuffer] = [:]) { self.fields = fields }

    /// True when there is nothing to write but the zero count.
    public var isEmpty: Bool { fields.isEmpty }
}

extension ByteBuffer {
    /// Reads a tagged-field section. Tags must ascend, as the specification requires.
    @inlinable public mutating func readTaggedFields() throws -> TaggedFields {
        let count = try readUnsignedVarInt()
        if count == 0 { return TaggedFields() }
        if Int(count) > readableBytes { throw KafkaProtocolError.truncated }
        var fields: [UInt32: ByteBuffer] = [:]
        var previous: Int64 = -1
        for _ in 0..<count {
            let tag = try readUnsignedVarInt()
            guard Int64(tag) > previous else { throw KafkaProtocolError.invalid("tagged fields out of order") }
            previous = Int64(tag)
            let size = try readUnsignedVarInt()
            guard let value = readSlice(length: Int(size)) else { throw KafkaProtocolError.truncated }
            fields[tag] = value
        }
        return TaggedFields(fields)
    }

    /// Writes a tagged-field section.
    @inlinable public mutating func writeTaggedFields(_ tagged: TaggedFields) {
        writeUnsignedVarInt(UInt32(tagged.fields.count))
        for tag in tagged.fields.keys.sorted() {
            let value = tagged.fields[tag]!
            writeUnsignedVarInt(tag)
            writeUnsignedVarInt(UInt32(value.readableBytes))
            writeImmutableBuffer(value)
        }
    }

    /// Writes an empty tagged-field section (a single zero byte).
    @inlinable public mutating func writeEmptyTaggedFields() {
        writeInteger(UInt8(0))
    }
}
