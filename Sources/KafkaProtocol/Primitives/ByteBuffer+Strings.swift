import NIOCore

// STRING / NULLABLE_STRING / BYTES / NULLABLE_BYTES and array lengths, in their classic (INT16 / INT32
// length) and compact (UNSIGNED_VARINT length + 1, 0 meaning null) forms. `compact` is true in a
// message's flexible versions.
extension ByteBuffer {
    /// Reads a length prefix: -1 for null. Classic strings use INT16, classic bytes and arrays INT32.
    @inlinable mutating func readLength(compact: Bool, classicIsInt16: Bool) throws -> Int {
        if compact {
            let raw = try readUnsignedVarInt()
            return Int(raw) - 1
        }
        return classicIsInt16 ? Int(try readInt16()) : Int(try readInt32())
    }

    /// Reads a NULLABLE_STRING (or COMPACT_NULLABLE_STRING).
    @inlinable public mutating func readNullableString(compact: Bool) throws -> String? {
        let length = try readLength(compact: compact, classicIsInt16: true)
        if length < 0 {
            if length == -1 { return nil }
            throw KafkaProtocolError.invalid("negative string length \(length)")
        }
        guard let bytes = readSlice(length: length) else { throw KafkaProtocolError.truncated }
        guard let s = bytes.getString(at: bytes.readerIndex, length: length) else {
            throw KafkaProtocolError.invalid("string is not UTF-8")
        }
        return s
    }

    /// Reads a STRING (or COMPACT_STRING); null is an error.
    @inlinable public mutating func readString(compact: Bool) throws -> String {
        guard let s = try readNullableString(compact: compact) else {
            throw KafkaProtocolError.invalid("null where a string is required")
        }
        return s
    }

    /// Reads NULLABLE_BYTES (or COMPACT_NULLABLE_BYTES) as a slice that shares storage with `self`.
    @inlinable public mutating func readNullableBytes(compact: Bool) throws -> ByteBuffer? {
        let length = try readLength(compact: compact, classicIsInt16: false)
        if length < 0 {
            if length == -1 { return nil }
            throw KafkaProtocolError.invalid("negative bytes length \(length)")
        }
        guard let slice = readSlice(length: length) else { throw KafkaProtocolError.truncated }
        return slice
    }

    /// Reads BYTES (or COMPACT_BYTES); null is an error.
    @inlinable public mutating func readBytes(compact: Bool) throws -> ByteBuffer {
        guard let b = try readNullableBytes(compact: compact) else {
            throw KafkaProtocolError.invalid("null where bytes are required")
        }
        return b
    }

    /// Reads an array length: nil for a null array. Rejects counts that could not fit in the rest of
    /// the input (every element takes at least one byte), so a hostile count cannot make us allocate.
    @inlinable public mutating func readArrayCount(compact: Bool) throws -> Int? {
        let count = try readLength(compact: compact, classicIsInt16: false)
        if count < 0 {
            if count == -1 { return nil }
            throw KafkaProtocolError.invalid("negative array length \(count)")
        }
        if count > readableBytes { throw KafkaProtocolError.truncated }
        return count
    }

    /// Reads an array by calling `element` `count` times; a null array reads as empty.
    @inlinable public mutating func readArray<T>(
        compact: Bool, _ element: (inout ByteBuffer) throws -> T
    ) throws -> [T] {
        guard let count = try readArrayCount(compact: compact) else { return [] }
        var result: [T] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try element(&self)) }
        return result
    }

    /// Reads a nullable array: nil when null.
    @inlinable public mutating func readNullableArray<T>(
        compact: Bool, _ element: (inout ByteBuffer) throws -> T
    ) throws -> [T]? {
        guard let count = try readArrayCount(compact: compact) else { return nil }
        var result: [T] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try element(&self)) }
        return result
    }

    /// Writes a length prefix (-1 for null).
    @inlinable mutating func writeLength(_ length: Int, compact: Bool, classicIsInt16: Bool) {
        if compact {
            writeUnsignedVarInt(UInt32(length + 1))
        } else if classicIsInt16 {
            writeInt16(Int16(length))
        } else {
            writeInt32(Int32(length))
        }
    }

    /// Writes a NULLABLE_STRING (or its compact form).
    @inlinable public mutating func writeNullableString(_ value: String?, compact: Bool) {
        guard let value else {
            writeLength(-1, compact: compact, classicIsInt16: true)
            return
        }
        writeLength(value.utf8.count, compact: compact, classicIsInt16: true)
        writeString(value)
    }

    /// Writes a STRING (or COMPACT_STRING).
    @inlinable public mutating func writeString(_ value: String, compact: Bool) {
        writeNullableString(value, compact: compact)
    }

    /// Writes NULLABLE_BYTES (or its compact form) from the readable bytes of `value`.
    @inlinable public mutating func writeNullableBytes(_ value: ByteBuffer?, compact: Bool) {
        guard let value else {
            writeLength(-1, compact: compact, classicIsInt16: false)
            return
        }
        writeLength(value.readableBytes, compact: compact, classicIsInt16: false)
        writeImmutableBuffer(value)
    }

    /// Writes BYTES (or COMPACT_BYTES).
    @inlinable public mutating func writeBytes(_ value: ByteBuffer, compact: Bool) {
        writeNullableBytes(value, compact: compact)
    }

    /// Writes an array length (nil for a null array).
    @inlinable public mutating func writeArrayCount(_ count: Int?, compact: Bool) {
        writeLength(count ?? -1, compact: compact, classicIsInt16: false)
    }

    /// Writes an array with `element` for each item.
    @inlinable public mutating func writeArray<T>(
        _ items: [T], compact: Bool, _ element: (inout ByteBuffer, T) -> Void
    ) {
        writeArrayCount(items.count, compact: compact)
        for item in items { element(&self, item) }
    }

    /// Writes a nullable array.
    @inlinable public mutating func writeNullableArray<T>(
        _ items: [T]?, compact: Bool, _ element: (inout ByteBuffer, T) -> Void
    ) {
        guard let items else {
            writeArrayCount(nil, compact: compact)
            return
        }
        writeArray(items, compact: compact, element)
    }
}
