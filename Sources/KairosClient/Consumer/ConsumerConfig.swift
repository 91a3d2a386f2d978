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

    /// The defaults.
    public init() {}

    /// Reads Kafka's consumer property names.
    public init(properties: [String: String]) throws {
        var reader = PropertyReader(properties)
        client = try ClientConfig(reader: &reader)
        groupId = reader.string("group.id")
        groupInstanceId = reader.string("group.instance.id")
        if let raw = reader.string("auto.offset.reset") {
            guard let reset = AutoOffsetReset(rawValue: raw.lowercased()) else {
                throw KafkaClientError.invalidConfiguration("auto.offset.reset=\(raw) must be earliest, latest or none")
            }
            autoOffsetReset = reset
        }
        if let v = try reader.bool("enable.auto.commit") { enableAutoCommit = v }
        if let v = try reader.int("auto.commit.interval.ms", range: 0...Int(Int32.max)) { autoCommitIntervalMs = v }
        if let v = try reader.int("fetch.min.bytes", range: 0...Int(Int32.max)) { fetchMinBytes = v }
        if let v = try reader.int("fetch.max.wait.ms", range: 0...Int(Int32.max)) { fetchMaxWaitMs = v }
        if let v = try reader.int("fetch.max.bytes", range: 0...Int(Int32.max)) { fetchMaxBytes = v }
        if let v = try reader.int("max.partition.fetch.bytes", range: 0...Int(Int32.max)) { maxPartitionFetchBytes = v }
        if let v = try reader.int("max.poll.records", range: 1...Int(Int32.max)) { maxPollRecords = v }
        if let v = try reader.bool("check.crcs") { checkCrcs = v }
        if let v = try reader.int("session.timeout.ms", range: 1...Int(Int32.max)) { sessionTimeoutMs = v }
        if let v = try reader.int("heartbeat.interval.ms", range: 1...Int(Int32.max)) { heartbeatIntervalMs = v }
        if let v = try reader.int("max.poll.interval.ms", range: 1...Int(Int32.max)) { maxPollIntervalMs = v }
        if let raw = reader.string("partition.assignment.strategy") {
            assignors = try raw.split(separator: ",").map {
                let name = $0.trimmingCharacters(in: .whitespaces)
                guard let assignor = PartitionAssignorName(kafkaName: name) else {
                    throw KafkaClientError.invalidConfiguration(
                        "partition.assignment.strategy '\(name)' must be range, roundrobin or cooperative-sticky")
                }
                return assignor
            }
            if assignors.isEmpty { throw KafkaClientError.invalidConfiguration("partition.assignment.strategy is empty") }
        }
        unknownKeys = reader.unknownKeys
    }
}

import Foundation
