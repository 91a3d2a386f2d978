import Atomics
import KafkaProtocol
import KairosBroker
import NIOConcurrencyHelpers
import NIOCore

/// The broker's operational metrics, the ones seed 002 names for tuning (RequestQueueSize,
/// NetworkProcessorAvgIdlePercent, UnderReplicatedPartitions, bytes in / out, log flush rate and time),
/// plus request rates and latencies per API. Updated lock-free on the request path; rendered for Prometheus.
public final class ServerMetrics: Sendable {
    private let requests: [Int16: ManagedAtomic<Int64>]
    private let latencies: [Int16: LatencyHistogram]
    /// Requests received but not yet answered (queued behind a waiting reply, or being handled).
    let queuedRequests = ManagedAtomic<Int>(0)
    /// Connections closed because of bad input (oversize frames, unparsable requests).
    let rejectedConnections = ManagedAtomic<Int64>(0)
    /// Time the event loops spent handling requests, in nanoseconds.
    let busyNanos = ManagedAtomic<Int64>(0)
    private let threads: Int
    private let startNanos: UInt64
    private let lastScrape: NIOLockedValueBox<(atNanos: UInt64, busyNanos: Int64)>
    /// Every partition log's fsyncs, reported by storage.
    public let logFlush: LogFlushMetrics

    /// Metrics for a server with `threads` event loops; `logFlush` is the observer the broker's log manager
    /// was given (`ServerConfig.logFlushMetrics`).
    public init(threads: Int, logFlush: LogFlushMetrics = LogFlushMetrics()) {
        self.logFlush = logFlush
        var requests: [Int16: ManagedAtomic<Int64>] = [:]
        var latencies: [Int16: LatencyHistogram] = [:]
        for key in ApiKey.allCases {
            requests[key.rawValue] = ManagedAtomic(0)
            latencies[key.rawValue] = LatencyHistogram()
        }
        self.requests = requests
        self.latencies = latencies
        self.threads = max(threads, 1)
        startNanos = DispatchTimeLike.nowNanos()
        lastScrape = NIOLockedValueBox((startNanos, 0))
    }

    /// Counts a request of `apiKey` answered after `nanos`.
    func recordRequest(apiKey: Int16, nanos: Int64) {
        requests[apiKey]?.wrappingIncrement(ordering: .relaxed)
        latencies[apiKey]?.record(nanos: nanos)
    }

    /// The metrics in Prometheus text exposition format.
    public func render(broker: Broker, connections: Int) -> String {
        var out = ""
        let now = DispatchTimeLike.nowNanos()
        let busy = busyNanos.load(ordering: .relaxed)
        let idlePercent: Double = lastScrape.withLockedValue { last in
            let wall = Double(now - last.atNanos) * Double(threads)
            let spent = Double(busy - last.busyNanos)
            last = (now, busy)
            return wall > 0 ? max(0, min(100, 100 * (1 - spent / wall))) : 100
        }
        out += "# HELP kairos_network_request_queue_size Requests received and not yet answered (Kafka RequestQueueSize).\n"
        out += "# TYPE kairos_network_request_queue_size gauge\n"
        out += "kairos_network_request_queue_size \(queuedRequests.load(ordering: .relaxed))\n"
        out += "# HELP kairos_network_processor_avg_idle_percent Event-loop time not spent handling requests since the previous scrape (Kafka NetworkProcessorAvgIdlePercent).\n"
        out += "# TYPE kairos_network_processor_avg_idle_percent gauge\n"
        out += "kairos_network_processor_avg_idle_percent \(idlePercent)\n"
        out += "# HELP kairos_network_busy_seconds_total Event-loop time spent handling requests.\n"
        out += "# TYPE kairos_network_busy_seconds_total counter\n"
        out += "kairos_network_busy_seconds_total \(Double(busy) / 1e9)\n"
        out += "# HELP kairos_under_replicated_partitions Partitions with fewer in-sync replicas than replicas; always 0 on one node.\n"
        out += "# TYPE kairos_under_replicated_partitions gauge\n"
        out += "kairos_under_replicated_partitions 0\n"
        out += "# HELP kairos_connections Open client connections.\n"
        out += "# TYPE kairos_connections gauge\n"
        out += "kairos_connections \(connections)\n"
        out += "# HELP kairos_rejected_connections_total Connections closed for bad input.\n"
        out += "# TYPE kairos_rejected_connections_total counter\n"
        out += "kairos_rejected_connections_total \(rejectedConnections.load(ordering: .relaxed))\n"
        out += "# HELP kairos_uptime_seconds Seconds since the server started.\n"
        out += "# TYPE kairos_uptime_seconds gauge\n"
        out += "kairos_uptime_seconds \(Double(now - startNanos) / 1e9)\n"
        renderRequests(into: &out)
        logFlush.render(into: &out)
        renderTopics(broker: broker, into: &out)
        ClientQuotaMetrics.render(broker.clientQuotas.clientStats(), into: &out)
        PartitionLoadMetrics.render(broker.partitionLoad(topics: nil), into: &out)
        return out
    }

    private func renderRequests(into out: inout String) {
        out += "# HELP kairos_requests_total Requests answered, by API.\n"
        out += "# TYPE kairos_requests_total counter\n"
        let keys = ApiKey.allCases.filter { (requests[$0.rawValue]?.load(ordering: .relaxed) ?? 0) > 0 }
        for key in keys {
            out += "kairos_requests_total{api=\"\(key.name)\"} \(requests[key.rawValue]!.load(ordering: .relaxed))\n"
        }
        out += "# HELP kairos_request_latency_seconds Time from a request's arrival to its answer, by API (fetches include their wait).\n"
        out += "# TYPE kairos_request_latency_seconds histogram\n"
        for key in keys {
            latencies[key.rawValue]!.render(name: "kairos_request_latency_seconds", labels: "api=\"\(key.name)\"", into: &out)
        }
    }

    private func renderTopics(broker: Broker, into out: inout String) {
        var byTopic: [String: (bytesIn: Int64, bytesOut: Int64, recordsIn: Int64, recordsOut: Int64, partitions: Int)] = [:]
        for p in broker.loadSnapshot() {
            var t = byTopic[p.topic] ?? (0, 0, 0, 0, 0)
            t.bytesIn += p.bytesIn
            t.bytesOut += p.bytesOut
            t.recordsIn += p.recordsIn
            t.recordsOut += p.recordsOut
            t.partitions += 1
            byTopic[p.topic] = t
        }
        let topics = byTopic.keys.sorted()
        func series(_ name: String, _ help: String, _ type: String, _ value: (String) -> String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for t in topics { out += "\(name){topic=\"\(t)\"} \(value(t))\n" }
        }
        series("kairos_topic_bytes_in_total", "Bytes of record batches appended (Kafka BytesInPerSec).", "counter") { "\(byTopic[$0]!.bytesIn)" }
        series("kairos_topic_bytes_out_total", "Bytes of record batches sent to fetchers (Kafka BytesOutPerSec).", "counter") { "\(byTopic[$0]!.bytesOut)" }
        series("kairos_topic_messages_in_total", "Records appended (Kafka MessagesInPerSec).", "counter") { "\(byTopic[$0]!.recordsIn)" }
        series("kairos_topic_messages_out_total", "Records sent to fetchers.", "counter") { "\(byTopic[$0]!.recordsOut)" }
        series("kairos_topic_partitions", "Partitions of the topic.", "gauge") { "\(byTopic[$0]!.partitions)" }
    }
}

/// Monotonic time in nanoseconds.
enum DispatchTimeLike {
    static func nowNanos() -> UInt64 { UInt64(NIODeadline.now().uptimeNanoseconds) }
}
