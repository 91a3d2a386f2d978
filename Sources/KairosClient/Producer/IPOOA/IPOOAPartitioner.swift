import KairosControl
import NIOConcurrencyHelpers
import NIOCore

/// The overload-aware partitioner (`partitioner=ipooa`): a record starts on its murmur2 partition (keyed) or the
/// uniform sticky partition (keyless); if that partition's instant service consumption is above the threshold,
/// the most similar partition within it takes the record, and when more than half were tried in vain the topic
/// is grown by one partition through the shared `PartitionGrowthService`. The decision itself is
/// `IPOOAPlan` (KairosControl); this type feeds it load and keeps one plan per topic until the load changes.
public final class IPOOAPartitioner: Partitioner, Sendable {
    private struct CachedPlan {
        var plan: IPOOAPlan
        var feedVersion: Int?
        var builtAtNanos: UInt64
        /// Tells this plan from the one before it without comparing their contents.
        var generation: Int
        /// Choices already made with this plan, by start partition and keyed: the choice is a pure function of
        /// the plan, so each start pays for the similarity order once per load read, not once per record.
        var choices: [Int: IPOOAPlan.Choice] = [:]
    }

    private struct State {
        var plans: [String: CachedPlan] = [:]
        var lastStart: [String: Int32] = [:]
        var outcomes: [IPOOAPlan.Outcome: Int] = [:]
        var generations = 0
    }

    /// The parameters every choice uses.
    public let parameters: IPOOAParameters
    private let refreshNanos: UInt64
    private let sticky: UniformStickyPartitioner
    private let feed: IPOOALoadFeed?
    private let growth: PartitionGrowthService?
    private let state = NIOLockedValueBox(State())

    /// A partitioner choosing with `parameters`; `feed` gives the broker's per-partition load (nil: only the
    /// producer's own queues and in-flight batches), `growth` grows topics (nil: never grows).
    public init(parameters: IPOOAParameters, loadRefreshMs: Int, batchSizeBytes: Int, feed: IPOOALoadFeed?,
                growth: PartitionGrowthService?) {
        self.parameters = parameters
        self.refreshNanos = UInt64(max(loadRefreshMs, 0)) * 1_000_000
        self.sticky = UniformStickyPartitioner(switchAfterBytes: max(batchSizeBytes, 1))
        self.feed = feed
        self.growth = growth
    }

    /// How many choices ended each way since the start (for tests and metrics).
    public var outcomeCounts: [IPOOAPlan.Outcome: Int] { state.withLockedValue { $0.outcomes } }

    public func partition(topic: String, key: ByteBuffer?, partitionCount: Int, loads: any PartitionLoadSource) -> Int32 {
        let start: Int32
        if let key {
            start = key.withUnsafeReadableBytes { KeyHash.murmur2.partition(of: $0, partitionCount: partitionCount) }
        } else {
            start = sticky.partition(topic: topic, key: nil, partitionCount: partitionCount, loads: loads)
        }
        if key != nil && parameters.keyed == .strict {
            // Strict keys never move: no load to read.
            state.withLockedValue { $0.outcomes[.keyedStrict, default: 0] += 1 }
            return start
        }
        let (plan, generation) = currentPlan(topic: topic, partitionCount: partitionCount, own: loads)
        let memo = Int(start) * 2 + (key == nil ? 0 : 1)
        let known = state.withLockedValue { $0.plans[topic]?.generation == generation ? $0.plans[topic]?.choices[memo] : nil }
        let choice = known ?? plan.choose(start: Int(start), keyed: key != nil)
        state.withLockedValue { state in
            state.outcomes[choice.outcome, default: 0] += 1
            if key == nil { state.lastStart[topic] = start }
            if known == nil, state.plans[topic]?.generation == generation { state.plans[topic]?.choices[memo] = choice }
        }
        if choice.outcome == .growthRequested { growth?.request(topic: topic, partitions: partitionCount) }
        return Int32(choice.partition)
    }

    public func recordAppended(topic: String, partition: Int32, bytes: Int) {
        // The sticky start advances by the bytes its records carried, wherever they were diverted to.
        guard let start = state.withLockedValue({ $0.lastStart[topic] }) else { return }
        sticky.recordAppended(topic: topic, partition: start, bytes: bytes)
    }

    /// The plan for `topic`: rebuilt when the partition count or the broker's load changed, or, without broker
    /// load, when the producer's own counts are older than `ipooa.load.refresh.ms`.
    private func currentPlan(topic: String, partitionCount: Int, own: any PartitionLoadSource) -> (IPOOAPlan, generation: Int) {
        let now = NIODeadline.now().uptimeNanoseconds
        let snapshot = feed?.snapshot(topic: topic)
        let cached = state.withLockedValue { $0.plans[topic] }
        if let cached, cached.plan.partitionCount == partitionCount, cached.feedVersion == snapshot?.version {
            // Broker load is reused until the next read; the producer's own counts for `ipooa.load.refresh.ms`.
            if snapshot?.hasConnections == true || now &- cached.builtAtNanos < refreshNanos { return (cached.plan, cached.generation) }
        }
        let vectors: [PartitionLoadVector]
        if let snapshot, snapshot.hasConnections {
            vectors = snapshot.loads
        } else {
            let own = own.loads(topic: topic, partitionCount: partitionCount).map(Self.ownLoad)
            vectors = snapshot.map { Self.merge(standard: $0.loads, own: own) } ?? own
        }
        let plan = IPOOAPlan(loads: vectors, partitionCount: partitionCount, parameters: parameters)
        let generation = state.withLockedValue { state -> Int in
            state.generations += 1
            state.plans[topic] = CachedPlan(plan: plan, feedVersion: snapshot?.version, builtAtNanos: now, generation: state.generations)
            return state.generations
        }
        return (plan, generation)
    }

    /// Group assignments and lag from the standard protocol, with the producer's own connections and byte counts.
    static func merge(standard: [PartitionLoadVector], own: [PartitionLoadVector]) -> [PartitionLoadVector] {
        var byPartition = Dictionary(own.map { ($0.partition, $0) }) { $1 }
        for load in standard {
            var merged = byPartition[load.partition] ?? PartitionLoadVector(partition: load.partition)
            merged.subscriptions = load.subscriptions
            merged.lag = load.lag
            byPartition[load.partition] = merged
        }
        return byPartition.values.sorted { $0.partition < $1.partition }
    }

    /// What the producer itself knows of a partition: its batches queued and in flight stand for connections,
    /// its queued bytes for the byte rate.
    static func ownLoad(_ load: PartitionLoad) -> PartitionLoadVector {
        PartitionLoadVector(partition: Int(load.partition), connections: Double(load.queuedBatches + load.inFlightBatches),
                            bytesInPerSecond: Double(load.queuedBytes))
    }
}
