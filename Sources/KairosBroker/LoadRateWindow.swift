import NIOConcurrencyHelpers

/// Turns the ever-growing partition counters into per-second rates that every reader shares: two reference
/// snapshots, the older at least `windowMs` old once the broker has run that long, so a rate always covers
/// between one and two windows, however often or seldom it is asked for (a partitioner every second, a
/// Prometheus scrape every 15 s). Time comes from the caller.
final class LoadRateWindow: Sendable {
    /// The shortest interval a rate covers once the broker has run that long.
    let windowMs: Int64
    private let references: NIOLockedValueBox<References>

    private struct References {
        var older: [PartitionKey: PartitionLoadSnapshot] = [:]
        var olderAtMs: Int64
        var newer: [PartitionKey: PartitionLoadSnapshot] = [:]
        var newerAtMs: Int64
    }

    struct PartitionKey: Hashable {
        var topic: String
        var partition: Int32
    }

    /// A window starting at `startMs` (the broker's start: counters are zero then).
    init(windowMs: Int64, startMs: Int64) {
        precondition(windowMs > 0)
        self.windowMs = windowMs
        references = NIOLockedValueBox(References(olderAtMs: startMs, newerAtMs: startMs))
    }

    /// Rates of `current` (snapshots taken at `nowMs`) against the older reference, and the interval they cover.
    /// A partition the reference does not hold (new since) is measured from zero at the reference's time.
    func rates(current: [PartitionLoadSnapshot], nowMs: Int64) -> (rates: [PartitionLoadRates], intervalMs: Int64) {
        references.withLockedValue { refs in
            if nowMs - refs.newerAtMs >= windowMs {
                refs.older = refs.newer
                refs.olderAtMs = refs.newerAtMs
                refs.newer = Dictionary(current.map { (PartitionKey(topic: $0.topic, partition: $0.partition), $0) }) { $1 }
                refs.newerAtMs = nowMs
            }
            let olderAt = refs.olderAtMs
            let rates = current.map { snapshot -> PartitionLoadRates in
                let base = refs.older[PartitionKey(topic: snapshot.topic, partition: snapshot.partition)]
                    ?? PartitionLoadSnapshot(topic: snapshot.topic, partition: snapshot.partition, atMs: olderAt, recordsIn: 0,
                                             bytesIn: 0, recordsOut: 0, bytesOut: 0, producingConnections: 0, fetchingConnections: 0)
                return snapshot.rates(since: base)
            }
            return (rates, nowMs - olderAt)
        }
    }
}
