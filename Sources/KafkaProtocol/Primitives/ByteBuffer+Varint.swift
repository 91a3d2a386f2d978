import NIOCore

// Variable-length integers: UNSIGNED_VARINT (flexible-version lengths and tags), and the zig-zag
// VARINT / VARLONG of record fields. Protobuf's encoding: 7 bits a byte, low bits first.
extension ByteBuffer {
    /// Reads an UNSIGNED_VARINT of at most 5 bytes.
    @inlinable public mutating func readUnsignedVarInt() throws -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            guard let byte = readInteger(as: UInt8.self) else { throw KafkaProtocolError.truncated }
            if shift == 28 && byte > 0x0F { throw KafkaProtocolError.invalid("unsigned varint longer than 32 bits") }
            result |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads an unsigned varint of at most 10 bytes.
    @inlinable public mutating func readUnsignedVarLong() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let byte = readInteger(as: UInt8.self) else { throw KafkaProtocolError.truncated }
            if shift == 63 && byte > 0x01 { throw KafkaProtocolError.invalid("unsigned varlong longer than 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a zig-zag VARINT.
    @inlinable public mutating func readVarInt() throws -> Int32 {
        let raw = try readUnsignedVarInt()
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Reads a zig-zag VARLONG.
    @inlinable public mutating func readVarLong() throws -> Int64 {
        let raw = try readUnsignedVarLong()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Writes an UNSIGNED_VARINT.
    @inlinable public mutating func writeUnsignedVarInt(_ value: UInt32) {
        writeUnsignedVarLong(UInt64(value))
    }

    /// Writes an unsigned varint of up to 64 bits.
    @inlinable public mutating func writeUnsignedVarLong(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        writeInteger(UInt8(v))
    }

    /// Writes a zig-zag VARINT.
    @inlinable public mutating func writeVarInt(_ value: Int32) {
        writeUnsignedVarInt(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    /// Writes a zig-zag VARLONG.
    @inlinable public mutating func writeVarLong(_ value: Int64) {
        writeUnsignedVarLong(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }
}

/// Sizes of encoded varints, for computing lengths before writing.
public enum VarIntSize {
    /// Bytes an unsigned varint of `value` takes.
    @inlinable public static func unsigned(_ value: UInt64) -> Int {
        var v = value
        var n = 1
        while v >= 0x80 {
            v >>= 7
            n += 1
        }
        return n
    }

    /// Bytes a zig-zag VARINT / VARLONG of `value` takes.
    @inlinable public static func signed(_ value: Int64) -> Int {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }
}
