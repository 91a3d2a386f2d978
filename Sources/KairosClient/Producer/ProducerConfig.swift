import KafkaProtocol

/// How many acknowledgements the producer waits for.
public enum Acks: Int16, Sendable, Hashable {
    /// `acks=0`: no answer at all; offsets are unknown (-1).
    case none = 0
    /// `acks=1`: the leader wrote it.
    case leader = 1
    /// `acks=all` (-1): every in-sync replica has it.
    case all = -1
}

/// The producer's configuration. Each property documents its Kafka name and default; `init(properties:)` accepts
/// the Kafka names and throws `invalidConfiguration` naming the key for bad values.
public struct ProducerConfig: Sendable {
    /// Connection settings shared with the other clients (`bootstrap.servers`, `client.id`, `request.timeout.ms`,
    /// `retries`, `retry.backoff.ms`, `metadata.max.age.ms`).
    public var client = ClientConfig()
    /// `acks`: 0, 1 or all. Default all.
    public var acks: Acks = .all
    /// `batch.size`: the bytes a partition's batch may grow to before it is sent. Default 16384.
    public var batchSizeBytes: Int = 16_384
    /// `linger.ms`: how long a batch that is not full waits for more records. Default 5.
    public var lingerMs: Int = 5
    /// `compression.type`: none, gzip, snappy, lz4 or zstd. Default none.
    public var compression: CompressionCodec = .none
    /// `buffer.memory`: bytes of records waiting to be sent, at most. Default 33554432 (32 MiB).
    public var bufferMemoryBytes: Int = 32 * 1024 * 1024
    /// `max.block.ms`: how long `send` waits for buffer space (or metadata) before failing. Default 60000.
    public var maxBlockMs: Int = 60_000
    /// `max.in.flight.requests.per.connection`: unanswered Produce requests per broker. Default 5.
    public var maxInFlightRequestsPerConnection: Int = 5
    /// `delivery.timeout.ms`: the longest a record may take from `send` to its acknowledgement, retries included.
    /// Default 120000.
    public var deliveryTimeoutMs: Int = 120_000
    /// `enable.idempotence`: producer id and sequence numbers so retries neither duplicate nor reorder records.
    /// Default true (needs acks=all and at most 5 requests in flight; if left unset with other acks, it is off).
    public var enableIdempotence: Bool = true
    /// `max.request.size`: the largest Produce request, and so the largest record. Default 1048576.
    public var maxRequestSizeBytes: Int = 1_048_576
    /// `partitioner`: how records find their partition. Default `.murmur2Random` (the Java client's).
    public var partitioner: PartitionerChoice = .murmur2Random
    /// `ipooa.*`: the overload-aware partitioner's settings, used when `partitioner=ipooa`.
    public var ipooa = IPOOAProducerSettings()
    /// Kafka property keys given to `init(properties:)` that no setting uses (reported, not fatal).
    public private(set) var unknownKeys: [String] = []
    /// Kafka property keys given to `init(properties:)` that Kairos accepts without acting on.
    public private(set) var ignoredKeys: [String] = []

    /// The defaults.
    public init() {}

    /// Reads Kafka's producer property names (`ProducerConfig.registry`).
    public init(properties: [String: String]) throws {
        let report = try ProducerConfig.registry.readClient(properties, into: &self)
        if properties["enable.idempotence"] != nil {
            if enableIdempotence && acks != .all {
                throw KafkaClientError.invalidConfiguration("enable.idempotence=true needs acks=all")
            }
            if enableIdempotence && maxInFlightRequestsPerConnection > 5 {
                throw KafkaClientError.invalidConfiguration(
                    "enable.idempotence=true needs max.in.flight.requests.per.connection <= 5")
            }
        } else if acks != .all || maxInFlightRequestsPerConnection > 5 {
            // As in the Java client: idempotence is on by default only where its requirements hold.
            enableIdempotence = false
        }
        unknownKeys = report.unknownKeys
        ignoredKeys = report.ignoredKeys
    }

    /// Checks combinations that cannot work; called when a producer is made.
    func validate() throws {
        if enableIdempotence && acks != .all {
            throw KafkaClientError.invalidConfiguration("enable.idempotence=true needs acks=all")
        }
        if enableIdempotence && maxInFlightRequestsPerConnection > 5 {
            throw KafkaClientError.invalidConfiguration("enable.idempotence=true needs max.in.flight.requests.per.connection <= 5")
        }
        if client.bootstrapServers.isEmpty { throw KafkaClientError.invalidConfiguration("bootstrap.servers is empty") }
        if case .ipooa = partitioner {
            do { _ = try ipooa.parameters() } catch { throw KafkaClientError.invalidConfiguration("\(error)") }
        }
    }
}
