import NIOCore

/// Splits the byte stream into Kafka request frames (INT32 size, then that many bytes).
///
/// A frame that announces more than `maxFrameBytes` (socket.request.max.bytes) or a negative size
/// is an error: the handler closes the connection without reading it, as Kafka does.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maxFrameBytes: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self) else {
            return .needMoreData
        }
        guard size >= 0, Int(size) <= maxFrameBytes else {
            throw FrameSizeError(size: Int(size), max: maxFrameBytes)
        }
        guard buffer.readableBytes >= 4 + Int(size) else {
            // Ask NIO to keep room for the whole frame so large produce requests are not copied repeatedly.
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readSlice(length: Int(size))!
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }
}

/// A request frame over socket.request.max.bytes (or with a negative size).
struct FrameSizeError: Error, CustomStringConvertible {
    var size: Int
    var max: Int
    var description: String { "request frame of \(size) bytes; socket.request.max.bytes is \(max)" }
}
