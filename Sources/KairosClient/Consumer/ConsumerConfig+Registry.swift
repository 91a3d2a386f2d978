import KairosConfig

extension ConsumerConfig {
    /// Every consumer property: the connection's (`ClientConfig.registry`), then the consumer's own, then those
    /// accepted without being acted on.
    public static let registry = ConfigRegistry<ConsumerConfig>(
        scope: "consumer", ClientConfig.registry.lifted(\.client) + own + ignored)

    private static let own: [ConfigProperty<ConsumerConfig>] = [
        .optional("group.id", \.groupId, .string(), default: nil, doc: "The consumer group, needed by subscribe and commits."),
        .optional("group.instance.id", \.groupInstanceId, .string(), default: nil, doc: "Static membership id."),
        .value("auto.offset.reset", \.autoOffsetReset,
               .choice([("latest", AutoOffsetReset.latest), ("earliest", .earliest), ("none", .none)]), default: .latest,
               doc: "Where to start without a committed offset: earliest, latest, or none (throw)."),
        .value("enable.auto.commit", \.enableAutoCommit, .boolean, default: true,
               doc: "Commit positions every auto.commit.interval.ms while polling, and on close."),
        .value("auto.commit.interval.ms", \.autoCommitIntervalMs, .int(0...Int(Int32.max)), default: 5_000,
               doc: "How often positions are committed automatically."),
        .value("fetch.min.bytes", \.fetchMinBytes, .int(0...Int(Int32.max)), default: 1,
               doc: "The broker waits for this much data (up to fetch.max.wait.ms)."),
        .value("fetch.max.wait.ms", \.fetchMaxWaitMs, .int(0...Int(Int32.max)), default: 500,
               doc: "The longest the broker holds a fetch for fetch.min.bytes."),
        .value("fetch.max.bytes", \.fetchMaxBytes, .int(0...Int(Int32.max)), default: 52_428_800,
               doc: "The most one Fetch answer may carry."),
        .value("max.partition.fetch.bytes", \.maxPartitionFetchBytes, .int(0...Int(Int32.max)), default: 1_048_576,
               doc: "The most one partition contributes to a Fetch answer."),
        .value("max.poll.records", \.maxPollRecords, .int(1...Int(Int32.max)), default: 500,
               doc: "The most records one poll returns."),
        .value("check.crcs", \.checkCrcs, .boolean, default: true,
               doc: "Verify every batch's CRC-32C before handing out its records."),
        .value("session.timeout.ms", \.sessionTimeoutMs, .int(1...Int(Int32.max)), default: 45_000,
               doc: "The group drops a member silent this long."),
        .value("heartbeat.interval.ms", \.heartbeatIntervalMs, .int(1...Int(Int32.max)), default: 3_000,
               doc: "How often the member heartbeats."),
        .value("max.poll.interval.ms", \.maxPollIntervalMs, .int(1...Int(Int32.max)), default: 300_000,
               doc: "The longest time between polls; also the rebalance timeout sent in JoinGroup."),
        .value("partition.assignment.strategy", \.assignors, .list(assignorFormat, nonEmpty: true),
               default: [.range, .cooperativeSticky], doc: "The assignors offered, preferred first."),
    ]

    private static let ignored: [ConfigProperty<ConsumerConfig>] = [
        .ignored("key.deserializer", .string(), default: nil, because: "keys are bytes",
                 doc: "The Java class that turns bytes into keys."),
        .ignored("value.deserializer", .string(), default: nil, because: "values are bytes",
                 doc: "The Java class that turns bytes into values."),
        .ignored("client.rack", .string(), default: "", because: "the consumer fetches from partition leaders only",
                 doc: "The rack of this consumer, for fetching from a nearby replica."),
    ]

    /// One `partition.assignment.strategy` item: a protocol name or a Java class name.
    static let assignorFormat = ConfigValueFormat<PartitionAssignorName>(
        type: .string, validValues: "[range, roundrobin, cooperative-sticky]",
        parse: { text in
            guard let assignor = PartitionAssignorName(kafkaName: text) else {
                throw InvalidConfigValue("'\(text)' must be range, roundrobin or cooperative-sticky")
            }
            return assignor
        },
        format: { $0.rawValue })
}
