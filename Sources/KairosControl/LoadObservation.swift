/// What the autopilot learns at the end of one interval: the records each source sent in the
/// interval that just ended, plus whatever the edges measured on the way.
///
/// A source is the paper's "user" (the `X-Kairos-Source` header at the gateway, else the topic).
/// The paper forecasts `sum_t`, the sum over users (eq 2, eq 27); so does the autopilot.
public struct LoadObservation: Sendable, Equatable, Codable {
    /// Records per source in the interval just ended (each at least 0).
    public var volumes: [String: Double]
    /// Send rates, in records per second, of members that were saturated during the interval
    /// (their buffer never ran empty, so the rate is what one producer can do). Empty if none were.
    public var saturatedSendRates: [Double]
    /// How long the last producer that was started took to become ready, in milliseconds, if one
    /// was started since the previous observation.
    public var producerStartupMs: Double?

    /// An observation; `volumes` maps each source to its record count in the interval.
    public init(volumes: [String: Double], saturatedSendRates: [Double] = [], producerStartupMs: Double? = nil) {
        self.volumes = volumes
        self.saturatedSendRates = saturatedSendRates
        self.producerStartupMs = producerStartupMs
    }

    /// An observation of a single, unnamed source.
    public init(total: Double, saturatedSendRates: [Double] = [], producerStartupMs: Double? = nil) {
        self.init(volumes: ["total": total], saturatedSendRates: saturatedSendRates, producerStartupMs: producerStartupMs)
    }

    /// The interval's volume: the sum over sources (negative and non-finite counts are treated as 0,
    /// since a counter reset at an edge must not poison the forecast).
    public var total: Double {
        volumes.values.reduce(0) { $0 + ($1.isFinite && $1 > 0 ? $1 : 0) }
    }
}
