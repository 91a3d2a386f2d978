import KafkaProtocol
import NIOCore
import XCTest

/// Every message at every version: a seeded random value survives write then read, and a body cut anywhere
/// throws `.truncated`.
final class MessagesRoundTripTests: XCTestCase {
    func testEveryMessageHasAnApiKeyAndRangeThatAgree() {
        XCTAssertEqual(allSampleableMessages.count, ApiKey.allCases.count * 2)
        for key in ApiKey.allCases {
            XCTAssertEqual(key.requestType.apiKey, key)
            XCTAssertEqual(key.responseType.apiKey, key)
            XCTAssertEqual(key.requestType.versions, key.responseType.versions, "\(key)")
            XCTAssertEqual(key.requestType.flexibleVersions?.lowerBound, key.responseType.flexibleVersions?.lowerBound, "\(key)")
            XCTAssertEqual(key.versions.lowerBound, 0)
        }
    }

    func testRoundTripAtEveryVersion() throws {
        for type in allSampleableMessages {
            try roundTrip(type)
        }
    }

    func testBodyCutShortThrowsTruncated() throws {
        for type in allSampleableMessages {
            try cutShort(type)
        }
    }

    func testUnsupportedVersionThrows() {
        for type in allSampleableMessages {
            for version in [type.versions.upperBound + 1, -1] {
                var buffer = ByteBuffer(bytes: [UInt8](repeating: 0, count: 64))
                XCTAssertThrowsError(try type.init(from: &buffer, version: version)) { error in
                    XCTAssertTrue((error as? KafkaProtocolError)?.isUnsupportedVersion == true, "\(type) v\(version)")
                }
            }
        }
    }

    private func roundTrip<M: SampleableMessage>(_ type: M.Type) throws {
        for version in M.versions {
            var rng = SampleRNG(seed: UInt64(M.apiKey.rawValue) << 32 | UInt64(version))
            for _ in 0..<6 {
                let value = M.sample(version: version, rng: &rng)
                var buffer = ByteBuffer()
                value.write(into: &buffer, version: version)
                let encoded = buffer
                let decoded = try M(from: &buffer, version: version)
                XCTAssertEqual(buffer.readableBytes, 0, "\(M.self) v\(version) left bytes unread")
                XCTAssertEqual(decoded, value, "\(M.self) v\(version)")
                var again = ByteBuffer()
                decoded.write(into: &again, version: version)
                XCTAssertEqual(again, encoded, "\(M.self) v\(version) re-encoding differs")
            }
        }
    }

    private func cutShort<M: SampleableMessage>(_ type: M.Type) throws {
        for version in [M.versions.lowerBound, M.versions.upperBound] {
            var rng = SampleRNG(seed: 7 &* UInt64(M.apiKey.rawValue) &+ UInt64(version))
            let value = M.sample(version: version, rng: &rng)
            var whole = ByteBuffer()
            value.write(into: &whole, version: version)
            for length in 0..<whole.readableBytes {
                var cut = whole.getSlice(at: whole.readerIndex, length: length)!
                XCTAssertThrowsError(try M(from: &cut, version: version), "\(M.self) v\(version) cut at \(length)") {
                    XCTAssertTrue(($0 as? KafkaProtocolError)?.isTruncated == true, "\(M.self) v\(version): \($0)")
                }
            }
        }
    }
}
