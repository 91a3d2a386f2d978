import NIOCore

/// The header before every response body: the request's correlation id, and in v1 tagged fields.
/// Which version applies is decided by the request (`ApiKey.responseHeaderVersion`), not by the bytes.
public struct ResponseHeader: Hashable, Sendable {
    /// The correlation id of the request this answers.
    public var correlationId: Int32
    /// The header's tagged fields (header v1 only).
    public var taggedFields: TaggedFields

    /// Makes a header.
    public init(correlationId: Int32, taggedFields: TaggedFields = TaggedFields()) {
        self.correlationId = correlationId
        self.taggedFields = taggedFields
    }

    /// Reads a header of version `headerVersion` (0 or 1).
    public static func read(from buffer: inout ByteBuffer, headerVersion: Int16) throws -> ResponseHeader {
        let correlationId = try buffer.readInt32()
        var header = ResponseHeader(correlationId: correlationId)
        if headerVersion >= 1 {
            header.taggedFields = try buffer.readTaggedFields()
        }
        return header
    }

    /// Writes the header as version `headerVersion` (0 or 1).
    public func write(into buffer: inout ByteBuffer, headerVersion: Int16) {
        precondition(headerVersion == 0 || headerVersion == 1, "no response header version \(headerVersion)")
        buffer.writeInt32(correlationId)
        if headerVersion >= 1 {
            buffer.writeTaggedFields(taggedFields)
        }
    }
}
