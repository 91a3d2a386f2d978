/// What the autopilot asks its caller to do after an observation. The caller performs it
/// (`ProducerPool.resize(to:)`, `createPartitions`, a gauge) and the autopilot never waits for it.
public enum ControlAction: Sendable, Equatable {
    /// Run `count` producers from now on; `reason` says why, in words for the decision log.
    case setProducers(count: Int, reason: String)
    /// Grow `topic` to `partitions` partitions. Reserved for the partition-growth rules (IPOOA);
    /// the producer autopilot does not emit it yet.
    case growPartitions(topic: String, partitions: Int, reason: String)
    /// Publish the forecast (metrics, KEDA's `/scale`, the dashboard).
    case publishForecast(ForecastPublication)
}

/// A forecast as the metrics and the scaler read it.
public struct ForecastPublication: Sendable, Equatable, Codable {
    /// The interval (counted from the autopilot's first observation, 0-based) the forecast is for.
    public var interval: Int
    /// Point forecast of that interval's volume, in records.
    public var forecast: Double
    /// Upper forecast at `quantile`, in records: what the producer count was sized for.
    public var upper: Double
    /// The quantile level of `upper` (from 1 − the under-provisioning target, as the feedback moved it).
    public var quantile: Double
    /// The producer count decided for the intervals ahead.
    public var desiredProducers: Int

    /// Creates a publication.
    public init(interval: Int, forecast: Double, upper: Double, quantile: Double, desiredProducers: Int) {
        self.interval = interval
        self.forecast = forecast
        self.upper = upper
        self.quantile = quantile
        self.desiredProducers = desiredProducers
    }
}
