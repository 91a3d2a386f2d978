import KafkaProtocol

/// A resource whose configs can be described and changed: a topic, one broker, or the cluster-wide broker default.
public enum ConfigResource: Sendable, Hashable, CustomStringConvertible {
    /// A topic (Kafka resource type 2).
    case topic(String)
    /// One broker, by node id (resource type 4).
    case broker(Int32)
    /// The default of every broker in the cluster (resource type 4 with an empty name).
    case brokerDefault

    /// Kafka's resource type number.
    public var resourceType: Int8 {
        if case .topic = self { return 2 }
        return 4
    }

    /// The resource name on the wire.
    public var resourceName: String {
        switch self {
        case .topic(let name): return name
        case .broker(let id): return String(id)
        case .brokerDefault: return ""
        }
    }

    /// How kafka-configs.sh names it ("topic orders", "broker 1", "default broker").
    public var description: String {
        switch self {
        case .topic(let name): return "topic \(name)"
        case .broker(let id): return "broker \(id)"
        case .brokerDefault: return "default broker"
        }
    }
}

/// One change of an IncrementalAlterConfigs request.
public enum ConfigChange: Sendable, Hashable {
    /// Sets `name` to `value`.
    case set(String, String)
    /// Removes the value set for `name`, so it returns to its default.
    case delete(String)
    /// Adds items to a list config.
    case append(String, String)
    /// Removes items from a list config.
    case subtract(String, String)

    /// The config the change is about.
    public var name: String {
        switch self {
        case .set(let n, _), .delete(let n), .append(let n, _), .subtract(let n, _): return n
        }
    }

    fileprivate var wire: IncrementalAlterConfigsRequest.AlterableConfig {
        switch self {
        case .set(let n, let v): return .init(name: n, configOperation: 0, value: v)
        case .delete(let n): return .init(name: n, configOperation: 1, value: nil)
        case .append(let n, let v): return .init(name: n, configOperation: 2, value: v)
        case .subtract(let n, let v): return .init(name: n, configOperation: 3, value: v)
        }
    }
}

/// Where a config's value comes from, as DescribeConfigs reports it.
public enum ConfigEntrySource: Int8, Sendable, Hashable, CustomStringConvertible {
    case unknown = 0
    case dynamicTopic = 1
    case dynamicBroker = 2
    case dynamicDefaultBroker = 3
    case staticBroker = 4
    case defaultConfig = 5
    case dynamicBrokerLogger = 6

    /// Kafka's name, as kafka-configs.sh prints it.
    public var description: String {
        switch self {
        case .unknown: return "UNKNOWN"
        case .dynamicTopic: return "DYNAMIC_TOPIC_CONFIG"
        case .dynamicBroker: return "DYNAMIC_BROKER_CONFIG"
        case .dynamicDefaultBroker: return "DYNAMIC_DEFAULT_BROKER_CONFIG"
        case .staticBroker: return "STATIC_BROKER_CONFIG"
        case .defaultConfig: return "DEFAULT_CONFIG"
        case .dynamicBrokerLogger: return "DYNAMIC_BROKER_LOGGER_CONFIG"
        }
    }
}

/// One config as DescribeConfigs reports it, with its source and the values behind it.
public struct DescribedConfigEntry: Sendable, Hashable {
    /// The property name.
    public var name: String
    /// The value in force; nil when sensitive or unset.
    public var value: String?
    /// Where the value comes from.
    public var source: ConfigEntrySource
    /// True when it cannot be changed while the broker runs.
    public var isReadOnly: Bool
    /// True for passwords and the like.
    public var isSensitive: Bool
    /// Every level that holds a value, highest first (`name=value` with its source), when asked for.
    public var synonyms: [(name: String, value: String?, source: ConfigEntrySource)]

    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.value == b.value && a.source == b.source && a.isReadOnly == b.isReadOnly
            && a.isSensitive == b.isSensitive && a.synonyms.map { "\($0)" } == b.synonyms.map { "\($0)" }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(value)
    }
}

extension KafkaAdmin {
    /// Every config of `resource` with its source (and, with `synonyms`, the values behind it), sorted by name.
    /// Throws the resource's error (UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST, ...).
    public func describeConfigs(_ resource: ConfigResource, synonyms: Bool = false) async throws -> [DescribedConfigEntry] {
        let result = try await cluster.withRetries("DescribeConfigs") {
            let connection = try await self.connection(for: resource)
            let request = DescribeConfigsRequest(
                resources: [.init(resourceType: resource.resourceType, resourceName: resource.resourceName, configurationKeys: nil)],
                includeSynonyms: synonyms)
            let response = try await connection.send(request)
            guard let result = response.results.first else {
                throw KafkaClientError.protocolViolation("DescribeConfigs answered no resource")
            }
            return result
        }
        // The resource's own error is an answer, not a failure to retry (an unknown topic stays unknown).
        if result.errorCode != 0 { throw KafkaClientError.broker(ErrorCode(result.errorCode), message: result.errorMessage) }
        return result.configs.map { c in
            DescribedConfigEntry(
                name: c.name, value: c.value, source: ConfigEntrySource(rawValue: c.configSource) ?? .unknown,
                isReadOnly: c.readOnly, isSensitive: c.isSensitive,
                synonyms: c.synonyms.map { ($0.name, $0.value, ConfigEntrySource(rawValue: $0.source) ?? .unknown) })
        }.sorted { $0.name < $1.name }
    }

    /// Applies `changes` to `resource` with IncrementalAlterConfigs (or only checks them, with `validateOnly`);
    /// throws the broker's error for the resource (INVALID_CONFIG naming the property, ...), in which case nothing
    /// changed.
    public func incrementalAlterConfigs(_ resource: ConfigResource, _ changes: [ConfigChange], validateOnly: Bool = false) async throws {
        let result = try await cluster.withRetries("IncrementalAlterConfigs") {
            let connection = try await self.connection(for: resource)
            let request = IncrementalAlterConfigsRequest(
                resources: [.init(resourceType: resource.resourceType, resourceName: resource.resourceName,
                                  configs: changes.map(\.wire))],
                validateOnly: validateOnly)
            let response = try await connection.send(request)
            guard let result = response.responses.first else {
                throw KafkaClientError.protocolViolation("IncrementalAlterConfigs answered no resource")
            }
            return result
        }
        if result.errorCode != 0 { throw KafkaClientError.broker(ErrorCode(result.errorCode), message: result.errorMessage) }
    }

    /// The broker that answers for `resource`: the broker itself for its own configs (found in fresh metadata, so
    /// that a client that has not asked for any yet knows its address), any broker otherwise.
    private func connection(for resource: ConfigResource) async throws -> BrokerConnection {
        if case .broker(let id) = resource {
            if cluster.cachedMetadata.brokers[id] == nil { _ = try await cluster.refreshMetadata(topics: []) }
            guard cluster.cachedMetadata.brokers[id] != nil else {
                throw KafkaClientError.invalidArgument("there is no broker \(id) in the cluster")
            }
            return try await cluster.connection(to: id)
        }
        return try await cluster.anyConnection()
    }
}
