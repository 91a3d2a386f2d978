import KairosControl

/// What `kairos autopilot replay --json` prints: one object. `fieldHelp` explains each field for `--help`.
struct AutopilotReplaySummary: Codable, Sendable {
    /// `autopilot` or `fixed:K`.
    var strategy: String
    var trace: String
    var intervalMs: Int64
    var warmupIntervals: Int
    /// Records the replayed part holds (the scaled volumes, rounded per interval).
    var recordsOffered: Int
    var recordsSent: Int
    var recordsAcked: Int
    var recordsFailed: Int
    /// Records whose send call threw (so never sent), and how many of those were a full buffer.
    var recordsUnsent: Int
    var bufferExhausted: Int
    var intervals: Int
    var underProvisionedIntervals: Int
    var overProvisionedIntervals: Int
    var producerSeconds: Double
    var oracleProducerSeconds: Double
    var producerSecondsRatio: Double?
    var latencyMs: PerfLatencySummary
    /// Latency of the records due in intervals that needed more than one producer; nil when none did.
    var peakLatencyMs: PerfLatencySummary?
    var capacityRecordsPerSec: Double?
    var resizes: Int
    var seconds: Double
    var firstError: String?
    var timeline: [ReplayTimelineEntry]

    /// One line per field, for `--help`.
    static let fieldHelp = """
        Output (--json: one object; otherwise a summary line and the same numbers):
          strategy                    autopilot or fixed:K
          trace, intervalMs           the trace file and the replayed interval length (ms)
          warmupIntervals             leading trace rows that trained the autopilot and were not sent
          recordsOffered              records the replayed rows hold (value x rate scale, rounded per row)
          recordsSent                 records handed to the producer pool
          recordsAcked                records the broker acknowledged (recordsSent - recordsFailed)
          recordsFailed               records sent whose acknowledgement did not come back
          recordsUnsent               records whose send call threw (never sent)
          bufferExhausted             of those, sends refused because buffer.memory stayed full for max.block.ms
          intervals                   replayed rows (one timeline entry each)
          underProvisionedIntervals   intervals whose k was below the k their volume needed
          overProvisionedIntervals    intervals whose k was above it
          producerSeconds             sum of k x interval length, in seconds
          oracleProducerSeconds       the same for the k each interval needed (known afterwards)
          producerSecondsRatio        producerSeconds / oracleProducerSeconds
          latencyMs                   p50, p95, p99, p999, max from each record's due time in the trace to its ack
          peakLatencyMs               the same over records due in intervals that needed more than one producer
          capacityRecordsPerSec       autopilot.capacity.records, the per-producer send limit (null: none)
          resizes                     pool resizes the autopilot performed
          seconds                     wall time of the replayed part, drain included
          firstError                  the first delivery or send error, if any
          timeline[]                  per interval: t (s from the replay start), actual (records), forecast and
                                      upper (the forecast made for it), k (active producers measured at its end),
                                      neededK (what its volume needed), reason (why k was what it was)
        """
}

extension AutopilotReplayFlags {
    /// The output fields explained, for the command's `--help`.
    public static var fieldHelp: String { AutopilotReplaySummary.fieldHelp }
}
