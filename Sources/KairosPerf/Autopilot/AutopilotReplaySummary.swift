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
        Output fields (--json prints them as one object):
          strategy              autopilot, reactive or fixed:K
          trace, intervalMs     the trace and the replayed interval (ms)
          warmupIntervals       rows that trained the autopilot, not sent
          recordsOffered        records of the replayed rows (value x scale)
          recordsSent           records handed to the producer pool
          recordsAcked          acknowledged (= recordsSent - recordsFailed)
          recordsFailed         sent, no acknowledgement came back
          recordsUnsent         the send call threw (never sent)
          bufferExhausted       of those, buffer.memory full for max.block.ms
          intervals             replayed rows (one timeline entry each)
          underProvisionedIntervals  k below what the volume needed
          overProvisionedIntervals   k above it
          producerSeconds       sum of k x interval length (s)
          oracleProducerSeconds the same with the k each interval needed
          producerSecondsRatio  producerSeconds / oracleProducerSeconds
          latencyMs             p50 p95 p99 p999 max, due time to ack (ms)
          peakLatencyMs         the same for intervals needing k > 1
          capacityRecordsPerSec autopilot.capacity.records (null: no limit)
          resizes               pool resizes the autopilot made
          seconds               wall time of the replay, drain included
          firstError            the first send or delivery error, if any
          timeline[]            per interval: t (s from the start), actual,
                                forecast and upper (made for it), k (active
                                producers), neededK, reason (why that k)
        """
}

extension AutopilotReplayFlags {
    /// The output fields explained, for the command's `--help`.
    public static var fieldHelp: String { AutopilotReplaySummary.fieldHelp }
}
