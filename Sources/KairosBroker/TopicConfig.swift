import KairosStorage

/// Topic-level configuration: Kafka's topic property names, each backed by a broker default.
///
/// A topic stores only its overrides; the effective value falls back to the broker's setting,
/// which is how DescribeConfigs reports them (DYNAMIC_TOPIC_CONFIG vs DEFAULT/STATIC_BROKER_CONFIG).
public struct TopicConfig: Sendable, Equatable, Codable {
    /// Overrides set at creation or by AlterConfigs, by Kafka topic property name.
    public var overrides: [String: String]

    /// A topic with no overrides.
    public init(overrides: [String: String] = [:]) { self.overrides = overrides }

    /// Topic property names Kairos understands, with the broker property that supplies the default.
    public static let brokerDefaultKey: [String: String] = [
        "segment.bytes": "log.segment.bytes",
        "segment.ms": "log.roll.ms",
        "retention.ms": "log.retention.ms",
        "retention.bytes": "log.retention.bytes",
        "flush.messages": "log.flush.interval.messages",
        "flush.ms": "log.flush.interval.ms",
        "index.interval.bytes": "log.index.interval.bytes",
        "segment.index.bytes": "log.index.size.max.bytes",
        "max.message.bytes": "message.max.bytes",
        "message.timestamp.type": "log.message.timestamp.type",
        "cleanup.policy": "log.cleanup.policy",
        "compression.type": "compression.type",
        "min.insync.replicas": "min.insync.replicas",
    ]

    /// The effective value of every topic property, and whether it is an override.
    public func describe(broker: BrokerConfig) -> [(name: String, value: String, isOverride: Bool)] {
        let defaults = TopicConfig.defaults(from: broker)
        return defaults.keys.sorted().map { name in
            if let v = overrides[name] { return (name, v, true) }
            return (name, defaults[name]!, false)
        }
    }

    /// The broker-derived default of each topic property.
    public static func defaults(from broker: BrokerConfig) -> [String: String] {
        [
            "segment.bytes": String(broker.log.segmentBytes),
            "segment.ms": String(broker.log.segmentMs),
            "retention.ms": String(broker.log.retentionMs),
            "retention.bytes": String(broker.log.retentionBytes),
            "flush.messages": String(broker.log.flushIntervalMessages),
            "flush.ms": String(broker.log.flushIntervalMs),
            "index.interval.bytes": String(broker.log.indexIntervalBytes),
            "segment.index.bytes": String(broker.log.segmentIndexBytes),
            "max.message.bytes": String(broker.messageMaxBytes),
            "message.timestamp.type": broker.logAppendTime ? "LogAppendTime" : "CreateTime",
            "cleanup.policy": "delete",
            "compression.type": "producer",
            "min.insync.replicas": "1",
        ]
    }

    /// Checks one override; the message becomes the INVALID_CONFIG error message.
    public static func validate(name: String, value: String?) -> String? {
        guard brokerDefaultKey[name] != nil else { return "Unknown topic config name: \(name)" }
        guard let value else { return nil }  // null resets to the default
        switch name {
        case "segment.bytes", "segment.index.bytes", "index.interval.bytes", "max.message.bytes":
            guard let v = Int64(value), v >= 0, v <= Int64(Int32.max) else { return "Invalid value \(value) for \(name)" }
            if name == "segment.bytes" && v < 14 { return "Invalid value \(value) for segment.bytes: at least 14" }
        case "segment.ms", "flush.messages", "flush.ms":
            guard let v = Int64(value), v >= (name == "flush.ms" ? 0 : 1) else { return "Invalid value \(value) for \(name)" }
        case "retention.ms", "retention.bytes":
            guard let v = Int64(value), v >= -1 else { return "Invalid value \(value) for \(name)" }
        case "message.timestamp.type":
            guard value == "CreateTime" || value == "LogAppendTime" else { return "Invalid value \(value) for \(name)" }
        case "cleanup.policy":
            // Compaction is not implemented: refusing it is better than silently keeping everything.
            guard value == "delete" else { return "cleanup.policy=\(value) is not supported by Kairos (only delete)" }
        case "compression.type":
            // Batches are stored as produced, never recompressed.
            guard value == "producer" else { return "compression.type=\(value) is not supported by Kairos (only producer)" }
        case "min.insync.replicas":
            guard let v = Int(value), v >= 1 else { return "Invalid value \(value) for min.insync.replicas" }
        default:
            break
        }
        return nil
    }

    /// The log settings of a topic: broker defaults with this topic's overrides applied.
    public func logConfig(broker: BrokerConfig) -> LogConfig {
        var c = broker.log
        if let v = overrides["segment.bytes"].flatMap(Int.init) { c.segmentBytes = v }
        if let v = overrides["segment.ms"].flatMap(Int64.init) { c.segmentMs = v }
        if let v = overrides["retention.ms"].flatMap(Int64.init) { c.retentionMs = v }
        if let v = overrides["retention.bytes"].flatMap(Int64.init) { c.retentionBytes = v }
        if let v = overrides["flush.messages"].flatMap(Int64.init) { c.flushIntervalMessages = v }
        if let v = overrides["flush.ms"].flatMap(Int64.init) { c.flushIntervalMs = v }
        if let v = overrides["index.interval.bytes"].flatMap(Int.init) { c.indexIntervalBytes = v }
        if let v = overrides["segment.index.bytes"].flatMap(Int.init) { c.segmentIndexBytes = v }
        return c
    }

    /// The largest batch this topic accepts.
    public func maxMessageBytes(broker: BrokerConfig) -> Int {
        overrides["max.message.bytes"].flatMap(Int.init) ?? broker.messageMaxBytes
    }

    /// Whether the broker stamps batches with its own time.
    public func usesLogAppendTime(broker: BrokerConfig) -> Bool {
        guard let v = overrides["message.timestamp.type"] else { return broker.logAppendTime }
        return v == "LogAppendTime"
    }
}
