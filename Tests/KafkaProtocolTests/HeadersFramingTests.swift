import KafkaProtocol
import NIOCore
import XCTest

/// Request and response headers, and the INT32-size framing, fed whole and one byte at a time.
final class HeadersFramingTests: XCTestCase {
    func testRequestHeaderV1AndV2() throws {
        let v1 = RequestHeader(apiKey: .metadata, apiVersion: 8, correlationId: 42, clientId: "app")
        var buffer = ByteBuffer()
        v1.write(into: &buffer)
        XCTAssertEqual(Array(buffer.readableBytesView), [0, 3, 0, 8, 0, 0, 0, 42, 0, 3, 97, 112, 112])
        XCTAssertEqual(try RequestHeader.read(from: &buffer), v1)

        // v2: the client id keeps its INT16 length; a tagged-field section follows.
        var v2 = RequestHeader(apiKey: .metadata, apiVersion: 9, correlationId: 7, clientId: nil)
        v2.taggedFields = TaggedFields([3: ByteBuffer(bytes: [9])])
        buffer.clear()
        v2.write(into: &buffer)
        XCTAssertEqual(Array(buffer.readableBytesView), [0, 3, 0, 9, 0, 0, 0, 7, 0xFF, 0xFF, 1, 3, 1, 9])
        XCTAssertEqual(try RequestHeader.read(from: &buffer), v2)
    }

    func testUnknownKeyOrVersionReadsAsV1() throws {
        for (key, version) in [(Int16(999), Int16(0)), (ApiKey.fetch.rawValue, Int16(13))] {
            var buffer = ByteBuffer()
            buffer.writeInt16(key)
            buffer.writeInt16(version)
            buffer.writeInt32(1234)
            buffer.writeNullableString("c", compact: false)
            buffer.writeBytes([0, 0xAA])  // what could be tagged fields and a body: left unread
            let header = try RequestHeader.read(from: &buffer)
            XCTAssertEqual(header.correlationId, 1234)
            XCTAssertEqual(header.clientId, "c")
            XCTAssertEqual(buffer.readableBytes, 2)
        }
    }

    func testHeaderVersionsPerApi() {
        XCTAssertEqual(ApiKey.produce.requestHeaderVersion(8), 1)
        XCTAssertEqual(ApiKey.produce.requestHeaderVersion(9), 2)
        XCTAssertEqual(ApiKey.produce.responseHeaderVersion(9), 1)
        XCTAssertEqual(ApiKey.apiVersions.requestHeaderVersion(3), 2)
        XCTAssertEqual(ApiKey.apiVersions.responseHeaderVersion(3), 0, "ApiVersions answers always use header v0")
        XCTAssertEqual(ApiKey.describeCluster.requestHeaderVersion(0), 2)
        XCTAssertEqual(ApiKey.saslHandshake.requestHeaderVersion(1), 1)
        XCTAssertNil(ApiKey.offsetDelete.firstFlexibleVersion)
        XCTAssertEqual(ApiKey.fetch.versions, 0...12)
        XCTAssertEqual(ApiKey(rawValue: 60), .describeCluster)
    }

    func testResponseHeader() throws {
        let header = ResponseHeader(correlationId: -5)
        for version: Int16 in [0, 1] {
            var buffer = ByteBuffer()
            header.write(into: &buffer, headerVersion: version)
            XCTAssertEqual(buffer.readableBytes, version == 0 ? 4 : 5)
            XCTAssertEqual(try ResponseHeader.read(from: &buffer, headerVersion: version), header)
        }
    }

    func testFrameFedOneByteAtATime() throws {
        var bodies: [ByteBuffer] = []
        var stream = ByteBuffer()
        for i in 0..<3 {
            var body = ByteBuffer()
            RequestHeader(apiKey: .heartbeat, apiVersion: 0, correlationId: Int32(i), clientId: "x").write(into: &body)
            HeartbeatRequest(groupId: "g\(i)", generationId: 3, memberId: "m").write(into: &body, version: 0)
            bodies.append(body)
            Framing.writeFrame(body, into: &stream)
        }
        var received = ByteBuffer()
        var frames: [ByteBuffer] = []
        for byte in stream.readableBytesView {
            received.writeInteger(byte)
            let readerBefore = received.readerIndex
            if let frame = try Framing.readFrame(from: &received, maxBytes: 1 << 20) {
                frames.append(frame)
            } else {
                XCTAssertEqual(received.readerIndex, readerBefore, "an incomplete frame must not move the reader")
            }
        }
        XCTAssertEqual(frames, bodies)
        XCTAssertEqual(received.readableBytes, 0)
        var first = frames[0]
        _ = try RequestHeader.read(from: &first)
        XCTAssertEqual(try HeartbeatRequest(from: &first, version: 0).groupId, "g0")
    }

    func testFrameLimits() {
        var tooLarge = ByteBuffer()
        tooLarge.writeInt32(1001)
        XCTAssertThrowsError(try Framing.readFrame(from: &tooLarge, maxBytes: 1000)) {
            XCTAssertTrue(($0 as? KafkaProtocolError)?.isFrameTooLarge == true)
        }
        var negative = ByteBuffer()
        negative.writeInt32(-1)
        XCTAssertThrowsError(try Framing.readFrame(from: &negative, maxBytes: 1000))
        var empty = ByteBuffer()
        empty.writeInt32(0)
        XCTAssertEqual(try Framing.readFrame(from: &empty, maxBytes: 1000)?.readableBytes, 0)
    }

    func testWriteFramePatchesSize() throws {
        var buffer = ByteBuffer()
        Framing.writeFrame(into: &buffer) { $0.writeBytes([1, 2, 3]) }
        XCTAssertEqual(Array(buffer.readableBytesView), [0, 0, 0, 3, 1, 2, 3])
    }

    func testErrorCodeTable() {
        XCTAssertEqual(ErrorCode.unknownTopicOrPartition.rawValue, 3)
        XCTAssertEqual(ErrorCode.unknownTopicOrPartition.name, "UNKNOWN_TOPIC_OR_PARTITION")
        XCTAssertTrue(ErrorCode.unknownTopicOrPartition.isRetriable)
        XCTAssertTrue(ErrorCode.notLeaderOrFollower.isRetriable)
        XCTAssertFalse(ErrorCode.topicAuthorizationFailed.isRetriable)
        XCTAssertEqual(ErrorCode.unsupportedVersion.rawValue, 35)
        XCTAssertEqual(ErrorCode.unknownServerError.rawValue, -1)
        XCTAssertEqual(ErrorCode.none.rawValue, 0)
        XCTAssertEqual(ErrorCode(rawValue: 100), .unknownTopicId)
        XCTAssertEqual(ErrorCode(rawValue: 9999).name, "UNKNOWN_CODE_9999")
        let codes = ErrorCode.allKnown.map(\.rawValue)
        XCTAssertEqual(codes, codes.sorted())
        XCTAssertEqual(Set(codes).count, codes.count)
        XCTAssertTrue(Set(codes).isSuperset(of: Array(-1...98) + Array(100...128)), "Kafka never assigned 99")
        XCTAssertFalse(codes.contains(99))
        XCTAssertEqual(Set(ErrorCode.allKnown.map(\.name)).count, codes.count)
    }
}
