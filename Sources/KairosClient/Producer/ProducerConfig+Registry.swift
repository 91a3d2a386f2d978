import KafkaProtocol
import KairosConfig
import KairosControl

extension ProducerConfig {
    /// Every producer property: the connection's (`ClientConfig.registry`), then the producer's own, then those
    /// accepted without being acted on.
    public static let registry = ConfigRegistry<ProducerConfig>(
        scope: "producer", ClientConfig.registry.lifted(\.client) + own + ignored)

    private static let own: [ConfigProperty<ProducerConfig>] = [
        .value("acks", \.acks, .choice([("all", Acks.all), ("-1", .all), ("0", .none), ("1", .leader)]), default: .all,
               doc: "Acknowledgements to wait for: 0 none, 1 the leader, all every in-sync replica."),
        .value("batch.size", \.batchSizeBytes, .int(0...Int(Int32.max)), default: 16_384,
               doc: "Bytes a partition's batch may grow to before it is sent."),
        .value("linger.ms", \.lingerMs, .int(0...Int(Int32.max)), default: 5,
               doc: "How long a batch that is not full waits for more records."),
        .value("compression.type", \.compression,
               .choice(CompressionCodec.allCases.map { ($0.name, $0) }), default: CompressionCodec.none,
               doc: "The codec batches are compressed with."),
        .value("buffer.memory", \.bufferMemoryBytes, .int(1...Int.max), default: 33_554_432,
               doc: "Bytes of records waiting to be sent, at most."),
        .value("max.block.ms", \.maxBlockMs, .int(0...Int(Int32.max)), default: 60_000,
               doc: "How long send waits for buffer space or metadata before failing."),
        .value("max.in.flight.requests.per.connection", \.maxInFlightRequestsPerConnection, .int(1...Int(Int32.max)),
               default: 5, doc: "Unanswered Produce requests per broker."),
        .value("delivery.timeout.ms", \.deliveryTimeoutMs, .int(1...Int(Int32.max)), default: 120_000,
               doc: "The longest a record may take from send to its acknowledgement, retries included."),
        .value("max.request.size", \.maxRequestSizeBytes, .int(1...Int(Int32.max)), default: 1_048_576,
               doc: "The largest Produce request, and so the largest record."),
        .value("partitioner", \.partitioner, partitionerFormat, default: .murmur2Random,
               doc: "How records find their partition (the Java client's murmur2_random by default)."),
        .value("enable.idempotence", \.enableIdempotence, .boolean, default: true,
               doc: "Producer id and sequence numbers so retries neither duplicate nor reorder (off by default when acks is not all)."),
    ] + ipooa

    /// The overload-aware partitioner's properties (read when `partitioner=ipooa`).
    private static let ipooa: [ConfigProperty<ProducerConfig>] = [
        .value("ipooa.lambda", \.ipooa.lambda, .double(0.35...0.65), default: 0.5,
               doc: "IPOOA: weight of subscriptions against connections in a partition's service consumption (0.35 and 0.65 excluded)."),
        .value("ipooa.threshold", \.ipooa.threshold, .double(0.5...0.65), default: 0.6,
               doc: "IPOOA: service consumption above which a partition is overloaded (0.5 = the average partition)."),
        .value("ipooa.minkowski.p", \.ipooa.minkowskiP, .int(1...2), default: 2,
               doc: "IPOOA: the exponent of the weighted Minkowski distance that orders candidate partitions (1 or 2)."),
        .value("ipooa.weights", \.ipooa.weights, .list(.double(0...1_000), nonEmpty: true), default: [0.2, 0.2, 0.2, 0.2, 0.2],
               doc: "IPOOA: weights of subscriptions, connections, records/s, bytes/s and lag in the distance (normalised to sum 1)."),
        .value("ipooa.max.partitions", \.ipooa.maxPartitions, .int(1...Int(Int32.max)), default: 64,
               doc: "IPOOA: partition growth never takes a topic beyond this many partitions."),
        .value("ipooa.grow.cooldown.ms", \.ipooa.growCooldownMs, .int(0...Int(Int32.max)), default: 30_000,
               doc: "IPOOA: the shortest time between two growths of a topic."),
        .value("ipooa.load.refresh.ms", \.ipooa.loadRefreshMs, .int(1...Int(Int32.max)), default: 1_000,
               doc: "IPOOA: how old the partitions' load may get before it is read again."),
        .value("ipooa.keyed", \.ipooa.keyed, .choice(IPOOAParameters.KeyedPolicy.allCases.map { ($0.rawValue, $0) }), default: .strict,
               doc: "IPOOA: strict keeps keyed records on their murmur2 partition (per-key order); divert moves them too."),
    ]

    private static let ignored: [ConfigProperty<ProducerConfig>] = [
        .ignored("key.serializer", .string(), default: nil, because: "keys are bytes",
                 doc: "The Java class that turns keys into bytes."),
        .ignored("value.serializer", .string(), default: nil, because: "values are bytes",
                 doc: "The Java class that turns values into bytes."),
        .ignored("metadata.max.idle.ms", .long(5_000...Int64.max), default: 300_000,
                 because: "metadata.max.age.ms bounds every topic's metadata", doc: "Forget metadata of topics idle this long."),
        .ignored("enable.metrics.push", .boolean, default: true, because: "metrics are exported by the process",
                 doc: "Push client metrics to the broker (KIP-714)."),
    ]

    /// `partitioner`: Kafka's and librdkafka's partitioner names.
    static let partitionerFormat = ConfigValueFormat<PartitionerChoice>(
        type: .string, validValues: "[murmur2_random, murmur2, consistent_random, consistent, random, ipooa]",
        parse: { text in
            guard let choice = PartitionerChoice(name: text) else {
                throw InvalidConfigValue(
                    "'\(text)' must be one of murmur2_random, murmur2, consistent_random, consistent, random, ipooa")
            }
            return choice
        },
        format: { choice in
            switch choice {
            case .murmur2Random: return "murmur2_random"
            case .murmur2: return "murmur2"
            case .consistentRandom: return "consistent_random"
            case .consistent: return "consistent"
            case .random: return "random"
            case .ipooa: return "ipooa"
            case .custom: return "custom"
            }
        })
}
