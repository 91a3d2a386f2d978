import NIOCore

/// Kafka's framing: every request and response is an INT32 byte count followed by that many bytes.
public enum Framing {
    /// Bytes of the size prefix.
    public static let prefixBytes = 4

    /// Takes one whole frame (without its prefix) off the front of `buffer`, or returns nil and leaves the
    /// reader index alone when the frame has not fully arrived. Throws `.frameTooLarge` when the announced size
    /// exceeds `maxBytes` (checked as soon as the prefix is in, so a hostile size is refused before buffering)
    /// and `.invalid` when it is negative.
    public static func readFrame(from buffer: inout ByteBuffer, maxBytes: Int) throws -> ByteBuffer? {
        guard let size = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self) else {
            return nil
        }
        if size < 0 { throw KafkaProtocolError.invalid("negative frame size \(size)") }
        if Int(size) > maxBytes { throw KafkaProtocolError.frameTooLarge(size: Int(size), max: maxBytes) }
        guard buffer.readableBytes >= prefixBytes + Int(size) else { return nil }
        buffer.moveReaderIndex(forwardBy: prefixBytes)
        return buffer.readSlice(length: Int(size))
    }

    /// Writes `body`'s readable bytes as one frame.
    public static func writeFrame(_ body: ByteBuffer, into buffer: inout ByteBuffer) {
        precondition(body.readableBytes <= Int(Int32.max), "frame body too large")
        buffer.writeInteger(Int32(body.readableBytes), endianness: .big)
        buffer.writeImmutableBuffer(body)
    }

    /// Writes a frame whose body `writeBody` produces, patching the size prefix afterwards so the body is
    /// encoded once, straight into `buffer`.
    public static func writeFrame(into buffer: inout ByteBuffer, _ writeBody: (inout ByteBuffer) -> Void) {
        let prefixIndex = buffer.writerIndex
        buffer.writeInteger(Int32(0), endianness: .big)
        writeBody(&buffer)
        let size = buffer.writerIndex - prefixIndex - prefixBytes
        precondition(size <= Int(Int32.max), "frame body too large")
        buffer.setInteger(Int32(size), at: prefixIndex, endianness: .big)
    }
}
