import Foundation
import NIOCore
import XCTest

@testable import KafkaProtocol

/// A small seeded generator (SplitMix64) so that random tests replay exactly.
struct RecordsSeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum RecordsTestSupport {
    static let allocator = ByteBufferAllocator()

    static func buffer(hex: String) -> ByteBuffer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for c in hex.utf8 {
            let nibble: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c - UInt8(ascii: "a") + 10
            default: preconditionFailure("bad hex digit")
            }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return ByteBuffer(bytes: bytes)
    }

    static func hex(_ buffer: ByteBuffer?) -> String? {
        guard let buffer else { return nil }
        return buffer.readableBytesView.map { String(format: "%02x", $0) }.joined()
    }

    static func buffer(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

    static func randomBytes(_ count: Int, seed: UInt64) -> ByteBuffer {
        var generator = RecordsSeededGenerator(seed: seed)
        var buffer = allocator.buffer(capacity: count)
        var left = count
        while left >= 8 {
            buffer.writeInteger(generator.next())
            left -= 8
        }
        for _ in 0..<left { buffer.writeInteger(UInt8(truncatingIfNeeded: generator.next())) }
        return buffer
    }

    static func repetitiveBytes(_ count: Int) -> ByteBuffer {
        let line = Array("the same kairos line, again and again; ".utf8)
        var buffer = allocator.buffer(capacity: count)
        while buffer.readableBytes < count {
            buffer.writeBytes(line.prefix(count - buffer.readableBytes))
        }
        return buffer
    }

    /// The fixture JSON that scripts/gen-record-fixtures wrote from kafka-python's encoders.
    nonisolated(unsafe) static let fixtures: [String: Any] = {
        let data = RecordFixtures.json.data(using: .utf8)!
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func fixtureList(_ key: String) -> [[String: Any]] { fixtures[key] as! [[String: Any]] }

    static func int64(_ value: Any?) -> Int64 { (value as! NSNumber).int64Value }
    static func optionalInt64(_ value: Any?) -> Int64? {
        guard let value, !(value is NSNull) else { return nil }
        return (value as! NSNumber).int64Value
    }
    static func optionalString(_ value: Any?) -> String? {
        guard let value, !(value is NSNull) else { return nil }
        return (value as! String)
    }

    /// Every v2 fixture batch decoded the way the client would.
    static func decodedV2(_ fixture: [String: Any]) throws -> RecordBatch {
        var input = buffer(hex: fixture["hex"] as! String)
        return try RecordBatch.decode(from: &input, maxDecompressedBytes: 16 << 20)
    }
}
