import NIOCore
import XCTest

@testable import KafkaProtocol

final class RecordsCRC32CTests: XCTestCase {
    /// Bit-at-a-time CRC-32C, the definition, to check the fast path against.
    private func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    func testKnownVectors() {
        XCTAssertEqual(CRC32C.checksum(ByteBuffer(string: "123456789")), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum(ByteBuffer()), 0)
        XCTAssertEqual(CRC32C.checksum(ByteBuffer(bytes: [UInt8](repeating: 0, count: 32))), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum(ByteBuffer(bytes: [UInt8](repeating: 0xFF, count: 32))), 0x62A8_AB43)
    }

    func testOddOffsetsAndLengthsMatchTheDefinition() {
        let bytes = Array(RecordsTestSupport.randomBytes(300, seed: 7).readableBytesView)
        for start in 0..<9 {
            for length in [0, 1, 3, 7, 8, 15, 16, 17, 63, 64, 65, 200] {
                var buffer = ByteBuffer(bytes: bytes)
                buffer.moveReaderIndex(forwardBy: start)
                let slice = buffer.getSlice(at: buffer.readerIndex, length: length)!
                XCTAssertEqual(CRC32C.checksum(slice), reference(Array(bytes[start..<(start + length)])),
                               "start \(start) length \(length)")
                XCTAssertEqual(CRC32C.checksum(buffer, at: start, length: length), CRC32C.checksum(slice))
            }
        }
    }

    func testSeedExtendsAChecksum() {
        let bytes = Array("hello, kairos world".utf8)
        let whole = bytes.withUnsafeBytes { CRC32C.checksum($0) }
        let first = bytes[0..<5].withUnsafeBytes { CRC32C.checksum($0) }
        let both = bytes[5...].withUnsafeBytes { CRC32C.checksum($0, seed: first) }
        XCTAssertEqual(whole, both)
    }
}
