/// Hears about every fsync of a partition log, so that a server can export flush rate and latency (Kafka's
/// `kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs`) without storage depending on a metrics library.
///
/// Called on the flushing thread (the appender's, or the maintenance thread's) while the log's lock is held:
/// keep it cheap, and never call back into the log.
public protocol LogFlushObserver: AnyObject, Sendable {
    /// One flush made a log durable: its data file, its sealed segments' index files and, when segments came or
    /// went, its directory were synced, taking `nanos` of monotonic time in all. Flushes with nothing to sync
    /// are not reported.
    func logFlushed(nanos: Int64)
}

/// Holds `LogConfig`'s observer. An observer is not a setting, so any two slots compare equal and two configs
/// that differ only in who listens are the same configuration.
struct LogFlushObserverSlot: Sendable, Equatable {
    var observer: (any LogFlushObserver)?

    static func == (lhs: LogFlushObserverSlot, rhs: LogFlushObserverSlot) -> Bool { true }
}
