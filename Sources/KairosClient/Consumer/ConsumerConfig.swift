/// Where a consumer starts when a partition has no committed offset (or its offset is out of range).
public enum AutoOffsetReset: String, Sendable {
    /// The first offset still in the log.
    case earliest
    /// The end of the log: only new records.
    case latest
    /// Throw instead.
    case none
}

/// The consumer's configuration. Each property documents its Kafka name and default; `init(properties:)` accepts
/// the Kafka names.
public struct ConsumerConfig: Sendable {
    /// Connection settings shared with the other clients.
    public var client = ClientConfig()
    /// `group.id`: the consumer group, needed by `subscribe` and commits. Default none.
    public var groupId: String?
    /// `auto.offset.reset`: earliest, latest or none. Default latest.
    public var autoOffsetReset: AutoOffsetReset = .latest
    /// `enable.auto.commit`: commit positions every `auto.commit.interval.ms` while polling, and on close.
    /// Default true (with a `group.id`).
    public var enableAutoCommit = true
    /// `auto.commit.interval.ms`. Default 5000.
    public var autoCommitIntervalMs = 5_000
    /// `fetch.min.bytes`: the broker waits for this much data (up to `fetch.max.wait.ms`). Default 1.
    public var fetchMinBytes = 1
    /// `fetch.max.wait.ms`. Default 500.
    public var fetchMaxWaitMs = 500
    /// `fetch.max.bytes`: the most one Fetch answer may carry. Default 52428800.
    public var fetchMaxBytes = 52_428_800
    /// `max.partition.fetch.bytes`: the most one partition contributes to a Fetch answer. Default 1048576.
    public var maxPartitionFetchBytes = 1_048_576
    /// `check.crcs`: verify every batch's CRC-32C before handing out its records (a corrupt batch is an error).
    /// Default true, as in Kafka's consumer (librdkafka's default is false).
    public var checkCrcs = true
    /// `max.poll.records`: the most records one `poll` returns. Default 500.
    public var maxPollRecords = 500
    /// `session.timeout.ms`: the group drops a member silent this long. Default 45000.
    public var sessionTimeoutMs = 45_000
    /// `heartbeat.interval.ms`. Default 3000.
    public var heartbeatIntervalMs = 3_000
    /// `max.poll.interval.ms`: also the rebalance timeout sent in JoinGroup. Default 300000.
    public var maxPollIntervalMs = 300_000
    /// `partition.assignment.strategy`: the assignors offered, preferred first. Default range, cooperative-sticky.
    public var assignors: [PartitionAssignorName] = [.range, .cooperativeSticky]
    /// `group.instance.id`: static membership id. Default none.
    public var groupInstanceId: String?
    /// Kafka property keys given to `init(properties:)` that no setting uses.
    public private(set) var unknownKeys: [String] = []
    /// Kafka property keys given to `init(properties:)` that Kairos accepts without acting on.
    public private(set) var ignoredKeys: [String] = []

    /// The defaults.
    public init() {}

    /// Reads Kafka's consumer property names (`ConsumerConfig.registry`).
    public init(properties: [String: String]) throws {
        let report = try ConsumerConfig.registry.readClient(properties, into: &self)
        unknownKeys = report.unknownKeys
        ignoredKeys = report.ignoredKeys
    }
}
