import KairosControl

/// The `ipooa.*` producer properties, read when `partitioner=ipooa`. Ranges are the ones the method was
/// evaluated in; `parameters()` turns them into the pure choice's parameters.
public struct IPOOAProducerSettings: Sendable, Equatable {
    /// `ipooa.lambda`: weight of subscriptions in the instant service consumption, in (0.35, 0.65). Default 0.5.
    public var lambda: Double = 0.5
    /// `ipooa.threshold`: Θ, the consumption above which a partition is overloaded, in [0.5, 0.65]. Default 0.6.
    public var threshold: Double = 0.6
    /// `ipooa.minkowski.p`: 1 or 2. Default 2.
    public var minkowskiP: Int = 2
    /// `ipooa.weights`: θ for subscriptions, connections, records/s, bytes/s, lag. Default equal.
    public var weights: [Double] = [0.2, 0.2, 0.2, 0.2, 0.2]
    /// `ipooa.max.partitions`: growth never takes a topic beyond this. Default 64.
    public var maxPartitions: Int = 64
    /// `ipooa.grow.cooldown.ms`: at least this long between two growths of a topic. Default 30000.
    public var growCooldownMs: Int = 30_000
    /// `ipooa.load.refresh.ms`: how old the partition load may get before it is read again. Default 1000.
    public var loadRefreshMs: Int = 1_000
    /// `ipooa.keyed`: `strict` keeps keyed records on their murmur2 partition (Kafka's per-key order); `divert`
    /// moves them like keyless ones. Default strict.
    public var keyed: IPOOAParameters.KeyedPolicy = .strict

    /// Settings at their defaults.
    public init() {}

    /// The pure choice's parameters; throws naming the property that is out of range.
    public func parameters() throws -> IPOOAParameters {
        try IPOOAParameters(lambda: lambda, threshold: threshold, minkowskiP: minkowskiP, weights: weights,
                            maxPartitions: maxPartitions, growCooldownMs: Int64(growCooldownMs), keyed: keyed)
    }
}
