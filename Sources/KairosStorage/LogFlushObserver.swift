/// Hears about every fsync of a partition log, so that a server can export flush rate and latency (Kafka's
/// `kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs`) without storage depending on a metrics library.
/// It is handed to the `LogManager` (or a `SegmentedLog`), which tells it about every log it opens: it is not a
/// setting, so it has no place in `LogConfig`.
///
/// Called on the flushing thread (the appender's, the maintenance thread's, or a group-commit flusher's queue),
/// sometimes while the log's lock is held: keep it cheap, and never call back into the log.
public protocol LogFlushObserver: AnyObject, Sendable {
    /// One flush made a log durable: its data file, its sealed segments' index files and, when segments came or
    /// went, its directory were synced, taking `nanos` of monotonic time in all. Flushes with nothing to sync
    /// are not reported.
    func logFlushed(nanos: Int64)

    /// One group-commit round of a log directory synced `logs` partition logs and released `waiters` appends
    /// waiting for it, taking `nanos` in all. Called on the flusher's queue, holding no log's lock.
    func groupCommitted(logs: Int, waiters: Int, nanos: Int64)
}

extension LogFlushObserver {
    /// Observers that only count flushes ignore rounds.
    public func groupCommitted(logs: Int, waiters: Int, nanos: Int64) {}
}
