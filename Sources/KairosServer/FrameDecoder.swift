import KafkaProtocol
import NIOCore

/// Splits the byte stream into Kafka request frames with the one frame reader broker and client share
/// (`Framing.readFrame`: INT32 size, then that many bytes; incomplete input waits with the reader index untouched).
///
/// A frame that announces more than `maxFrameBytes` (socket.request.max.bytes) or a negative size
/// is an error: the handler closes the connection without reading it, as Kafka does.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maxFrameBytes: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let frame: ByteBuffer?
        do {
            frame = try Framing.readFrame(from: &buffer, maxBytes: maxFrameBytes)
        } catch {
            // Only the size prefix can be refused here; say so in the broker's own terms.
            let size = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self).map { Int($0) } ?? -1
            throw FrameSizeError(size: size, max: maxFrameBytes)
        }
        guard let frame else { return .needMoreData }
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
