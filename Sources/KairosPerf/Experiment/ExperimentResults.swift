/// One strategy's live numbers, as `results.json` holds them.
struct ExperimentStrategyResult: Codable, Sendable, Equatable {
    var strategy: String
    var topic: String
    var partitions: Int
    /// Acked records per second of replayed time (the intervals; the drain after them is not counted).
    var throughput: Double
    var throughputKBps: Double
    var latencyP50Ms: Double
    var latencyP99Ms: Double
    var bufferExhausted: Int
    var recordsOffered: Int
    var recordsAcked: Int
    var recordsConsumed: Int
    /// Acked records that could not be consumed back (must be 0).
    var recordsLost: Int
    var recordsUnsent: Int
    var recordsFailed: Int
    var producerSeconds: Double
    var oracleProducerSeconds: Double
    var underProvisionedIntervals: Int
    var intervals: Int
    var energyJ: Double
    /// W = r·T/(E·k) in kB per joule.
    var efficiency: Double?
    /// Share of intervals with more producers than needed.
    var waste: Double
    /// Largest load with no exhaustion; not measured in this version (null).
    var capacity: Double?
    var resizes: Int
    var seconds: Double
    var firstError: String?
}

/// What `kairos experiment run` writes to `results.json` and prints with `--json`.
struct ExperimentResults: Codable, Sendable, Equatable {
    /// `paper` or `trace:FILE[:column]`.
    var workload: String
    var intervalMs: Int64
    var intervals: Int
    /// The load (records per interval) the workload's peak was mapped to.
    var peakLoad: Double
    /// One producer's capacity: records per interval and per second.
    var capacityRecordsPerInterval: Double
    var capacityRecordsPerSec: Double
    /// `broker quota producer_byte_rate=N per client.id` or `driver token bucket` (the broker had no quotas).
    var capacityEnforcement: String
    var recordSizeBytes: Int
    var embeddedBroker: Bool
    var quick: Bool
    var strategies: [ExperimentStrategyResult]
    /// What this version leaves out, said in the results themselves.
    var notes: [String]
}
