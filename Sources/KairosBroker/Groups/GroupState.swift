/// Where a classic consumer group is in its life, as Kafka names the states.
///
/// Empty (no members, maybe offsets) -> PreparingRebalance (collecting JoinGroups) ->
/// CompletingRebalance (waiting for the leader's SyncGroup) -> Stable; any membership change
/// goes back to PreparingRebalance. Dead: deleted or expired, about to be forgotten.
public enum GroupState: String, Sendable, CaseIterable {
    case empty = "Empty"
    case preparingRebalance = "PreparingRebalance"
    case completingRebalance = "CompletingRebalance"
    case stable = "Stable"
    case dead = "Dead"

    /// The state from its Kafka name, ignoring case (ListGroups v4 states filter).
    public init?(kafkaName: String) {
        guard let state = GroupState.allCases.first(where: { $0.rawValue.lowercased() == kafkaName.lowercased() }) else {
            return nil
        }
        self = state
    }
}

/// A group's topic and partition, the key of a committed offset.
public struct GroupTopicPartition: Hashable, Sendable, Comparable {
    /// The topic.
    public var topic: String
    /// The partition.
    public var partition: Int32

    /// Names one partition.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (a: Self, b: Self) -> Bool { (a.topic, a.partition) < (b.topic, b.partition) }
}

/// One committed offset with what came with it.
public struct CommittedOffset: Hashable, Sendable {
    /// The next offset the group will read.
    public var offset: Int64
    /// The leader epoch the client saw (-1 for none).
    public var leaderEpoch: Int32
    /// The client's metadata string ("" for none).
    public var metadata: String
    /// When it was committed (ms).
    public var commitTimestampMs: Int64
    /// When it expires regardless of the group (OffsetCommit v2-4 retention time), nil for the default rule.
    public var expireTimestampMs: Int64?

    /// Makes an offset.
    public init(offset: Int64, leaderEpoch: Int32 = -1, metadata: String = "", commitTimestampMs: Int64, expireTimestampMs: Int64? = nil) {
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitTimestampMs = commitTimestampMs
        self.expireTimestampMs = expireTimestampMs
    }
}
