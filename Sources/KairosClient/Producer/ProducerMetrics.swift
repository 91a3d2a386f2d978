import CoreMetrics
import NIOConcurrencyHelpers
import NIOCore

/// The producer's metrics under Kafka's names (group `producer-metrics`), kept in-process (`snapshot()`) and
/// exported through swift-metrics as gauges labelled with the Kafka name and a `client-id` dimension.
/// Updated per batch or per request, never per record. Rates are per second over the last 30-60 s.
public final class ProducerMetrics: Sendable {
    /// Kafka's metric names this producer reports.
    public static let names = [
        "batch-size-avg", "record-queue-time-avg", "buffer-available-bytes", "compression-rate-avg",
        "record-send-rate", "request-latency-avg", "record-error-rate",
    ]

    private struct Window {
        var startNanos: UInt64
        var previousCount: Double = 0
        var previousSpanNanos: UInt64 = 0
        var count: Double = 0

        mutating func add(_ value: Double, nowNanos: UInt64) {
            roll(nowNanos)
            count += value
        }

        mutating func roll(_ nowNanos: UInt64) {
            if RecordAccumulator.elapsed(from: startNanos, to: nowNanos) >= ProducerMetrics.windowNanos {
                previousCount = count
                previousSpanNanos = RecordAccumulator.elapsed(from: startNanos, to: nowNanos)
                count = 0
                startNanos = nowNanos
            }
        }

        func rate(nowNanos: UInt64) -> Double {
            let span = Double(previousSpanNanos + RecordAccumulator.elapsed(from: startNanos, to: nowNanos)) / 1e9
            return span > 0 ? (previousCount + count) / span : 0
        }
    }

    private struct State {
        var batches = 0.0
        var batchBytes = 0.0
        var queueTimeMs = 0.0
        var compressionRatio = 0.0
        var requests = 0.0
        var requestLatencyMs = 0.0
        var bufferAvailable: Double
        var sent: Window
        var errors: Window
    }

    static let windowNanos: UInt64 = 30_000_000_000

    private let state: NIOLockedValueBox<State>
    private let gauges: [String: Gauge]
    private let now: @Sendable () -> UInt64

    init(clientId: String, bufferMemoryBytes: Int, now: @escaping @Sendable () -> UInt64) {
        let start = now()
        self.now = now
        self.state = NIOLockedValueBox(State(bufferAvailable: Double(bufferMemoryBytes),
                                             sent: Window(startNanos: start), errors: Window(startNanos: start)))
        var gauges: [String: Gauge] = [:]
        for name in Self.names {
            gauges[name] = Gauge(label: name, dimensions: [("client-id", clientId), ("group", "producer-metrics")])
        }
        self.gauges = gauges
        gauges["buffer-available-bytes"]?.record(Double(bufferMemoryBytes))
    }

    /// Every metric's current value by Kafka name.
    public func snapshot() -> [String: Double] {
        let nowNanos = now()
        return state.withLockedValue { s in
            [
                "batch-size-avg": s.batches > 0 ? s.batchBytes / s.batches : 0,
                "record-queue-time-avg": s.batches > 0 ? s.queueTimeMs / s.batches : 0,
                "buffer-available-bytes": s.bufferAvailable,
                "compression-rate-avg": s.batches > 0 ? s.compressionRatio / s.batches : 0,
                "record-send-rate": s.sent.rate(nowNanos: nowNanos),
                "request-latency-avg": s.requests > 0 ? s.requestLatencyMs / s.requests : 0,
                "record-error-rate": s.errors.rate(nowNanos: nowNanos),
            ]
        }
    }

    /// Records a batch leaving the accumulator.
    func recordBatchSent(wireBytes: Int, uncompressedBytes: Int, records: Int, queueTimeNanos: UInt64) {
        let nowNanos = now()
        state.withLockedValue { s in
            s.batches += 1
            s.batchBytes += Double(wireBytes)
            s.queueTimeMs += Double(queueTimeNanos) / 1e6
            s.compressionRatio += uncompressedBytes > 0 ? Double(wireBytes) / Double(uncompressedBytes) : 1
        }
        _ = nowNanos
    }

    /// Records acknowledged records.
    func recordsDelivered(_ count: Int) {
        let nowNanos = now()
        state.withLockedValue { $0.sent.add(Double(count), nowNanos: nowNanos) }
    }

    /// Records failed records.
    func recordErrors(_ count: Int) {
        let nowNanos = now()
        state.withLockedValue { $0.errors.add(Double(count), nowNanos: nowNanos) }
    }

    /// Records one Produce request's round trip.
    func recordRequestLatency(nanos: UInt64) {
        state.withLockedValue { s in
            s.requests += 1
            s.requestLatencyMs += Double(nanos) / 1e6
        }
        publish()
    }

    func setBufferAvailable(_ bytes: Int) {
        state.withLockedValue { $0.bufferAvailable = Double(bytes) }
    }

    /// Pushes the current values to the swift-metrics backend.
    func publish() {
        for (name, value) in snapshot() { gauges[name]?.record(value) }
    }
}
