import KairosConfig
import KairosStorage

extension BrokerConfig {
    /// Every broker property Kairos reads or accepts, with Kafka's names, ranges and defaults, in the order they
    /// are applied (a synonym before the property it sets, so the main name wins). The transport's own
    /// properties (`listeners`, ...) are added by the server's registry.
    public static let registry = ConfigRegistry<BrokerConfig>(scope: "broker", actedOn + ignoredByKairos)

    /// The properties Kairos acts on.
    static let actedOn: [ConfigProperty<BrokerConfig>] = [
        .synonym(
            "broker.id", of: "node.id", .int32(), default: nil,
            doc: "This broker's id (the older name of node.id).", set: { $0.nodeId = $1 }),
        .value("node.id", \.nodeId, .int32(), default: 1, doc: "This broker's id in metadata."),
        .value("cluster.id", \.clusterId, .string(nonEmpty: true), default: "kairos-cluster",
               doc: "The cluster id reported in Metadata and DescribeCluster."),
        .value("num.partitions", \.numPartitions, .int32(1...Int32.max), default: 1,
               doc: "Partitions of an auto-created topic, and of CreateTopics asking for -1."),
        .value("auto.create.topics.enable", \.autoCreateTopicsEnable, .boolean, default: true,
               doc: "Metadata and Produce for an unknown topic create it."),
        .value("delete.topic.enable", \.deleteTopicEnable, .boolean, default: true,
               doc: "DeleteTopics may delete topics."),
        .value("message.max.bytes", \.messageMaxBytes, .int(0...Int(Int32.max)), default: 1_048_588, dynamic: true,
               doc: "The largest record batch accepted (a topic's max.message.bytes overrides it)."),
        .synonym(
            "log.dir", of: "log.dirs", .string(nonEmpty: true), default: nil,
            doc: "The directory of partition logs (read when log.dirs is not given).", set: { $0.logDir = firstDirectory($1) }),
        .custom(
            "log.dirs", ConfigValueFormat<[String]>.list(.string(nonEmpty: true), nonEmpty: true), default: ["./data"],
            doc: "The directory of partition logs; Kairos uses the first of the list (one disk per broker).",
            set: { $0.logDir = $1[0] }, get: { [$0.logDir] }),
        .value("log.segment.bytes", \.log.segmentBytes, .int(14...Int.max), default: 1_073_741_824, dynamic: true,
               doc: "Roll a new segment before the active one would grow past this (capped at 2 GiB - 1)."),
        .synonym(
            "log.roll.hours", of: "log.roll.ms", .duration(.hours, 1...Int64.max), default: 168 * 3_600_000,
            doc: "Roll a segment older than this many hours (log.roll.ms wins when both are given).",
            set: { $0.log.segmentMs = $1 }),
        .value("log.roll.ms", \.log.segmentMs, .long(1...Int64.max), default: 604_800_000, dynamic: true,
               doc: "Roll the active segment when its first batch was appended longer ago than this."),
        .synonym(
            "log.retention.hours", of: "log.retention.ms", .duration(.hours, -1...Int64.max), default: 168 * 3_600_000,
            doc: "Retention time in hours (log.retention.minutes and log.retention.ms win).",
            set: { $0.log.retentionMs = $1 }),
        .synonym(
            "log.retention.minutes", of: "log.retention.ms", .duration(.minutes, -1...Int64.max), default: nil,
            doc: "Retention time in minutes (log.retention.ms wins).", set: { $0.log.retentionMs = $1 }),
        .value("log.retention.ms", \.log.retentionMs, .long(-1...Int64.max), default: 604_800_000, dynamic: true,
               doc: "Delete segments whose newest batch is older than this; -1 keeps them forever."),
        .value("log.retention.bytes", \.log.retentionBytes, .long(-1...Int64.max), default: -1, dynamic: true,
               doc: "Delete the oldest segments while a partition is larger than this; -1 means no limit."),
        .value("log.cleanup.policy", \.cleanupPolicy, CleanupPolicy.format, default: .delete, dynamic: true,
               doc: "delete: retention removes old segments; compact: no cleaner yet, so every record is kept."),
        .value("log.flush.interval.messages", \.log.flushIntervalMessages, .long(1...Int64.max), default: Int64.max,
               dynamic: true, doc: "fsync a partition after this many records (default: leave it to the page cache)."),
        .value("log.flush.interval.ms", \.log.flushIntervalMs, .long(0...Int64.max), default: Int64.max, dynamic: true,
               doc: "fsync a partition at an append when its last fsync is older than this."),
        .value("log.index.interval.bytes", \.log.indexIntervalBytes, .int(0...Int(Int32.max)), default: 4096, dynamic: true,
               doc: "Add a sparse offset-index entry after this many log bytes."),
        .value("log.index.size.max.bytes", \.log.segmentIndexBytes, .int(4...Int(Int32.max)), default: 10_485_760,
               dynamic: true, doc: "Roll a segment when its index would grow past this."),
        .value("log.retention.check.interval.ms", \.retentionCheckIntervalMs, .long(1...Int64.max), default: 300_000,
               doc: "How often retention runs."),
        .value("log.message.timestamp.type", \.logAppendTime, timestampType, default: false, dynamic: true,
               doc: "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches with the broker's time."),
        .value("fetch.max.bytes", \.fetchMaxBytes, .int(0...Int(Int32.max)), default: 57_671_680,
               doc: "The cap on one fetch response."),
        .custom(
            "offsets.retention.minutes", .long(1...Int64.max), default: 10_080,
            doc: "Committed offsets of an empty group expire this long after it became empty.",
            set: { config, minutes in
                config.offsetsRetentionMinutes = minutes
                config.group.offsetsRetentionMs = minutes * 60_000
            },
            get: { $0.offsetsRetentionMinutes }),
        .value("offsets.retention.check.interval.ms", \.group.offsetsRetentionCheckIntervalMs, .long(1...Int64.max),
               default: 600_000, doc: "How often expired offsets are removed."),
        .value("offsets.topic.segment.bytes", \.group.offsetsSegmentBytes, .int(1024...Int(Int32.max)),
               default: 104_857_600, doc: "Segment size of the committed-offsets log."),
        .value("offset.metadata.max.bytes", \.group.offsetMetadataMaxBytes, .int(0...Int(Int32.max)), default: 4096,
               doc: "The longest metadata string an offset commit may carry."),
        .value("group.min.session.timeout.ms", \.group.minSessionTimeoutMs, .int32(0...Int32.max), default: 6_000,
               doc: "The shortest session timeout a group member may ask for."),
        .value("group.max.session.timeout.ms", \.group.maxSessionTimeoutMs, .int32(0...Int32.max), default: 1_800_000,
               doc: "The longest session timeout a group member may ask for."),
        .value("group.initial.rebalance.delay.ms", \.group.initialRebalanceDelayMs, .long(0...Int64.max), default: 3_000,
               doc: "How long the first rebalance of an empty group waits for more members."),
        .value("group.max.size", \.group.maxGroupSize, .int(1...Int(Int32.max)), default: 10_000,
               doc: "Members one group may have (Kafka: unbounded; a bound keeps one group from taking all memory)."),
        .value("quota.window.num", \.quotaWindowNum, .int(1...Int(Int32.max)), default: 11,
               doc: "Sample windows a client's quota rate is measured over."),
        .value("quota.window.size.seconds", \.quotaWindowSizeSeconds, .long(1...Int64(Int32.max)), default: 1,
               doc: "Length of one client-quota sample window in seconds."),
    ]

    /// `log.message.timestamp.type` as the flag the broker keeps.
    static let timestampType = ConfigValueFormat<Bool>.choice(
        [("CreateTime", false), ("LogAppendTime", true)], caseInsensitive: false)

    /// The first directory of a `log.dir` / `log.dirs` value.
    static func firstDirectory(_ dirs: String) -> String {
        dirs.split(separator: ",").first.map { String($0).trimmingConfigSpaces() } ?? dirs
    }

    /// Properties Kafka brokers have that Kairos accepts, checks and reports, but does not act on.
    static let ignoredByKairos: [ConfigProperty<BrokerConfig>] = {
        let oneBroker = "one broker, no replication"
        let kraft = "one process is broker and controller"
        let noCleaner = "no log cleaner yet"
        let tiered = "no tiered storage"
        let asProduced = "batches are stored as the producer sent them"
        let noLimit = "not checked"
        let pool = "Kairos sizes its own thread pools"
        return [
            .ignored("advertised.host", .string(), default: nil, because: "an old name; advertised.listeners sets this",
                     doc: "Kafka's removed advertised host name."),
            .ignored("advertised.port", .int(0...65535), default: nil, because: "an old name; advertised.listeners sets this",
                     doc: "Kafka's removed advertised port."),
            .ignored("process.roles", .list(.oneOf(["broker", "controller"])), default: nil, because: kraft,
                     doc: "KRaft roles of this process."),
            .ignored("controller.listener.names", .list(.string()), default: nil, because: kraft,
                     doc: "Listeners the KRaft controller uses."),
            .ignored("controller.quorum.voters", .list(.string()), default: [], because: kraft,
                     doc: "The KRaft controller quorum."),
            .ignored("controller.quorum.bootstrap.servers", .list(.string()), default: [], because: kraft,
                     doc: "Controllers to contact first (dynamic KRaft quorums)."),
            .ignored("zookeeper.connect", .string(), default: nil, because: "no ZooKeeper",
                     doc: "ZooKeeper connection string of pre-KRaft Kafka."),
            .ignored("inter.broker.listener.name", .string(), default: nil, because: oneBroker,
                     doc: "The listener brokers use among themselves."),
            .ignored("num.io.threads", .int(1...Int(Int32.max)), default: 8, because: pool,
                     doc: "Request handler threads."),
            .ignored("num.recovery.threads.per.data.dir", .int(1...Int(Int32.max)), default: 1, because: pool,
                     doc: "Threads that recover logs at start."),
            .ignored("socket.send.buffer.bytes", .int(-1...Int(Int32.max)), default: 102_400, because: "the OS default is used",
                     doc: "SO_SNDBUF of broker sockets."),
            .ignored("socket.receive.buffer.bytes", .int(-1...Int(Int32.max)), default: 102_400,
                     because: "the OS default is used", doc: "SO_RCVBUF of broker sockets."),
            .ignored("default.replication.factor", .int(1...Int(Int32.max)), default: 1, because: oneBroker,
                     doc: "Replicas of an auto-created topic."),
            .ignored("min.insync.replicas", .int(1...Int(Int32.max)), default: 1, dynamic: true, because: oneBroker,
                     doc: "Replicas that must have a write for acks=all."),
            .ignored("offsets.topic.replication.factor", .short(1...Int16.max), default: 3, because: oneBroker,
                     doc: "Replicas of the committed-offsets log."),
            .ignored("offsets.topic.num.partitions", .int(1...Int(Int32.max)), default: 50,
                     because: "offsets live in one log of their own", doc: "Partitions of the committed-offsets topic."),
            .ignored("transaction.state.log.replication.factor", .short(1...Int16.max), default: 3, because: oneBroker,
                     doc: "Replicas of the transaction state log."),
            .ignored("transaction.state.log.min.isr", .int(1...Int(Int32.max)), default: 2, because: oneBroker,
                     doc: "min.insync.replicas of the transaction state log."),
            .ignored("share.coordinator.state.topic.replication.factor", .short(1...Int16.max), default: 3,
                     because: oneBroker, doc: "Replicas of the share-group state topic."),
            .ignored("share.coordinator.state.topic.min.isr", .short(1...Int16.max), default: 2, because: oneBroker,
                     doc: "min.insync.replicas of the share-group state topic."),
            .ignored("unclean.leader.election.enable", .boolean, default: false, dynamic: true, because: oneBroker,
                     doc: "Whether an out-of-sync replica may become leader."),
            .ignored("compression.type", .oneOf(["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"]),
                     default: "producer", dynamic: true, because: asProduced, doc: "The codec the broker stores batches with."),
            .ignored("compression.gzip.level", gzipLevel, default: -1, dynamic: true, because: asProduced,
                     doc: "gzip level when the broker recompresses."),
            .ignored("compression.lz4.level", .int(1...17), default: 9, dynamic: true, because: asProduced,
                     doc: "lz4 level when the broker recompresses."),
            .ignored("compression.zstd.level", .int(-131_072...22), default: 3, dynamic: true, because: asProduced,
                     doc: "zstd level when the broker recompresses."),
            .ignored("log.cleaner.enable", .boolean, default: true, because: noCleaner, doc: "Run the log cleaner."),
            .ignored("log.cleaner.delete.retention.ms", .long(0...Int64.max), default: 86_400_000, dynamic: true,
                     because: noCleaner, doc: "How long tombstones stay in compacted logs."),
            .ignored("log.cleaner.min.cleanable.ratio", .double(0...1), default: 0.5, dynamic: true, because: noCleaner,
                     doc: "The dirty share of a log that makes it eligible for cleaning."),
            .ignored("log.cleaner.min.compaction.lag.ms", .long(0...Int64.max), default: 0, dynamic: true,
                     because: noCleaner, doc: "The least time a record stays uncompacted."),
            .ignored("log.cleaner.max.compaction.lag.ms", .long(1...Int64.max), default: Int64.max, dynamic: true,
                     because: noCleaner, doc: "The longest time a record stays uncompacted."),
            .ignored("log.segment.delete.delay.ms", .long(0...Int64.max), default: 60_000, dynamic: true,
                     because: "segments past retention are deleted at once", doc: "Wait before deleting a segment's files."),
            .ignored("log.roll.jitter.ms", .long(0...Int64.max), default: 0, dynamic: true, because: "segments roll on time exactly",
                     doc: "Random jitter subtracted from log.roll.ms."),
            .ignored("log.preallocate", .boolean, default: false, dynamic: true, because: "segment files grow as written",
                     doc: "Preallocate segment files."),
            .ignored("log.message.timestamp.before.max.ms", .long(0...Int64.max), default: Int64.max, dynamic: true,
                     because: noLimit, doc: "How far before the broker's time a CreateTime timestamp may be."),
            .ignored("log.message.timestamp.after.max.ms", .long(0...Int64.max), default: Int64.max, dynamic: true,
                     because: noLimit, doc: "How far after the broker's time a CreateTime timestamp may be."),
            .ignored("log.message.timestamp.difference.max.ms", .long(0...Int64.max), default: Int64.max, dynamic: true,
                     because: noLimit, doc: "Kafka's older single bound on timestamp skew."),
            .ignored("log.message.downconversion.enable", .boolean, default: true, dynamic: true,
                     because: "only record batch v2 is stored and served", doc: "Down-convert batches for old consumers."),
            .ignored("log.message.format.version", .string(), default: "3.0-IV1", because: "only record batch v2 is written",
                     doc: "The on-disk message format."),
            .ignored("log.local.retention.ms", .long(-2...Int64.max), default: -2, dynamic: true, because: tiered,
                     doc: "Local retention time of tiered topics."),
            .ignored("log.local.retention.bytes", .long(-2...Int64.max), default: -2, dynamic: true, because: tiered,
                     doc: "Local retention size of tiered topics."),
            .ignored("remote.log.storage.system.enable", .boolean, default: false, because: tiered,
                     doc: "Turn tiered storage on."),
        ]
    }()

    /// Kafka's gzip level: 1 to 9, or -1 for zlib's default.
    static let gzipLevel = ConfigValueFormat<Int>(
        type: .int, validValues: "[1,...,9] or -1",
        parse: { text in
            guard let v = Int(text) else { throw InvalidConfigValue("'\(text)' is not an integer") }
            guard v == -1 || (1...9).contains(v) else { throw InvalidConfigValue("\(v) is not -1 nor in 1...9") }
            return v
        },
        format: { String($0) })

    /// Reads Kafka broker properties through `registry`. Keys the registry does not have are ignored here (the
    /// caller reports them); a bad value throws a `ConfigError` naming the property.
    public init(properties: [String: String]) throws {
        self.init()
        givenProperties = properties
        try BrokerConfig.registry.apply(properties, to: &self)
        guard group.minSessionTimeoutMs <= group.maxSessionTimeoutMs else {
            throw ConfigError(key: "group.max.session.timeout.ms", reason: "below group.min.session.timeout.ms")
        }
    }

    /// Every broker property as DescribeConfigs reports it: its value and whether it was given.
    public func describedProperties() -> [DescribedConfig] {
        BrokerConfig.registry.describe(self, given: givenProperties)
    }
}

extension ConfigValueFormat where Value == Int16 {
    /// A Kafka SHORT within `range`.
    static func short(_ range: ClosedRange<Int16>) -> Self {
        let wide = ConfigValueFormat<Int32>.int32(Int32(range.lowerBound)...Int32(range.upperBound))
        return Self(type: .short, validValues: wide.validValues, parse: { Int16(try wide.parse($0)) }, format: { String($0) })
    }
}
