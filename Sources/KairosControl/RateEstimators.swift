/// What one producer can send, in records per second, measured from members that were saturated
/// (their buffer never ran empty during an interval): the median of the last samples, so one slow
/// interval (a GC pause, a broker hiccup) does not shrink the estimate much.
public struct ProducerCapacityEstimator: Sendable {
    private var samples: RollingWindow<Double>

    /// An estimator over the last `window` samples.
    public init(window: Int) {
        samples = RollingWindow(capacity: window)
    }

    /// Adds saturated send rates (records per second); non-positive or non-finite ones are ignored.
    public mutating func record(_ rates: [Double]) {
        for rate in rates where rate.isFinite && rate > 0 { samples.append(rate) }
    }

    /// The median of the samples held, or nil before the first.
    public var recordsPerSecond: Double? {
        let sorted = samples.values.sorted()
        guard !sorted.isEmpty else { return nil }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// How long a new producer takes to be ready: the largest of the configured value and the last
/// measurements, so the lead time covers a slow start rather than a typical one.
public struct StartupTimeEstimator: Sendable {
    /// The configured start-up time, in milliseconds.
    public let configuredMs: Double
    private var measured: RollingWindow<Double>

    /// An estimator starting from `configuredMs`, keeping the last `window` measurements.
    public init(configuredMs: Double, window: Int = 10) {
        self.configuredMs = configuredMs
        measured = RollingWindow(capacity: window)
    }

    /// Adds one measured start-up time (ignored if negative or not finite).
    public mutating func record(_ milliseconds: Double) {
        if milliseconds.isFinite && milliseconds >= 0 { measured.append(milliseconds) }
    }

    /// The start-up time the lead covers, in milliseconds.
    public var milliseconds: Double {
        max(configuredMs, measured.values.max() ?? 0)
    }

    /// Whole intervals a decision must look past: ceil(start-up / interval), capped at `maximum`.
    public func leadIntervals(intervalMs: Int64, maximum: Int) -> Int {
        let lead = (milliseconds / Double(intervalMs)).rounded(.up)
        return min(max(Int(lead), 0), maximum)
    }
}
