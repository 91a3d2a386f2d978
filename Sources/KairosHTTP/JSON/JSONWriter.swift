import NIOCore

/// Appends JSON text to a `ByteBuffer`: answers are written straight into the response's bytes, with no
/// intermediate dictionaries or encoder.
struct JSONWriter {
    /// The text written so far.
    var buffer: ByteBuffer

    /// Starts an empty document with room for `capacity` bytes.
    init(capacity: Int = 256) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Appends raw JSON text (punctuation or an already encoded value).
    mutating func raw(_ text: StaticString) {
        buffer.writeStaticString(text)
    }

    /// Appends a JSON string with the escapes RFC 8259 requires.
    mutating func string(_ value: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for (i, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                buffer.writeBytes(utf8[runStart..<i])
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                default:
                    let hex = String(byte, radix: 16)
                    buffer.writeString("\\u00" + (hex.count == 1 ? "0" + hex : hex))
                }
                runStart = i + 1
            }
            buffer.writeBytes(utf8[runStart...])
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// Appends a string, or `null` for nil.
    mutating func string(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    /// Appends an integer.
    mutating func number<I: BinaryInteger>(_ value: I) {
        buffer.writeString(String(value))
    }

    /// Appends an integer, or `null` for nil.
    mutating func number<I: BinaryInteger>(_ value: I?) {
        if let value { number(value) } else { raw("null") }
    }

    /// Appends a floating-point number (`null` when it is not finite, which JSON cannot carry).
    mutating func number(_ value: Double) {
        if value.isFinite { buffer.writeString(String(value)) } else { raw("null") }
    }

    /// Appends `"key":` (the member separator is the caller's).
    mutating func key(_ name: StaticString) {
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(name)
        buffer.writeStaticString("\":")
    }
}
