/// The quota keys Kairos enforces, with Kafka's names: two byte rates and a share of request-handling time.
public enum ClientQuotaKind: String, CaseIterable, Hashable, Sendable {
    /// Bytes per second a client may produce (whole request sizes, as Kafka counts them).
    case producerByteRate = "producer_byte_rate"
    /// Bytes per second of fetch responses a client may receive.
    case consumerByteRate = "consumer_byte_rate"
    /// Percent of one request-handling thread's time per quota window a client may use (may exceed 100).
    case requestPercentage = "request_percentage"

    /// Kafka's key (`producer_byte_rate`, ...).
    public var key: String { rawValue }

    /// Why `value` cannot be this quota, or nil when it can. The byte rates are whole numbers (Kafka types them
    /// as longs) of at least 1, since a rate of 0 could never be met; the percentage is a positive number.
    public func problem(with value: Double) -> String? {
        guard value.isFinite else { return "\(key) must be a finite number, got \(value)" }
        switch self {
        case .producerByteRate, .consumerByteRate:
            if value < 0 { return "\(key) must not be negative, got \(value)" }
            if value.rounded() != value { return "\(key) must be a whole number of bytes per second, got \(value)" }
            if value < 1 || value > Double(Int64.max) { return "\(key) must be between 1 and \(Int64.max), got \(value)" }
        case .requestPercentage:
            if value <= 0 { return "\(key) must be positive, got \(value)" }
        }
        return nil
    }
}
