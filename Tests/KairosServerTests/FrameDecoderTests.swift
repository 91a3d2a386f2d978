import NIOCore
import NIOEmbedded
@testable import KairosServer
import XCTest

/// The broker's request framing through the shared frame reader: frames fed one byte at a time come out whole and
/// in order, and a size over socket.request.max.bytes (or negative) is refused before its body is buffered.
final class FrameDecoderTests: XCTestCase {
    private func channel(maxFrameBytes: Int) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
        return channel
    }

    func testFramesFedOneByteAtATimeComeOutWhole() throws {
        let channel = try channel(maxFrameBytes: 100)
        var stream = ByteBuffer()
        for body in ["first", "", "third frame"] {
            stream.writeInteger(Int32(body.utf8.count))
            stream.writeString(body)
        }
        var frames: [String] = []
        while let byte = stream.readSlice(length: 1) {
            try channel.writeInbound(byte)
            while let frame = try channel.readInbound(as: ByteBuffer.self) { frames.append(String(buffer: frame)) }
        }
        XCTAssertEqual(frames, ["first", "", "third frame"])
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testOversizeAndNegativeSizesAreRefusedWithTheBrokersMessage() throws {
        for size in [Int32(101), Int32(-1)] {
            let channel = try channel(maxFrameBytes: 100)
            var prefix = ByteBuffer()
            prefix.writeInteger(size)
            XCTAssertThrowsError(try channel.writeInbound(prefix)) { error in
                let refused = error as? FrameSizeError
                XCTAssertEqual(refused?.size, Int(size), "\(error)")
                XCTAssertEqual(refused?.description, "request frame of \(size) bytes; socket.request.max.bytes is 100")
            }
            _ = try? channel.finish()
        }
    }
}
