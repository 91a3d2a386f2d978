import KafkaProtocol
import NIOCore

/// A generated message type that can make a seeded random value of itself at any version.
protocol SampleableMessage: KafkaMessage, Hashable {
    static func sample(version: Int16, rng: inout SampleRNG) -> Self
}

/// SplitMix64: a tiny seeded generator, so every sample and every hostile input can be replayed.
struct SampleRNG: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Mostly small values (the usual case on the wire), sometimes the extremes.
    private mutating func interesting<T: FixedWidthInteger>(_: T.Type) -> T {
        switch next() % 8 {
        case 0: return T.min
        case 1: return T.max
        case 2, 3: return T(truncatingIfNeeded: Int(next() % 300) - (T.isSigned ? 3 : 0))
        default: return T(truncatingIfNeeded: next())
        }
    }

    mutating func int8() -> Int8 { interesting(Int8.self) }
    mutating func int16() -> Int16 { interesting(Int16.self) }
    mutating func int32() -> Int32 { interesting(Int32.self) }
    mutating func int64() -> Int64 { interesting(Int64.self) }
    mutating func uint16() -> UInt16 { interesting(UInt16.self) }
    mutating func bool() -> Bool { next() & 1 == 1 }
    mutating func double() -> Double { [0.5, -1.25, 3e10, 1.0 / 3.0][Int(next() % 4)] }
    mutating func uuid() -> KafkaUUID { KafkaUUID(high: next(), low: next()) }

    /// ASCII and some multi-byte UTF-8, up to 12 characters.
    mutating func string() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-._é€")
        return String((0..<Int(next() % 13)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }

    mutating func bytes() -> ByteBuffer {
        ByteBuffer(bytes: (0..<Int(next() % 24)).map { _ in UInt8(truncatingIfNeeded: next()) })
    }

    /// Zero to three elements.
    mutating func array<T>(_ make: (inout SampleRNG) -> T) -> [T] {
        (0..<Int(next() % 4)).map { _ in make(&self) }
    }

    /// nil one time in four.
    mutating func maybeNil<T>(_ make: (inout SampleRNG) -> T) -> T? {
        next() % 4 == 0 ? nil : make(&self)
    }

    /// Sometimes a tagged field no version of ours knows, which a round trip must carry through untouched.
    mutating func unknownTaggedFields() -> TaggedFields {
        guard next() % 3 == 0 else { return TaggedFields() }
        return TaggedFields([UInt32(100 + next() % 50): bytes()])
    }
}
