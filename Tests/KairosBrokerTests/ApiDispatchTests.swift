import KafkaProtocol
import KairosBroker
import NIOCore
import XCTest

/// What the broker answers, by API key and version: the advertised ranges, and what happens to requests outside
/// them (unknown keys, unsupported versions, bodies that do not decode).
final class ApiDispatchTests: XCTestCase {
    /// Every API the broker answers with its version range (minimum always 0), by key.
    private static let advertised: [(key: ApiKey, max: Int16)] = [
        (.produce, 9), (.fetch, 12), (.listOffsets, 9), (.metadata, 12), (.offsetCommit, 8), (.offsetFetch, 8),
        (.findCoordinator, 4), (.joinGroup, 9), (.heartbeat, 4), (.leaveGroup, 5), (.syncGroup, 5),
        (.describeGroups, 5), (.listGroups, 5), (.saslHandshake, 1), (.apiVersions, 3), (.createTopics, 7),
        (.deleteTopics, 6), (.deleteRecords, 2), (.initProducerId, 4), (.addPartitionsToTxn, 3), (.addOffsetsToTxn, 3),
        (.endTxn, 3), (.txnOffsetCommit, 3), (.describeConfigs, 4), (.alterConfigs, 2),
        (.createPartitions, 3), (.deleteGroups, 2), (.saslAuthenticate, 2), (.incrementalAlterConfigs, 1), (.offsetDelete, 0),
        (.describeClientQuotas, 1), (.alterClientQuotas, 1), (.describeCluster, 1), (.describeProducers, 0),
        (.describeTransactions, 0), (.listTransactions, 1), (.kairosPartitionLoad, 0),
    ]

    private func reason(_ reply: BrokerReply) -> String? {
        if case .close(let reason) = reply { return reason }
        return nil
    }

    private func frame(key: Int16, version: Int16, body: [UInt8] = []) -> ByteBuffer {
        var frame = ByteBuffer()
        RequestHeader(apiKey: key, apiVersion: version, correlationId: 7, clientId: "dispatch-test").write(into: &frame)
        frame.writeBytes(body)
        return frame
    }

    func testApiVersionsAdvertisesEveryApiWithItsRange() throws {
        let h = try BrokerHarness()
        for version: Int16 in [0, 3] {
            let response = try h.call(ApiVersionsRequest(clientSoftwareName: "t", clientSoftwareVersion: "1"), version: version)
            XCTAssertEqual(response.errorCode, 0)
            let got = response.apiKeys.sorted { $0.apiKey < $1.apiKey }.map { "\($0.apiKey):\($0.minVersion)-\($0.maxVersion)" }
            let expected = Self.advertised.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue):0-\($0.max)" }
            XCTAssertEqual(got, expected, "v\(version)")
        }
    }

    func testEveryHandlerFileIsRegisteredUnderTheKeyInItsName() throws {
        // Sources/KairosBroker/Handlers/NN_Name.swift, found from this file's path in the repository.
        let repository = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
        let files = try FileManagerLite.listFiles(repository + "/Sources/KairosBroker/Handlers")
        let keys = files.compactMap { name -> Int16? in
            guard let underscore = name.firstIndex(of: "_") else { return nil }
            return Int16(name[..<underscore])
        }
        XCTAssertEqual(keys.count, Self.advertised.count, "handler files: \(files.sorted())")
        let h = try BrokerHarness()
        let advertised = try h.call(ApiVersionsRequest(), version: 3).apiKeys.map(\.apiKey)
        XCTAssertEqual(advertised, advertised.sorted(), "listed by key")
        XCTAssertEqual(Set(advertised).count, advertised.count, "one handler per key")
        XCTAssertEqual(Set(advertised), Set(keys))
    }

    func testAVersionBeyondTheRangeClosesTheConnectionExceptForApiVersions() throws {
        let h = try BrokerHarness()
        for (key, max) in Self.advertised where key != .apiVersions {
            let reply = h.broker.handle(frame: frame(key: key.rawValue, version: max + 1), context: h.context)
            XCTAssertEqual(reason(reply), "unsupported version \(max + 1) of \(key)")
            let negative = h.broker.handle(frame: frame(key: key.rawValue, version: -1), context: h.context)
            XCTAssertEqual(reason(negative), "unsupported version -1 of \(key)")
        }
        // ApiVersions answers a version it does not speak at v0, with UNSUPPORTED_VERSION and the whole list.
        let reply = h.broker.handle(frame: frame(key: ApiKey.apiVersions.rawValue, version: 4), context: h.context)
        let v0 = try h.decode(reply, as: ApiVersionsResponse.self, apiKey: .apiVersions, version: 0)
        XCTAssertEqual(v0.errorCode, ErrorCode.unsupportedVersion.rawValue)
        XCTAssertEqual(v0.apiKeys.count, Self.advertised.count)
    }

    func testAKeyTheBrokerDoesNotAnswerClosesTheConnection() throws {
        let h = try BrokerHarness()
        // 4-7: inter-broker APIs; 45: AlterPartitionReassignments (one broker: nothing to move); then keys Kafka does
        // not define at all.
        for key: Int16 in [4, 5, 6, 7, 45, -1, 999, Int16.max] {
            XCTAssertEqual(reason(h.broker.handle(frame: frame(key: key, version: 0), context: h.context)), "unknown API key \(key)")
        }
    }

    func testABodyThatDoesNotDecodeClosesTheConnectionNamingTheApiAndVersion() throws {
        let h = try BrokerHarness()
        // A Metadata v12 request cut short, and a CreateTopics v0 request whose topic count promises more than comes.
        var truncated = h.frame(MetadataRequest(topics: [.init(name: "abc")], allowAutoTopicCreation: true), version: 12)
        truncated = truncated.getSlice(at: 0, length: truncated.readableBytes - 3)!
        let truncatedReason = reason(h.broker.handle(frame: truncated, context: h.context)) ?? "no close"
        XCTAssertEqual(truncatedReason, "malformed Metadata v12: truncated input")
        let short = frame(key: ApiKey.createTopics.rawValue, version: 0, body: [0, 0, 0, 5])
        let shortReason = reason(h.broker.handle(frame: short, context: h.context)) ?? "no close"
        XCTAssertEqual(shortReason, "malformed CreateTopics v0: truncated input")
        // An unreadable header.
        XCTAssertEqual(reason(h.broker.handle(frame: ByteBuffer(bytes: [0x00, 0x03]), context: h.context))?.hasPrefix("unreadable request header"), true)
        XCTAssertEqual(try h.call(ApiVersionsRequest(), version: 0).errorCode, 0, "the broker still serves")
    }
}
