import KairosStorage

/// Log flush rate and latency, Kafka's `kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs`: every
/// partition log reports each fsync here (it is the observer handed to the log manager), and the Prometheus endpoint shows
/// them as the histogram `kairos_log_flush_latency_seconds`, whose `_count` is the number of flushes.
public final class LogFlushMetrics: LogFlushObserver {
    private let histogram = LatencyHistogram()

    /// An empty histogram.
    public init() {}

    /// Records one flush that took `nanos`.
    public func logFlushed(nanos: Int64) { histogram.record(nanos: max(nanos, 0)) }

    /// Flushes recorded so far.
    public var flushCount: Int64 { histogram.count }

    /// Total time spent in the recorded flushes, in seconds.
    public var flushSeconds: Double { histogram.sumSeconds }

    func render(into out: inout String) {
        out += "# HELP kairos_log_flush_latency_seconds Time of each fsync of a partition log (data file, index files, "
            + "directory after segment changes); _count gives the flush rate (Kafka LogFlushRateAndTimeMs).\n"
        out += "# TYPE kairos_log_flush_latency_seconds histogram\n"
        histogram.render(name: "kairos_log_flush_latency_seconds", labels: "", into: &out)
    }
}
