/// A (producers, partitions) pair: the key of the calibrated throughput table.
public struct ProducerPartitionKey: Hashable, Sendable, Comparable {
    /// Active producers `k`.
    public var producers: Int
    /// Partitions `P`.
    public var partitions: Int

    /// Creates a key for `producers` active producers over `partitions` partitions.
    public init(producers: Int, partitions: Int) {
        self.producers = producers
        self.partitions = partitions
    }

    /// Orders by partitions, then producers, so printed tables read naturally.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.partitions, lhs.producers) < (rhs.partitions, rhs.producers)
    }
}

/// How the throughput while up, `T(k, P)` in kB/s, is computed (docs/paper-model.md §2.2).
public enum ThroughputMode: Sendable, Equatable {
    /// Eq 8 with eq 7 substituted: `T = P·Vmax·k / c`.
    case formula
    /// The paper's reported averages; any (k, P) missing from the table falls back to the formula.
    case calibrated([ProducerPartitionKey: Double])

    /// The averages §2.3 reports: T(1,20)=52, T(2,20)=108, T(3,20)=151, T(1,25)=65 kB/s.
    public static let paperTable: [ProducerPartitionKey: Double] = [
        ProducerPartitionKey(producers: 1, partitions: 20): 52,
        ProducerPartitionKey(producers: 2, partitions: 20): 108,
        ProducerPartitionKey(producers: 3, partitions: 20): 151,
        ProducerPartitionKey(producers: 1, partitions: 25): 65,
    ]

    /// A short name for reports: "formula" or "calibrated".
    public var name: String {
        switch self {
        case .formula: return "formula"
        case .calibrated: return "calibrated"
        }
    }
}

/// When a strategy counts as down at a load (docs/paper-model.md §2.3).
public enum CrashRule: String, Sendable, Equatable, CaseIterable {
    /// Up iff `S ≤ k·M + T(k,P)`: the rule §2.3/§2.4 use (capacities 52 and 60).
    case bufferPlusThroughput = "buffer-plus-throughput"
    /// Eq 8 read literally: up iff `S ≤ k·M`. Only the Fig 10/11 sweep fits it.
    case bufferOnly = "buffer-only"
}
