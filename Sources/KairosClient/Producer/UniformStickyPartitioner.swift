import NIOConcurrencyHelpers
import NIOCore

/// KIP-480 / KIP-794 uniform sticky partitioning: records stay on one partition until `batch.size` bytes went to
/// it, then move to another, chosen with weights that favour partitions with less queued (KIP-794's adaptive
/// choice) and skipping partitions without a leader. Keys are ignored.
public final class UniformStickyPartitioner: Partitioner, Sendable {
    private struct Sticky {
        var partition: Int32
        var bytes: Int
        var partitionCount: Int
    }

    private struct State {
        var byTopic: [String: Sticky] = [:]
        var random: SplitMix64
    }

    private let switchAfterBytes: Int
    private let state: NIOLockedValueBox<State>

    /// Makes one; `seed` fixes the sequence of partitions chosen (tests), nil seeds from the system.
    public init(switchAfterBytes: Int, seed: UInt64? = nil) {
        precondition(switchAfterBytes > 0, "switchAfterBytes must be positive")
        self.switchAfterBytes = switchAfterBytes
        self.state = NIOLockedValueBox(State(random: SplitMix64(seed: seed ?? UInt64.random(in: 0...UInt64.max))))
    }

    public func partition(topic: String, key: ByteBuffer?, partitionCount: Int, loads: any PartitionLoadSource) -> Int32 {
        let current = state.withLockedValue { state -> Int32? in
            guard let sticky = state.byTopic[topic], sticky.partitionCount == partitionCount,
                  sticky.bytes < switchAfterBytes else { return nil }
            return sticky.partition
        }
        if let current { return current }
        // Load is read outside the lock: the source takes locks of its own.
        let chosen = choose(partitionCount: partitionCount, loads: loads.loads(topic: topic, partitionCount: partitionCount))
        return state.withLockedValue { state in
            if let sticky = state.byTopic[topic], sticky.partitionCount == partitionCount, sticky.bytes < switchAfterBytes {
                return sticky.partition
            }
            let partition = chosen(&state.random)
            state.byTopic[topic] = Sticky(partition: partition, bytes: 0, partitionCount: partitionCount)
            return partition
        }
    }

    public func nullKeyLease(topic: String, partitionCount: Int, loads: any PartitionLoadSource) -> PartitionLease? {
        let partition = self.partition(topic: topic, key: nil, partitionCount: partitionCount, loads: loads)
        let used = state.withLockedValue { state in
            state.byTopic[topic]?.partition == partition ? state.byTopic[topic]!.bytes : 0
        }
        return PartitionLease(partition: partition, stickyBytes: max(switchAfterBytes - used, 1), partitionCount: partitionCount)
    }

    public func recordAppended(topic: String, partition: Int32, bytes: Int) {
        state.withLockedValue { state in
            if state.byTopic[topic]?.partition == partition { state.byTopic[topic]!.bytes += bytes }
        }
    }

    /// A function picking a partition: uniformly when queues are even, else weighted by `maxQueue + 1 - queue`.
    private func choose(partitionCount: Int, loads: [PartitionLoad]) -> (inout SplitMix64) -> Int32 {
        let available = loads.filter(\.isAvailable)
        let candidates = available.isEmpty ? (0..<partitionCount).map { PartitionLoad(partition: Int32($0)) } : available
        let maxQueue = candidates.map(\.queuedBytes).max() ?? 0
        let weights = candidates.map { maxQueue + 1 - $0.queuedBytes }
        let total = weights.reduce(0, +)
        return { random in
            var pick = Int(random.next() % UInt64(total))
            for (index, weight) in weights.enumerated() {
                if pick < weight { return candidates[index].partition }
                pick -= weight
            }
            return candidates[candidates.count - 1].partition
        }
    }
}

/// A small seeded generator (SplitMix64), so partition choices can be replayed in tests.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
