import Foundation
import KafkaProtocol
import NIOCore
import XCTest

/// Hostile input never traps: random bytes and mutated valid encodings either decode or throw.
final class MessagesHostileInputTests: XCTestCase {
    private func decodeAnything(_ bytes: ByteBuffer, _ type: any KafkaMessage.Type, version: Int16) {
        var buffer = bytes
        _ = try? decodeBody(type, &buffer, version: version)
        var header = bytes
        _ = try? RequestHeader.read(from: &header)
        var frame = bytes
        _ = try? Framing.readFrame(from: &frame, maxBytes: 1 << 16)
    }

    func testRandomBytes() {
        var rng = SampleRNG(seed: 2024)
        for _ in 0..<3000 {
            let type = allSampleableMessages[Int(rng.next() % UInt64(allSampleableMessages.count))]
            let version = Int16(rng.next() % UInt64(type.versions.upperBound + 1))
            let bytes = ByteBuffer(bytes: (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            decodeAnything(bytes, type, version: version)
        }
    }

    func testMutatedValidEncodings() throws {
        var rng = SampleRNG(seed: 77)
        var mutations = 0
        for type in allSampleableMessages {
            for version in type.versions {
                let whole = encodedSample(type, version: version, rng: &rng)
                guard whole.readableBytes > 0 else { continue }
                for _ in 0..<8 {
                    var bytes = Array(whole.readableBytesView)
                    for _ in 0..<1 + Int(rng.next() % 3) {
                        let i = Int(rng.next() % UInt64(bytes.count))
                        switch rng.next() % 3 {
                        case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                        case 1: bytes[i] = 0xFF
                        default: bytes[i] ^= 0x80
                        }
                    }
                    decodeAnything(ByteBuffer(bytes: bytes), type, version: version)
                    mutations += 1
                }
            }
        }
        XCTAssertGreaterThan(mutations, 2000)
    }

    func testMutatedGoldenFixtures() throws {
        let directory = fixturesDirectory.appendingPathComponent("golden")
        var rng = SampleRNG(seed: 5)
        var fixtures = 0, mutations = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".hex") {
            let parts = name.dropLast(4).split(separator: "_")
            guard let key = ApiKey.allCases.first(where: { $0.name == parts[0] }),
                  let version = Int16(parts[1].dropFirst()) else { continue }
            let type: any KafkaMessage.Type = parts[2] == "request" ? key.requestType : key.responseType
            let bytes = Array(try loadHexFixture(directory.appendingPathComponent(name)).readableBytesView)
            guard !bytes.isEmpty else { continue }
            fixtures += 1
            for _ in 0..<4 {
                var mutated = bytes
                // XOR with a non-zero byte, so the decoder always sees an encoding that differs from the fixture.
                mutated[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: rng.next() % 255 + 1)
                if mutated != bytes { mutations += 1 }
                decodeAnything(ByteBuffer(bytes: mutated), type, version: version)
            }
        }
        XCTAssertGreaterThan(fixtures, 250, "the golden fixtures were found")
        XCTAssertEqual(mutations, 4 * fixtures, "every round changed a byte of its fixture")
    }

    private func encodedSample<M: SampleableMessage>(_ type: M.Type, version: Int16, rng: inout SampleRNG) -> ByteBuffer {
        var buffer = ByteBuffer()
        M.sample(version: version, rng: &rng).write(into: &buffer, version: version)
        return buffer
    }
}
