import KafkaProtocol
import NIOCore

/// Builds response frames: size prefix, response header, body.
enum ResponseEncoding {
    /// Encodes `response` as the answer to `header`, leaving room for the size and filling it in last
    /// so the body is written once, with no copy.
    static func frame<M: KafkaMessage>(_ response: M, header: RequestHeader, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256)
        buffer.writeInteger(Int32(0))
        writeResponseHeader(into: &buffer, header: header)
        response.write(into: &buffer, version: header.apiVersion)
        buffer.setInteger(Int32(buffer.readableBytes - 4), at: buffer.readerIndex)
        return buffer
    }

    /// Writes the response header whose version matches the request's API and version.
    static func writeResponseHeader(into buffer: inout ByteBuffer, header: RequestHeader) {
        var headerVersion: Int16 = 0
        if let key = ApiKey(rawValue: header.apiKey) {
            headerVersion = key.responseHeaderVersion(header.apiVersion)
        }
        ResponseHeader(correlationId: header.correlationId).write(into: &buffer, headerVersion: headerVersion)
    }
}
