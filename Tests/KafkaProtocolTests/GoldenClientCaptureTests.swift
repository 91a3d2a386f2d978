import Foundation
import KafkaProtocol
import NIOCore
import XCTest

/// The first requests of real clients (kcat = librdkafka 2.0.2, confluent-kafka, kafka-python), captured by
/// scripts/gen-protocol-captures: headers and bodies decode completely and encode back to the same bytes.
final class GoldenClientCaptureTests: XCTestCase {
    private func captures() throws -> [(name: String, bytes: ByteBuffer)] {
        let directory = fixturesDirectory.appendingPathComponent("captures")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".hex") }.sorted()
            .map { ($0, try loadHexFixture(directory.appendingPathComponent($0))) }
    }

    func testEveryCapturedRequestDecodesAndReencodes() throws {
        let all = try captures()
        XCTAssertGreaterThanOrEqual(all.count, 9)
        var clients = Set<String>()
        var decodedCount = 0
        for (name, bytes) in all {
            var buffer = bytes
            let header = try RequestHeader.read(from: &buffer)
            XCTAssertNotNil(header.clientId, name)
            let client = String(name.split(separator: "_")[0])
            guard let key = header.knownApiKey, key.versions.contains(header.apiVersion) else {
                continue  // a probe above our range, checked by testProbeAboveOurRangeStillYieldsTheHeader
            }
            XCTAssertTrue(name.contains("_\(key.name)_v\(header.apiVersion)"), name)
            let body = try decodeBody(key.requestType, &buffer, version: header.apiVersion)
            // librdkafka 2.16 (confluent-kafka) ends its second Metadata v12 request with 3 bytes beyond the
            // schema (kafka-python's decoder ignores them too); a broker must tolerate trailing bytes.
            let trailing = buffer.readableBytes
            if name.hasPrefix("confluent"), key == .metadata {
                XCTAssertLessThanOrEqual(trailing, 3, name)
            } else {
                XCTAssertEqual(trailing, 0, "\(name): bytes left over")
            }
            var again = ByteBuffer()
            header.write(into: &again)
            body.write(into: &again, version: header.apiVersion)
            let consumed = bytes.getSlice(at: bytes.readerIndex, length: bytes.readableBytes - trailing)!
            XCTAssertEqual(hexString(again), hexString(consumed), "\(name): re-encoding differs")
            clients.insert(client)
            decodedCount += 1
        }
        XCTAssertEqual(clients, ["kcat", "confluent", "kafkapython"])
        XCTAssertGreaterThanOrEqual(decodedCount, 8)
    }

    func testKcatApiVersionsV3Fields() throws {
        var buffer = try XCTUnwrap(try captures().first { $0.name.hasPrefix("kcat_0_ApiVersions_v3") }).bytes
        let header = try RequestHeader.read(from: &buffer)
        XCTAssertEqual(header.knownApiKey, .apiVersions)
        XCTAssertEqual(header.apiVersion, 3)
        XCTAssertEqual(header.headerVersion, 2)
        XCTAssertEqual(header.clientId, "capture-kcat")
        let request = try ApiVersionsRequest(from: &buffer, version: 3)
        XCTAssertEqual(request.clientSoftwareName, "librdkafka")
        XCTAssertEqual(request.clientSoftwareVersion, "2.0.2")
    }

    func testKcatMetadataRequests() throws {
        // librdkafka first asks for brokers only (an empty array), then for every topic (a null array).
        var first = try XCTUnwrap(try captures().first { $0.name.hasPrefix("kcat_1_Metadata") }).bytes
        var header = try RequestHeader.read(from: &first)
        XCTAssertEqual(header.knownApiKey, .metadata)
        XCTAssertEqual(try MetadataRequest(from: &first, version: header.apiVersion).topics, [])
        var second = try XCTUnwrap(try captures().first { $0.name.hasPrefix("kcat_2_Metadata") }).bytes
        header = try RequestHeader.read(from: &second)
        let all = try MetadataRequest(from: &second, version: header.apiVersion)
        XCTAssertNil(all.topics)
        XCTAssertTrue(all.allowAutoTopicCreation)
    }

    func testProbeAboveOurRangeStillYieldsTheHeader() throws {
        // kafka-python opens with ApiVersions v4, which we do not speak: the header must still give the
        // correlation id so the broker can answer UNSUPPORTED_VERSION.
        var buffer = try XCTUnwrap(try captures().first { $0.name.hasPrefix("kafkapython_0_ApiVersions_v4") }).bytes
        let header = try RequestHeader.read(from: &buffer)
        XCTAssertEqual(header.knownApiKey, .apiVersions)
        XCTAssertEqual(header.apiVersion, 4)
        XCTAssertEqual(header.headerVersion, 1)
        XCTAssertEqual(header.clientId, "capture-kafka-python")
        XCTAssertThrowsError(try ApiVersionsRequest(from: &buffer, version: 4)) {
            XCTAssertTrue(($0 as? KafkaProtocolError)?.isUnsupportedVersion == true)
        }
    }
}
