import NIOCore

// Fixed-width big-endian primitives. Readers throw `.truncated` on a short read instead of returning
// nil, because inside a frame that was received whole a short read means a malformed request.
extension ByteBuffer {
    /// Reads a Kafka INT8.
    @inlinable public mutating func readInt8() throws -> Int8 {
        guard let v = readInteger(as: Int8.self) else { throw KafkaProtocolError.truncated }
        return v
    }

    /// Reads a Kafka INT16.
    @inlinable public mutating func readInt16() throws -> Int16 {
        guard let v = readInteger(endianness: .big, as: Int16.self) else { throw KafkaProtocolError.truncated }
        return v
    }

    /// Reads a Kafka INT32.
    @inlinable public mutating func readInt32() throws -> Int32 {
        guard let v = readInteger(endianness: .big, as: Int32.self) else { throw KafkaProtocolError.truncated }
        return v
    }

    /// Reads a Kafka INT64.
    @inlinable public mutating func readInt64() throws -> Int64 {
        guard let v = readInteger(endianness: .big, as: Int64.self) else { throw KafkaProtocolError.truncated }
        return v
    }

    /// Reads a Kafka UINT16.
    @inlinable public mutating func readUInt16() throws -> UInt16 {
        guard let v = readInteger(endianness: .big, as: UInt16.self) else { throw KafkaProtocolError.truncated }
        return v
    }

    /// Reads a Kafka UINT32.
    @inlinable public mutating func readUInt32() throws -> UInt32 {
        guard let v = readInteger(endianness: .big, as: UInt32.self) else { throw KafkaProtocolError.truncated }
        return v
    }

    /// Reads a Kafka BOOLEAN (any non-zero byte is true).
    @inlinable public mutating func readBool() throws -> Bool {
        try readInt8() != 0
    }

    /// Reads a Kafka FLOAT64 (IEEE 754 big-endian).
    @inlinable public mutating func readFloat64() throws -> Double {
        guard let bits = readInteger(endianness: .big, as: UInt64.self) else { throw KafkaProtocolError.truncated }
        return Double(bitPattern: bits)
    }

    /// Reads a Kafka UUID.
    @inlinable public mutating func readUUID() throws -> KafkaUUID {
        guard let high = readInteger(endianness: .big, as: UInt64.self),
              let low = readInteger(endianness: .big, as: UInt64.self)
        else { throw KafkaProtocolError.truncated }
        return KafkaUUID(high: high, low: low)
    }

    /// Writes a Kafka INT8.
    @inlinable public mutating func writeInt8(_ v: Int8) { writeInteger(v) }
    /// Writes a Kafka INT16.
    @inlinable public mutating func writeInt16(_ v: Int16) { writeInteger(v, endianness: .big) }
    /// Writes a Kafka INT32.
    @inlinable public mutating func writeInt32(_ v: Int32) { writeInteger(v, endianness: .big) }
    /// Writes a Kafka INT64.
    @inlinable public mutating func writeInt64(_ v: Int64) { writeInteger(v, endianness: .big) }
    /// Writes a Kafka UINT16.
    @inlinable public mutating func writeUInt16(_ v: UInt16) { writeInteger(v, endianness: .big) }
    /// Writes a Kafka UINT32.
    @inlinable public mutating func writeUInt32(_ v: UInt32) { writeInteger(v, endianness: .big) }
    /// Writes a Kafka BOOLEAN.
    @inlinable public mutating func writeBool(_ v: Bool) { writeInteger(v ? Int8(1) : Int8(0)) }
    /// Writes a Kafka FLOAT64.
    @inlinable public mutating func writeFloat64(_ v: Double) { writeInteger(v.bitPattern, endianness: .big) }

    /// Writes a Kafka UUID.
    @inlinable public mutating func writeUUID(_ v: KafkaUUID) {
        writeInteger(v.high, endianness: .big)
        writeInteger(v.low, endianness: .big)
    }
}
