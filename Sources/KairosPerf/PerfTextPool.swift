import NIOCore

/// 8 MiB of seeded log-like text (words from a small vocabulary, chosen with a skew), the same bytes
/// bench/rdkafka-loadgen makes for seed 42, so both clients send values that compress alike. Record values are
/// slices of it at scattered offsets: no two neighbouring records are equal, none is copied.
struct PerfTextPool {
    static let poolBytes = 8 << 20
    private let pool: ByteBuffer

    init(seed: UInt64) {
        var x = seed
        func next() -> UInt64 {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            return x
        }
        var words: [[UInt8]] = []
        for _ in 0..<512 {
            let length = 2 + Int(next() % 9)
            var word: [UInt8] = []
            for _ in 0..<length {
                let r = next()
                word.append(r % 7 == 0 ? UInt8(48 + (r >> 8) % 10) : UInt8(97 + (r >> 8) % 26))
            }
            words.append(word)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.poolBytes)
        while bytes.count < Self.poolBytes {
            let r = next()
            let index = Int((((r & 0xffff) * ((r >> 16) & 0xffff)) >> 23) % 512)
            for c in words[index] where bytes.count < Self.poolBytes { bytes.append(c) }
            if bytes.count < Self.poolBytes { bytes.append((r >> 40) % 11 == 0 ? 44 : 32) }
        }
        pool = ByteBuffer(bytes: bytes)
    }

    /// Record `sequence`'s value: `bytes` bytes from a repeatable, scattered offset.
    func slice(sequence: Int, bytes: Int) -> ByteBuffer {
        let h = UInt64(truncatingIfNeeded: sequence) &* 0x9E37_79B9_7F4A_7C15
        let offset = Int((h >> 20) % UInt64(Self.poolBytes - bytes))
        return pool.getSlice(at: offset, length: bytes)!
    }
}
