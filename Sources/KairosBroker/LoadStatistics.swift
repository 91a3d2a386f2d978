import Atomics
import NIOConcurrencyHelpers

/// Live counters of one partition's load: what the overload-aware partitioner reads.
///
/// Counters only grow; rates come from comparing two snapshots (`PartitionLoadSnapshot.rates`),
/// so any number of readers can sample at their own pace without disturbing each other.
public final class PartitionLoadCounters: Sendable {
    let recordsIn = ManagedAtomic<Int64>(0)
    let bytesIn = ManagedAtomic<Int64>(0)
    let recordsOut = ManagedAtomic<Int64>(0)
    let bytesOut = ManagedAtomic<Int64>(0)
    private let connections = NIOLockedValueBox(ConnectionSets())

    /// How long a connection counts as producing or fetching after its last request.
    public static let connectionWindowMs: Int64 = 10_000

    struct ConnectionSets {
        var producers: [UInt64: Int64] = [:]  // connection id -> last time seen (ms)
        var fetchers: [UInt64: Int64] = [:]
    }

    init() {}

    func recordProduce(records: Int64, bytes: Int64, connection: UInt64, nowMs: Int64) {
        recordsIn.wrappingIncrement(by: records, ordering: .relaxed)
        bytesIn.wrappingIncrement(by: bytes, ordering: .relaxed)
        connections.withLockedValue { sets in
            if sets.producers[connection] != nowMs { sets.producers[connection] = nowMs }
        }
    }

    func recordFetch(records: Int64, bytes: Int64, connection: UInt64, nowMs: Int64) {
        recordsOut.wrappingIncrement(by: records, ordering: .relaxed)
        bytesOut.wrappingIncrement(by: bytes, ordering: .relaxed)
        connections.withLockedValue { sets in
            if sets.fetchers[connection] != nowMs { sets.fetchers[connection] = nowMs }
        }
    }

    func snapshot(topic: String, partition: Int32, nowMs: Int64) -> PartitionLoadSnapshot {
        let (producing, fetching) = connections.withLockedValue { sets -> (Int, Int) in
            let cutoff = nowMs - Self.connectionWindowMs
            sets.producers = sets.producers.filter { $0.value >= cutoff }
            sets.fetchers = sets.fetchers.filter { $0.value >= cutoff }
            return (sets.producers.count, sets.fetchers.count)
        }
        return PartitionLoadSnapshot(
            topic: topic, partition: partition, atMs: nowMs,
            recordsIn: recordsIn.load(ordering: .relaxed), bytesIn: bytesIn.load(ordering: .relaxed),
            recordsOut: recordsOut.load(ordering: .relaxed), bytesOut: bytesOut.load(ordering: .relaxed),
            producingConnections: producing, fetchingConnections: fetching)
    }
}

/// Cumulative load of one partition at one instant.
public struct PartitionLoadSnapshot: Sendable, Equatable {
    /// Topic name.
    public var topic: String
    /// Partition index.
    public var partition: Int32
    /// When it was taken (broker clock, ms).
    public var atMs: Int64
    /// Records appended since the broker started.
    public var recordsIn: Int64
    /// Bytes (whole batches) appended since the broker started.
    public var bytesIn: Int64
    /// Records sent to fetchers since the broker started.
    public var recordsOut: Int64
    /// Bytes sent to fetchers since the broker started.
    public var bytesOut: Int64
    /// Connections that produced to it in the last `connectionWindowMs`.
    public var producingConnections: Int
    /// Connections that fetched from it in the last `connectionWindowMs`.
    public var fetchingConnections: Int

    /// Per-second rates between `previous` and this snapshot.
    public func rates(since previous: PartitionLoadSnapshot) -> PartitionLoadRates {
        let seconds = max(Double(atMs - previous.atMs) / 1000, 0.001)
        return PartitionLoadRates(
            topic: topic, partition: partition,
            recordsInPerSec: Double(recordsIn - previous.recordsIn) / seconds,
            bytesInPerSec: Double(bytesIn - previous.bytesIn) / seconds,
            recordsOutPerSec: Double(recordsOut - previous.recordsOut) / seconds,
            bytesOutPerSec: Double(bytesOut - previous.bytesOut) / seconds,
            producingConnections: producingConnections, fetchingConnections: fetchingConnections)
    }
}

/// Load of one partition per second over an interval.
public struct PartitionLoadRates: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var recordsInPerSec: Double
    public var bytesInPerSec: Double
    public var recordsOutPerSec: Double
    public var bytesOutPerSec: Double
    public var producingConnections: Int
    public var fetchingConnections: Int
}
