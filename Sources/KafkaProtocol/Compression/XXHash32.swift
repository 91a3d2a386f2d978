/// xxHash32, the checksum of LZ4 frame descriptors. Needed on its own (liblz4 keeps its copy private)
/// to repair the descriptor checksum that Kafka's magic-0 LZ4 writers computed over the wrong bytes.
enum XXHash32 {
    private static let prime1: UInt32 = 2_654_435_761
    private static let prime2: UInt32 = 2_246_822_519
    private static let prime3: UInt32 = 3_266_489_917
    private static let prime4: UInt32 = 668_265_263
    private static let prime5: UInt32 = 374_761_393

    @inline(__always) private static func rotl(_ x: UInt32, _ r: UInt32) -> UInt32 { (x << r) | (x >> (32 - r)) }

    @inline(__always) private static func round(_ acc: UInt32, _ lane: UInt32) -> UInt32 {
        rotl(acc &+ lane &* prime2, 13) &* prime1
    }

    @inline(__always) private static func lane(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    /// The 32-bit xxHash of `bytes` with `seed`.
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        let count = bytes.count
        var position = 0
        var h: UInt32
        if count >= 16 {
            var v1 = seed &+ prime1 &+ prime2
            var v2 = seed &+ prime2
            var v3 = seed
            var v4 = seed &- prime1
            while position + 16 <= count {
                v1 = round(v1, lane(bytes, position))
                v2 = round(v2, lane(bytes, position + 4))
                v3 = round(v3, lane(bytes, position + 8))
                v4 = round(v4, lane(bytes, position + 12))
                position += 16
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
        } else {
            h = seed &+ prime5
        }
        h = h &+ UInt32(truncatingIfNeeded: count)
        while position + 4 <= count {
            h = rotl(h &+ lane(bytes, position) &* prime3, 17) &* prime4
            position += 4
        }
        while position < count {
            h = rotl(h &+ UInt32(bytes[position]) &* prime5, 11) &* prime1
            position += 1
        }
        h ^= h >> 15
        h = h &* prime2
        h ^= h >> 13
        h = h &* prime3
        h ^= h >> 16
        return h
    }

    /// The 32-bit xxHash of a byte array.
    static func hash(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }
}
