import KairosConfig
import KairosStorage

/// A topic's configuration overrides, typed once when the topic is created or loaded.
///
/// A topic stores only its overrides; every property not overridden falls back to the broker's setting
/// (`TopicConfig.registry` names the broker property behind each), which is how DescribeConfigs reports them
/// (DYNAMIC_TOPIC_CONFIG vs DEFAULT/STATIC_BROKER_CONFIG). The given text is kept beside the typed values for
/// the catalog and DescribeConfigs; opening a log reads only the typed values.
public struct TopicConfig: Sendable, Equatable {
    /// The overrides as given (text), by Kafka topic property name.
    public private(set) var overrides: [String: String] = [:]

    /// `cleanup.policy`.
    public var cleanupPolicy: CleanupPolicy?
    /// `segment.bytes`.
    public var segmentBytes: Int?
    /// `segment.ms`.
    public var segmentMs: Int64?
    /// `retention.ms`.
    public var retentionMs: Int64?
    /// `retention.bytes`.
    public var retentionBytes: Int64?
    /// `flush.messages`.
    public var flushMessages: Int64?
    /// `flush.ms`.
    public var flushMs: Int64?
    /// `index.interval.bytes`.
    public var indexIntervalBytes: Int?
    /// `segment.index.bytes`.
    public var segmentIndexBytes: Int?
    /// `max.message.bytes`.
    public var maxMessageBytes: Int?
    /// `message.timestamp.type`: true for LogAppendTime.
    public var logAppendTime: Bool?

    /// A topic with no overrides.
    public init() {}

    /// A topic with `overrides` (a nil value resets a property to its default, so it is left out); throws
    /// `ConfigError` naming the first unknown property or bad value.
    public init(overrides: [String: String?]) throws {
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let value else { continue }
            guard let property = TopicConfig.registry[name] else {
                throw ConfigError(key: name, reason: "Unknown topic config name: \(name)")
            }
            try property.apply(value, to: &self)
            self.overrides[name] = value
        }
    }

    /// This config with `changes` applied, as AlterConfigs changes a topic: a value sets an override, nil removes
    /// it (the property falls back to the broker's value). Throws `ConfigError` naming an unknown property or a
    /// bad value, leaving nothing half-applied.
    public func applying(_ changes: [String: String?]) throws -> TopicConfig {
        var merged = overrides
        for (name, value) in changes {
            guard TopicConfig.registry.contains(name) else {
                throw ConfigError(key: name, reason: "Unknown topic config name: \(name)")
            }
            if let value { merged[name] = value } else { merged.removeValue(forKey: name) }
        }
        return try TopicConfig(overrides: merged.mapValues { Optional($0) })
    }

    /// Checks one override; the message becomes the INVALID_CONFIG error message (nil when it is valid).
    public static func validate(name: String, value: String?) -> String? {
        guard registry.contains(name) else { return "Unknown topic config name: \(name)" }
        guard let value else { return nil }  // null resets to the default
        do {
            try registry.validate(name: name, value: value, on: TopicConfig())
            return nil
        } catch let error as ConfigError {
            return "Invalid value \(value) for configuration \(name): \(error.reason)"
        } catch {
            return "Invalid value \(value) for configuration \(name): \(error)"
        }
    }

    /// The effective value of every topic property (in registry order), and whether it is an override.
    public func describe(broker: BrokerConfig) -> [(name: String, value: String?, isOverride: Bool)] {
        let brokerValues = Dictionary(broker.describedProperties().map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        return TopicConfig.registry.properties.map { p in
            if let v = overrides[p.name] { return (p.name, v, true) }
            if let from = p.defaultFrom, let value = brokerValues[from] { return (p.name, value, false) }
            return (p.name, p.defaultValue, false)
        }
    }

    /// The effective cleanup policy: this topic's, else the broker's `log.cleanup.policy`.
    public func cleanupPolicy(broker: BrokerConfig) -> CleanupPolicy { cleanupPolicy ?? broker.cleanupPolicy }

    /// The log settings of a topic: broker defaults with this topic's overrides applied. A log whose cleanup
    /// policy lacks `delete` keeps every record (there is no cleaner yet, and deleting by age would lose keys
    /// that compaction keeps).
    public func logConfig(broker: BrokerConfig) -> LogConfig {
        var c = broker.log
        if let v = segmentBytes { c.segmentBytes = v }
        if let v = segmentMs { c.segmentMs = v }
        if let v = retentionMs { c.retentionMs = v }
        if let v = retentionBytes { c.retentionBytes = v }
        if let v = flushMessages { c.flushIntervalMessages = v }
        if let v = flushMs { c.flushIntervalMs = v }
        if let v = indexIntervalBytes { c.indexIntervalBytes = v }
        if let v = segmentIndexBytes { c.segmentIndexBytes = v }
        if !cleanupPolicy(broker: broker).delete {
            c.retentionMs = -1
            c.retentionBytes = -1
        }
        return c
    }

    /// The largest batch this topic accepts.
    public func maxMessageBytes(broker: BrokerConfig) -> Int { maxMessageBytes ?? broker.messageMaxBytes }

    /// Whether the broker stamps batches with its own time.
    public func usesLogAppendTime(broker: BrokerConfig) -> Bool { logAppendTime ?? broker.logAppendTime }
}

/// The catalog keeps the overrides as text (`{"overrides": {...}}`, as before they were typed); reading it
/// types them again, and a value that no longer parses fails the load naming the property.
extension TopicConfig: Codable {
    private enum CodingKeys: String, CodingKey { case overrides }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode([String: String].self, forKey: .overrides)
        do {
            try self.init(overrides: text.mapValues { Optional($0) })
        } catch let error as ConfigError {
            throw DecodingError.dataCorruptedError(forKey: .overrides, in: container, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(overrides, forKey: .overrides)
    }
}
