import KairosForecast

/// The four strategies the paper compares (§2.3), in the paper's order of presentation.
public enum StrategyKey: String, Sendable, CaseIterable, Codable, Comparable {
    /// Kafka's original algorithm: one producer, 20 partitions.
    case original
    /// Improved partition overload optimisation (IPOOA): one producer, 25 partitions.
    case ipooa
    /// Sampling-based adaptive tuning: three producers, always.
    case sampling
    /// The paper's method: k from the LSTM's forecast through the thresholds of eq 28.
    case lstm

    /// The name a reader of the paper knows the strategy by.
    public var displayName: String {
        switch self {
        case .original: return "Kafka original"
        case .ipooa: return "IPOOA (P=25)"
        case .sampling: return "Sampling (k=3)"
        case .lstm: return "LSTM (paper)"
        }
    }

    /// Orders strategies as `allCases` lists them.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// How a strategy chooses its number of active producers.
public enum ProducerRule: Sendable, Equatable {
    /// Always `k` producers.
    case fixed(Int)
    /// Eq 28 through the one implementation of it, `ProducerPolicy` (KairosForecast), which the
    /// forecast backtests and the autopilot use as well: k = 1 + the thresholds at or below the load.
    case thresholds(ProducerPolicy)

    /// The producers this rule runs for a (predicted or actual) load of `loadTx` transactions.
    public func producers(forLoad loadTx: Double) -> Int {
        switch self {
        case .fixed(let k):
            return k
        case .thresholds(let policy):
            return policy.producers(for: loadTx)
        }
    }
}

/// One stretch of the load axis over which a strategy runs a fixed number of producers.
public struct Regime: Sendable, Equatable {
    /// Lower end of the load interval, in tx (inclusive).
    public var loTx: Double
    /// Upper end of the load interval, in tx (exclusive, except for the last regime, which ends at `nMax`).
    public var hiTx: Double
    /// Producers run over this interval.
    public var producers: Int
}

/// A strategy of the comparison: its partitions and its producer rule.
public struct PaperStrategy: Sendable, Equatable {
    /// Which of the four strategies this is.
    public var key: StrategyKey
    /// Partitions `P`, fixed for the whole evaluation.
    public var partitions: Int
    /// How `k` follows the load.
    public var rule: ProducerRule

    /// Creates a strategy.
    public init(key: StrategyKey, partitions: Int, rule: ProducerRule) {
        precondition(partitions >= 1, "a strategy needs at least one partition")
        self.key = key
        self.partitions = partitions
        self.rule = rule
    }

    /// The strategy `key` as the paper configures it under `parameters` (docs/paper-model.md §3). The parameters
    /// must have passed `validate()` (as `PaperModel` does): unordered thresholds are a caller bug here.
    public static func paper(_ key: StrategyKey, _ parameters: PaperParameters) -> PaperStrategy {
        switch key {
        case .original: return PaperStrategy(key: key, partitions: parameters.basePartitions, rule: .fixed(1))
        case .ipooa: return PaperStrategy(key: key, partitions: parameters.ipooaPartitions, rule: .fixed(1))
        case .sampling:
            return PaperStrategy(key: key, partitions: parameters.basePartitions,
                                 rule: .fixed(parameters.samplingProducers))
        case .lstm:
            return PaperStrategy(key: key, partitions: parameters.basePartitions,
                                 rule: .thresholds(ProducerPolicy(thresholds: parameters.thresholdsTx)))
        }
    }

    /// All four strategies in the paper's configuration.
    public static func all(_ parameters: PaperParameters) -> [PaperStrategy] {
        StrategyKey.allCases.map { paper($0, parameters) }
    }

    /// The stretches of [0, `loadMaxTx`] with constant k; empty stretches (thresholds past the axis) are dropped.
    public func regimes(loadMaxTx: Int) -> [Regime] {
        let top = Double(loadMaxTx)
        switch rule {
        case .fixed(let k):
            return [Regime(loTx: 0, hiTx: top, producers: k)]
        case .thresholds(let policy):
            let edges = [0] + policy.thresholds.filter { $0 > 0 && $0 < top } + [top]
            return zip(edges, edges.dropFirst()).map { lo, hi in
                Regime(loTx: lo, hiTx: hi, producers: rule.producers(forLoad: lo))
            }
        }
    }
}
