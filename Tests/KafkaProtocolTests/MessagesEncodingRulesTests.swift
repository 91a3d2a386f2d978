import KafkaProtocol
import NIOCore
import XCTest

/// Encoding rules that clients depend on, checked byte by byte.
final class MessagesEncodingRulesTests: XCTestCase {
    func testApiVersionsV3LeavesDefaultTaggedFieldsOut() {
        // librdkafka 2.0.2 cannot parse an ApiVersions v3 reply that carries default-valued tagged fields.
        let response = ApiVersionsResponse(
            errorCode: 0, apiKeys: [.init(apiKey: 18, minVersion: 0, maxVersion: 3)], throttleTimeMs: 0)
        var buffer = ByteBuffer()
        response.write(into: &buffer, version: 3)
        XCTAssertEqual(Array(buffer.readableBytesView), [0, 0, 2, 0, 18, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0])
        var withFeature = response
        withFeature.finalizedFeaturesEpoch = 5
        buffer.clear()
        withFeature.write(into: &buffer, version: 3)
        // throttle time, then one tagged field: tag 1, 8 bytes, the epoch.
        XCTAssertEqual(Array(buffer.readableBytesView.suffix(15)), [0, 0, 0, 0, 1, 1, 8, 0, 0, 0, 0, 0, 0, 0, 5])
        XCTAssertEqual(try ApiVersionsResponse(from: &buffer, version: 3).finalizedFeaturesEpoch, 5)
    }

    func testNullWhereTheVersionHasNoNullIsWrittenEmpty() throws {
        // Metadata v0 has no null topic array: nil goes out as an empty array (which v0 reads as "all topics").
        let request = MetadataRequest(topics: nil)
        var buffer = ByteBuffer()
        request.write(into: &buffer, version: 0)
        XCTAssertEqual(Array(buffer.readableBytesView), [0, 0, 0, 0])
        buffer.clear()
        request.write(into: &buffer, version: 1)
        XCTAssertEqual(Array(buffer.readableBytesView), [0xFF, 0xFF, 0xFF, 0xFF])
        buffer.clear()
        request.write(into: &buffer, version: 9)
        // compact null, allow auto-create, the two include-operations flags (v8-10), no tags
        XCTAssertEqual(Array(buffer.readableBytesView), [0, 1, 0, 0, 0])
    }

    func testFieldsAbsentAtAVersionAreSkippedAndKeepDefaults() throws {
        let partition = ProduceResponse.PartitionProduceResponse(index: 0, errorCode: 0, baseOffset: 5, logAppendTimeMs: 77)
        let response = ProduceResponse(responses: [.init(name: "t", partitionResponses: [partition])], throttleTimeMs: 9)
        var buffer = ByteBuffer()
        response.write(into: &buffer, version: 0)
        // v0: topic array, name, partition array, index, error, base offset: no throttle, no log append time.
        XCTAssertEqual(buffer.readableBytes, 4 + 3 + 4 + 4 + 2 + 8)
        let decoded = try ProduceResponse(from: &buffer, version: 0)
        XCTAssertEqual(decoded.throttleTimeMs, 0)
        XCTAssertEqual(decoded.responses[0].partitionResponses[0].logAppendTimeMs, -1)
        XCTAssertEqual(decoded.responses[0].partitionResponses[0].baseOffset, 5)
    }

    func testUnknownTaggedFieldsSurviveAndKnownOnesDecode() throws {
        var partition = FetchResponse.PartitionData(partitionIndex: 3, records: ByteBuffer(bytes: [1, 2]))
        partition.currentLeader = .init(leaderId: 4, leaderEpoch: 9)
        partition.taggedFields = TaggedFields([40: ByteBuffer(bytes: [0xAB])])
        let response = FetchResponse(responses: [.init(topic: "x", partitions: [partition])])
        var buffer = ByteBuffer()
        response.write(into: &buffer, version: 12)
        let decoded = try FetchResponse(from: &buffer, version: 12)
        XCTAssertEqual(decoded.responses[0].partitions[0].currentLeader.leaderId, 4)
        XCTAssertEqual(decoded.responses[0].partitions[0].taggedFields, TaggedFields([40: ByteBuffer(bytes: [0xAB])]))
        XCTAssertEqual(decoded, response)
    }
}
