import KafkaProtocol
import KairosControl
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The brokers' per-partition load for the IPOOA partitioner, read at most every `ipooa.load.refresh.ms` and
/// never on the record path: `snapshot` answers from what was last read and starts a refresh in the background
/// when that is stale. Reads the Kairos KairosPartitionLoad API when the broker advertises it; on other Kafka
/// clusters it reads what the standard protocol gives (`StandardProtocolLoad`: group assignments and lag) and the
/// partitioner adds the producer's own connections and in-flight counts.
public final class IPOOALoadFeed: Sendable {
    /// The load of one topic as last read.
    public struct Snapshot: Sendable, Equatable {
        /// Grows by one with every read, so users can tell a new snapshot from the last one cheaply.
        public var version: Int
        /// One entry per partition the broker reported.
        public var loads: [PartitionLoadVector]
        /// False when read through the standard protocol, which knows no connections nor rates: the partitioner
        /// fills them from the producer's own counts.
        public var hasConnections: Bool
    }

    private struct State {
        var snapshots: [String: Snapshot] = [:]
        var readAtNanos: [String: UInt64] = [:]
        var refreshing: Set<String> = []
        var version = 0
        /// False once a broker did not advertise the API: the standard protocol from then on.
        var brokerSpeaksLoad = true
    }

    private let cluster: KafkaCluster
    private let refreshNanos: UInt64
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    /// A feed over `cluster`, refreshing a topic's load when it is older than `refreshMs`; `useKairosApi` false
    /// reads the standard protocol even from a Kairos broker (as against any other Kafka cluster).
    public init(cluster: KafkaCluster, refreshMs: Int, useKairosApi: Bool = true, logger: Logger = Logger(label: "kairos.ipooa")) {
        self.cluster = cluster
        self.refreshNanos = UInt64(max(refreshMs, 1)) * 1_000_000
        self.logger = logger
        if !useKairosApi { state.withLockedValue { $0.brokerSpeaksLoad = false } }
    }

    /// The last load read for `topic`, or nil when none was read (yet, or ever on a cluster without the API).
    public func snapshot(topic: String) -> Snapshot? {
        let now = NIODeadline.now().uptimeNanoseconds
        let (snapshot, start) = state.withLockedValue { state -> (Snapshot?, Bool) in
            let stale = state.readAtNanos[topic].map { now &- $0 >= refreshNanos } ?? true
            let start = stale && !state.refreshing.contains(topic)
            if start { state.refreshing.insert(topic) }
            return (state.snapshots[topic], start)
        }
        if start { Task { await self.refresh(topic: topic) } }
        return snapshot
    }

    /// Reads `topic`'s load now and returns it (nil when the cluster does not serve it).
    @discardableResult
    public func refresh(topic: String) async -> Snapshot? {
        defer { state.withLockedValue { _ = $0.refreshing.remove(topic) } }
        do {
            let connection = try await cluster.anyConnection()
            let loads: [PartitionLoadVector], hasConnections: Bool
            if state.withLockedValue({ $0.brokerSpeaksLoad }) && connection.supports(.kairosPartitionLoad) {
                let response = try await connection.send(KairosPartitionLoadRequest(topics: [.init(name: topic)]))
                guard let reported = response.topics.first(where: { $0.name == topic }), reported.errorCode == 0 else { return nil }
                loads = reported.partitions.map(Self.vector)
                hasConnections = true
            } else {
                if state.withLockedValue({ $0.brokerSpeaksLoad }) {
                    state.withLockedValue { $0.brokerSpeaksLoad = false }
                    logger.info("the cluster does not serve KairosPartitionLoad: IPOOA reads group assignments and lag")
                }
                let count = try await cluster.metadata(for: [topic]).topics[topic]?.partitions.count ?? 0
                guard count > 0 else { return nil }
                loads = try await StandardProtocolLoad.read(topic: topic, partitionCount: count, cluster: cluster)
                hasConnections = false
            }
            let now = NIODeadline.now().uptimeNanoseconds
            return state.withLockedValue { state in
                state.version += 1
                let snapshot = Snapshot(version: state.version, loads: loads, hasConnections: hasConnections)
                state.snapshots[topic] = snapshot
                state.readAtNanos[topic] = now
                return snapshot
            }
        } catch {
            // The partitioner keeps the last snapshot; the next stale read tries again.
            state.withLockedValue { $0.readAtNanos[topic] = NIODeadline.now().uptimeNanoseconds }
            logger.debug("reading partition load failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
            return nil
        }
    }

    /// A reported partition as a load vector: subscriptions are the group members assigned it, or the fetching
    /// connections when more fetch it than groups account for (consumers that assign partitions themselves).
    static func vector(_ p: KairosPartitionLoadResponse.KairosPartitionLoadPartition) -> PartitionLoadVector {
        PartitionLoadVector(
            partition: Int(p.partitionIndex), subscriptions: Double(max(p.fetchingMembers, p.fetchingConnections)),
            connections: Double(p.producingConnections), recordsInPerSecond: p.recordsInPerSec, bytesInPerSecond: p.bytesInPerSec,
            lag: Double(p.groups.reduce(Int64(0)) { $0 + $1.lag }))
    }
}
