/// Kafka's 16-byte UUID (topic ids); all zeros means "none".
public struct KafkaUUID: Hashable, Sendable, CustomStringConvertible {
    /// The most significant 8 bytes.
    public var high: UInt64
    /// The least significant 8 bytes.
    public var low: UInt64

    /// Makes a UUID from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The all-zero UUID Kafka uses for "no id".
    public static let zero = KafkaUUID(high: 0, low: 0)

    public var description: String {
        let hex = String(high, radix: 16).leftPadded(to: 16) + String(low, radix: 16).leftPadded(to: 16)
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-"
            + String(c[20..<32])
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
