import NIOCore

/// The key hashes Kafka clients partition by.
public enum KeyHash: Sendable {
    /// The Java client's murmur2 (seed 0x9747b28c); partition = (hash & 0x7fffffff) % count.
    case murmur2
    /// librdkafka's CRC-32 (IEEE, as zlib); partition = hash % count.
    case crc32

    /// The partition `key` maps to among `partitionCount`.
    public func partition(of key: UnsafeRawBufferPointer, partitionCount: Int) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        switch self {
        case .murmur2:
            return Int32(Int(UInt32(bitPattern: Murmur2.hash(key)) & 0x7fff_ffff) % partitionCount)
        case .crc32:
            return Int32(Int(CRC32.checksum(key)) % partitionCount)
        }
    }
}

/// Kafka's murmur2, exactly as `org.apache.kafka.common.utils.Utils.murmur2` computes it.
public enum Murmur2 {
    /// The signed 32-bit hash of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        let m: UInt32 = 0x5bd1_e995
        let length = bytes.count
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        let blocks = length / 4
        for i in 0..<blocks {
            let base = i * 4
            var k = UInt32(bytes[base]) | UInt32(bytes[base + 1]) << 8 | UInt32(bytes[base + 2]) << 16
                | UInt32(bytes[base + 3]) << 24
            k = k &* m
            k ^= k >> 24
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = blocks * 4
        switch length % 4 {
        case 3:
            h ^= UInt32(bytes[tail + 2]) << 16
            h ^= UInt32(bytes[tail + 1]) << 8
            h ^= UInt32(bytes[tail])
            h = h &* m
        case 2:
            h ^= UInt32(bytes[tail + 1]) << 8
            h ^= UInt32(bytes[tail])
            h = h &* m
        case 1:
            h ^= UInt32(bytes[tail])
            h = h &* m
        default:
            break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The hash of an array of bytes.
    public static func hash(_ bytes: [UInt8]) -> Int32 { bytes.withUnsafeBytes { hash($0) } }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib's `crc32`), table-driven.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        }
        return crc ^ 0xffff_ffff
    }

    /// The checksum of an array of bytes.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }
}
