/// The group coordinator's settings, with Kafka's property names and defaults.
///
/// Part of `BrokerConfig` (its registry reads the `group.*` and `offsets.*` properties), so
/// `server.properties` and `--override` set them as they would on Kafka.
public struct GroupConfig: Sendable, Equatable {
    /// `group.min.session.timeout.ms`: the shortest session timeout a member may ask for. Default 6000.
    public var minSessionTimeoutMs: Int32 = 6_000
    /// `group.max.session.timeout.ms`: the longest session timeout a member may ask for. Default 1800000.
    public var maxSessionTimeoutMs: Int32 = 1_800_000
    /// `group.initial.rebalance.delay.ms`: how long the first rebalance of an empty group waits for more
    /// members (extended while members keep arriving, up to the rebalance timeout). Default 3000.
    public var initialRebalanceDelayMs: Int64 = 3_000
    /// `group.max.size`: members one group may have. Default 10000 (Kafka: unbounded; a bound here keeps
    /// one group from taking all memory).
    public var maxGroupSize: Int = 10_000
    /// `offsets.retention.minutes` in ms: offsets of an empty group expire this long after it became empty
    /// (or after their commit, for groups that never had members). Default 7 days.
    public var offsetsRetentionMs: Int64 = 10_080 * 60_000
    /// `offsets.retention.check.interval.ms`: how often expired offsets are removed. Default 600000.
    public var offsetsRetentionCheckIntervalMs: Int64 = 600_000
    /// `offset.metadata.max.bytes`: the longest metadata string a commit may carry. Default 4096.
    public var offsetMetadataMaxBytes: Int = 4_096
    /// `offsets.topic.segment.bytes`: segment size of the committed-offsets log. Default 104857600.
    public var offsetsSegmentBytes: Int = 104_857_600
    /// Groups the coordinator holds at most; a join or commit that would create one more is refused
    /// with COORDINATOR_NOT_AVAILABLE (a hard limit with no Kafka property).
    public var maxGroups: Int = 100_000
    /// Records appended to the offsets log since its last snapshot before a new snapshot is written and
    /// the log before it dropped: at least this many, and at least twice the live records.
    public var snapshotMinRecords: Int = 10_000

    /// Kafka's defaults.
    public init() {}

    /// The settings a broker configuration holds (its registry parsed the `group.*` and `offsets.*`
    /// properties); throws `ConfigError` when the session timeout bounds cross.
    public init(broker: BrokerConfig) throws {
        self = broker.group
        offsetsRetentionMs = broker.offsetsRetentionMinutes * 60_000
        guard minSessionTimeoutMs <= maxSessionTimeoutMs else {
            throw ConfigError(key: "group.max.session.timeout.ms", reason: "below group.min.session.timeout.ms")
        }
    }
}
