import KairosConfig
/// The knobs of IPOOA (improved partition overload optimisation), with the ranges the method
/// was evaluated in: λ in (0.35, 0.65) weighing subscriptions against connections, the overload
/// threshold Θ in [0.5, 0.65], the Minkowski exponent p (1 or 2) and the weights θ of the load
/// vector's dimensions. `init` rejects a value outside its range with the property's name.
public struct IPOOAParameters: Sendable, Equatable, Codable {
    /// What happens to records that carry a key.
    public enum KeyedPolicy: String, Sendable, Codable, CaseIterable {
        /// Keyed records stay on their murmur2 partition, keeping Kafka's per-key order.
        case strict
        /// Keyed records are diverted like keyless ones (the method as published): per-key order is lost.
        case divert
    }

    /// λ1, the weight of subscriptions in the instant service consumption (`ipooa.lambda`); λ2 = 1 − λ1.
    public var lambda: Double
    /// Θ, the instant service consumption above which a partition counts as overloaded (`ipooa.threshold`).
    public var threshold: Double
    /// The Minkowski exponent p, 1 or 2 (`ipooa.minkowski.p`).
    public var minkowskiP: Int
    /// θ, the weights of the load vector's dimensions (`ipooa.weights`), summing to 1.
    public var weights: [Double]
    /// The most partitions growth may reach (`ipooa.max.partitions`).
    public var maxPartitions: Int
    /// Milliseconds after a growth during which no other growth of the topic starts (`ipooa.grow.cooldown.ms`).
    public var growCooldownMs: Int64
    /// Whether keyed records may be diverted (`ipooa.keyed`).
    public var keyed: KeyedPolicy

    /// The defaults: λ 0.5, Θ 0.6, p 2, equal weights, at most 64 partitions, 30 s cooldown, strict keys.
    public static let defaults = IPOOAParameters(uncheckedLambda: 0.5)

    private init(uncheckedLambda: Double) {
        lambda = uncheckedLambda
        threshold = 0.6
        minkowskiP = 2
        weights = Array(repeating: 1.0 / Double(PartitionLoadVector.dimensions), count: PartitionLoadVector.dimensions)
        maxPartitions = 64
        growCooldownMs = 30_000
        keyed = .strict
    }

    /// Parameters checked against their ranges; weights are normalised to sum 1.
    public init(lambda: Double = 0.5, threshold: Double = 0.6, minkowskiP: Int = 2, weights: [Double]? = nil,
                maxPartitions: Int = 64, growCooldownMs: Int64 = 30_000, keyed: KeyedPolicy = .strict) throws {
        guard lambda.isFinite, lambda > 0.35, lambda < 0.65 else {
            throw ConfigError(key: "ipooa.lambda", reason: "\(lambda) is outside (0.35, 0.65)")
        }
        guard threshold.isFinite, threshold >= 0.5, threshold <= 0.65 else {
            throw ConfigError(key: "ipooa.threshold", reason: "\(threshold) is outside [0.5, 0.65]")
        }
        guard minkowskiP == 1 || minkowskiP == 2 else {
            throw ConfigError(key: "ipooa.minkowski.p", reason: "\(minkowskiP) is neither 1 nor 2")
        }
        let theta = weights ?? IPOOAParameters.defaults.weights
        guard theta.count == PartitionLoadVector.dimensions else {
            throw ConfigError(key: "ipooa.weights",
                                      reason: "needs \(PartitionLoadVector.dimensions) weights (subscriptions, connections, records/s, bytes/s, lag), got \(theta.count)")
        }
        guard theta.allSatisfy({ $0.isFinite && $0 >= 0 }), theta.reduce(0, +) > 0 else {
            throw ConfigError(key: "ipooa.weights", reason: "weights must be >= 0 with a positive sum")
        }
        guard maxPartitions >= 1 else {
            throw ConfigError(key: "ipooa.max.partitions", reason: "\(maxPartitions) must be >= 1")
        }
        guard growCooldownMs >= 0 else {
            throw ConfigError(key: "ipooa.grow.cooldown.ms", reason: "\(growCooldownMs) must be >= 0")
        }
        let sum = theta.reduce(0, +)
        self.lambda = lambda
        self.threshold = threshold
        self.minkowskiP = minkowskiP
        self.weights = theta.map { $0 / sum }
        self.maxPartitions = maxPartitions
        self.growCooldownMs = growCooldownMs
        self.keyed = keyed
    }
}
