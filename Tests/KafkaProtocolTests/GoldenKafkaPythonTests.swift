import Foundation
import KafkaProtocol
import NIOCore
import XCTest

/// Bodies encoded by kafka-python's own codec (scripts/gen-protocol-fixtures): we decode each one to the values
/// recorded with it, consume every byte, and encode it back to the same bytes.
final class GoldenKafkaPythonTests: XCTestCase {
    private struct ValuesFile: Decodable {
        var generator: String
        var values: [String: JSONValue]
    }

    func testDecodeAndReencodeEveryFixture() throws {
        let directory = fixturesDirectory.appendingPathComponent("golden")
        let data = try Data(contentsOf: directory.appendingPathComponent("values.json"))
        let values = try JSONDecoder().decode(ValuesFile.self, from: data).values
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".hex") }.sorted()
        XCTAssertGreaterThan(names.count, 250, "fixtures missing")
        var apisSeen = Set<ApiKey>()
        for name in names {
            let stem = String(name.dropLast(4))
            let parts = stem.split(separator: "_")
            guard parts.count == 3, let version = Int16(parts[1].dropFirst()),
                  let key = ApiKey.allCases.first(where: { $0.name == parts[0] })
            else {
                XCTFail("unexpected fixture name \(name)")
                continue
            }
            apisSeen.insert(key)
            let type: any KafkaMessage.Type = parts[2] == "request" ? key.requestType : key.responseType
            let bytes = try loadHexFixture(directory.appendingPathComponent(name))
            var buffer = bytes
            let message: any KafkaMessage
            do {
                message = try decodeBody(type, &buffer, version: version)
            } catch {
                XCTFail("\(stem): \(error)")
                continue
            }
            XCTAssertEqual(buffer.readableBytes, 0, "\(stem): bytes left over")
            guard let expected = values[stem] else {
                XCTFail("\(stem): no values recorded")
                continue
            }
            assertMatches(message, expected, path: stem)
            var again = ByteBuffer()
            message.write(into: &again, version: version)
            XCTAssertEqual(hexString(again), hexString(bytes), "\(stem): re-encoding differs")
        }
        // Kairos's own load API is not Kafka's: kafka-python cannot encode it (the round-trip samples cover it).
        let kafkaApis = ApiKey.allCases.filter { $0 != .kairosPartitionLoad }
        XCTAssertEqual(apisSeen.count, kafkaApis.count, "every Kafka API has kafka-python fixtures")
    }
}
