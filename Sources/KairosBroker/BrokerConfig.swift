import KairosConfig
import KairosStorage

/// Everything the broker needs to know about itself, with Kafka's property names and defaults.
///
/// Built from `server.properties`-style key/values by `init(properties:)`; every property the broker
/// reads or accepts is an entry of `BrokerConfig.registry`, which parses, checks and describes it.
public struct BrokerConfig: Sendable, Equatable {
    /// `node.id` (also read from `broker.id`): this broker's id in metadata. Default 1.
    public var nodeId: Int32 = 1
    /// Host clients are told to connect to (from `advertised.listeners`, else `listeners`).
    public var advertisedHost: String = "127.0.0.1"
    /// Port clients are told to connect to.
    public var advertisedPort: Int32 = 9092
    /// `cluster.id`-like identifier reported in Metadata and DescribeCluster.
    public var clusterId: String = "kairos-cluster"
    /// `num.partitions`: partitions of an auto-created topic, and of CreateTopics with -1. Default 1.
    public var numPartitions: Int32 = 1
    /// `auto.create.topics.enable`: Metadata and Produce for an unknown topic create it. Default true.
    public var autoCreateTopicsEnable: Bool = true
    /// `delete.topic.enable`. Default true.
    public var deleteTopicEnable: Bool = true
    /// `message.max.bytes`: the largest record batch accepted. Default 1048588, as Kafka.
    public var messageMaxBytes: Int = 1_048_588
    /// `log.dirs` (or `log.dir`): where partition logs live. Default "./data".
    public var logDir: String = "./data"
    /// Per-partition log settings from `log.segment.bytes`, `log.roll.ms`, `log.retention.*`, `log.flush.*`.
    public var log: LogConfig = LogConfig()
    /// `log.retention.check.interval.ms`: how often retention runs. Default 300000 (5 minutes).
    public var retentionCheckIntervalMs: Int64 = 300_000
    /// `log.message.timestamp.type`: CreateTime or LogAppendTime. Default CreateTime.
    public var logAppendTime: Bool = false
    /// `fetch.max.bytes`: the cap on one fetch response. Default 57671680 (55 MiB), as Kafka.
    public var fetchMaxBytes: Int = 57_671_680
    /// `offsets.retention.minutes`: committed offsets of empty groups expire after this. Default 10080 (7 days).
    public var offsetsRetentionMinutes: Int64 = 10_080
    /// `log.cleanup.policy`: the default of every topic's `cleanup.policy`. Default delete.
    public var cleanupPolicy: CleanupPolicy = .delete
    /// The group coordinator's settings (`group.*`, `offsets.*`, `offset.metadata.max.bytes`).
    public var group = GroupConfig()

    /// `quota.window.num`: how many sample windows client-quota rates are measured over. Default 11.
    public var quotaWindowNum: Int = 11
    /// `quota.window.size.seconds`: the length of one client-quota sample window. Default 1.
    public var quotaWindowSizeSeconds: Int64 = 1

    /// The properties it was built from, as given (DescribeConfigs reports these as static config).
    public var givenProperties: [String: String] = [:]

    /// Defaults, as Kafka's.
    public init() {}
}

/// A property that cannot be used: a bad value, or a value out of range (shared with the client).
public typealias ConfigError = KairosConfig.ConfigError
