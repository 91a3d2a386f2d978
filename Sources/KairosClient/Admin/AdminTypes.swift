import KafkaProtocol

/// A topic to create.
public struct NewTopic: Sendable, Hashable {
    /// The name.
    public var name: String
    /// Partitions; -1 lets the broker use `num.partitions`.
    public var partitions: Int32
    /// Replicas per partition; -1 lets the broker use its default.
    public var replicationFactor: Int16
    /// Topic configuration (`retention.ms`, `cleanup.policy`, ...).
    public var configs: [String: String]

    /// Makes one.
    public init(name: String, partitions: Int32 = -1, replicationFactor: Int16 = -1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// One configuration entry of a topic or broker, as DescribeConfigs reports it.
public struct ConfigEntry: Sendable, Hashable {
    /// The property name.
    public var name: String
    /// The value, nil when sensitive or unset.
    public var value: String?
    /// True when the value is the default.
    public var isDefault: Bool
    /// True when it cannot be changed.
    public var isReadOnly: Bool
    /// True for passwords and the like.
    public var isSensitive: Bool
}

/// Which offset ListOffsets should find.
public enum OffsetSpec: Sendable, Hashable {
    /// The first offset still in the log.
    case earliest
    /// The offset the next record will get (the high watermark).
    case latest
    /// The first offset whose timestamp is at or after this time (ms since the epoch).
    case timestamp(Int64)

    var wireTimestamp: Int64 {
        switch self {
        case .earliest: return -2
        case .latest: return -1
        case .timestamp(let ms): return ms
        }
    }
}

/// A partition offset found by ListOffsets.
public struct ListedOffset: Sendable, Hashable {
    /// The offset, -1 when there is none (a timestamp after the last record).
    public var offset: Int64
    /// The timestamp of that record, -1 when unknown.
    public var timestamp: Int64
    /// The leader epoch, -1 when unknown.
    public var leaderEpoch: Int32
}

/// A consumer group as ListGroups names it.
public struct GroupListing: Sendable, Hashable {
    /// The group id.
    public var groupId: String
    /// `consumer` for consumer groups.
    public var protocolType: String
    /// Its state (`Stable`, `Empty`, ...), empty when the broker does not report it.
    public var state: String
}

/// A consumer group as DescribeGroups describes it.
public struct GroupDescription: Sendable, Hashable {
    /// One member.
    public struct Member: Sendable, Hashable {
        /// The id the coordinator gave it.
        public var memberId: String
        /// Its static instance id, if any.
        public var groupInstanceId: String?
        /// Its `client.id`.
        public var clientId: String
        /// Where it connects from.
        public var clientHost: String
        /// The partitions it is assigned (decoded from the consumer protocol's assignment), empty if undecodable.
        public var assignment: [TopicPartition]
    }

    /// The group id.
    public var groupId: String
    /// The broker's error for this group, `.none` when it answered.
    public var error: ErrorCode
    /// Its state (`Stable`, `Empty`, `Dead`, ...).
    public var state: String
    /// `consumer` for consumer groups.
    public var protocolType: String
    /// The assignor chosen (`range`, `roundrobin`, `cooperative-sticky`).
    public var protocolName: String
    /// Its members.
    public var members: [Member]
}
