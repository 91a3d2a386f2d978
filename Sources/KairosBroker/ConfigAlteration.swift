import KafkaProtocol
import KairosConfig

/// What one resource of an AlterConfigs or IncrementalAlterConfigs request asks for.
enum ConfigAlteration: Sendable {
    /// AlterConfigs: these become the resource's whole set of configs; any not named returns to its default.
    case replace([(name: String, value: String?)])
    /// IncrementalAlterConfigs: each operation changes one config; the others stay as they are.
    case incremental([(name: String, operation: Int8, value: String?)])
}

/// IncrementalAlterConfigs operations, as Kafka numbers them.
enum ConfigOperation {
    static let set: Int8 = 0
    static let delete: Int8 = 1
    static let append: Int8 = 2
    static let subtract: Int8 = 3
}

/// Why a resource's change was refused: the error code and message of its entry in the response.
struct ConfigAlterationError: Error {
    var code: ErrorCode
    var message: String
}

/// Kafka's resource types in config requests.
enum ConfigResourceType {
    static let topic: Int8 = 2
    static let broker: Int8 = 4
}

extension Broker {
    /// One request's changes, one per resource, in order: a resource named twice in the request is refused
    /// (INVALID_REQUEST) and not changed, as Kafka does; every other one goes through `alterConfigs` below.
    func alterConfigs(
        _ changes: [(type: Int8, name: String, alteration: ConfigAlteration)], validateOnly: Bool
    ) -> [ConfigAlterationError?] {
        let duplicated = ConfigResourceKey.duplicated(changes.map { ConfigResourceKey(type: $0.type, name: $0.name) })
        return changes.map { change in
            if duplicated.contains(ConfigResourceKey(type: change.type, name: change.name)) {
                return ConfigAlterationError(code: .invalidRequest, message: "Duplicate resource in the request")
            }
            return alterConfigs(resourceType: change.type, resourceName: change.name, change.alteration, validateOnly: validateOnly)
        }
    }

    /// Checks, and unless `validateOnly` applies, one resource's config change: topics through `TopicConfig`
    /// (stored in the catalog, pushed to the open logs), this broker or the cluster default through the broker
    /// registry, where only dynamic properties may change (stored as dynamic broker configs, then every log gets
    /// the settings they make). Returns nil on success, else the error for this resource.
    func alterConfigs(
        resourceType: Int8, resourceName: String, _ alteration: ConfigAlteration, validateOnly: Bool
    ) -> ConfigAlterationError? {
        do {
            switch resourceType {
            case ConfigResourceType.topic:
                try alterTopicConfigs(resourceName, alteration, validateOnly: validateOnly)
            case ConfigResourceType.broker:
                try alterBrokerConfigs(resourceName, alteration, validateOnly: validateOnly)
            default:
                throw ConfigAlterationError(code: .invalidRequest, message: "Unsupported resource type \(resourceType)")
            }
            return nil
        } catch let error as ConfigAlterationError {
            return error
        } catch let error as TopicError {
            return ConfigAlterationError(code: error.code, message: error.message)
        } catch {
            return ConfigAlterationError(code: .unknownServerError, message: "\(error)")
        }
    }

    private func alterTopicConfigs(_ name: String, _ alteration: ConfigAlteration, validateOnly: Bool) throws {
        guard topics.topic(name) != nil else {
            throw ConfigAlterationError(code: .unknownTopicOrPartition, message: "Topic \(name) does not exist")
        }
        let broker = config
        try topics.alterConfig(name: name) { current in
            let effective = Dictionary(current.describe(broker: broker).map { ($0.name, $0.value) }) { a, _ in a }
            let overrides = try Self.altered(
                current.overrides, by: alteration, scope: "topic",
                property: { TopicConfig.registry[$0].map { ($0.type, true) } }, effective: { effective[$0] ?? nil })
            let newConfig: TopicConfig
            do { newConfig = try TopicConfig(overrides: overrides.mapValues { Optional($0) }) } catch let error as ConfigError {
                throw ConfigAlterationError(code: .invalidConfig, message: Self.describe(error))
            }
            return validateOnly ? nil : newConfig
        }
    }

    private func alterBrokerConfigs(_ name: String, _ alteration: ConfigAlteration, validateOnly: Bool) throws {
        guard name.isEmpty || name == dynamicConfig.nodeResource else {
            throw ConfigAlterationError(
                code: .invalidRequest, message: "Unexpected broker id, expected \(config.nodeId) but received \(name)")
        }
        try configChangeLock.withLock {
            var dynamic = dynamicConfig.dynamic
            let described = Dictionary(config.describedProperties().map { ($0.name, $0.value) }) { a, _ in a }
            let current = dynamic[name] ?? [:]
            let next = try Self.altered(
                current, by: alteration, scope: "broker",
                property: { BrokerConfig.registry[$0].map { ($0.type, $0.isDynamic) } }, effective: { described[$0] ?? nil })
            dynamic[name] = next
            let effective: BrokerConfig
            do { effective = try DynamicBrokerConfig.effective(base: dynamicConfig.base, dynamic: dynamic) } catch let error as ConfigError {
                throw ConfigAlterationError(code: .invalidConfig, message: Self.describe(error))
            }
            if validateOnly { return }
            do { try metadata.update { $0.dynamicBrokerConfigs[name] = next } } catch {
                throw ConfigAlterationError(code: .kafkaStorageError, message: "cannot save the broker configs: \(error)")
            }
            dynamicConfig.replace(dynamic: dynamic, effective: effective)
            topics.refreshLogConfigs()
            logger.info("altered broker config", metadata: ["resource": "\(name.isEmpty ? "cluster default" : name)",
                                                            "configs": "\(next)"])
        }
    }

    /// `current` (a resource's set configs, as text) after `alteration`. `property` gives a name's type and
    /// whether it may change live (nil for an unknown name); `effective` its value in force, which APPEND and
    /// SUBTRACT start from when it is not set here. Throws Kafka's errors: INVALID_REQUEST for a malformed
    /// request (a name twice, a null value to set, an unknown operation), INVALID_CONFIG for a name the scope does
    /// not have, one that cannot change live, or a list operation on a value that is not a list.
    static func altered(
        _ current: [String: String], by alteration: ConfigAlteration, scope: String,
        property: (String) -> (type: ConfigValueType, isDynamic: Bool)?, effective: (String) -> String?
    ) throws -> [String: String] {
        var next: [String: String]
        var touched: [String] = []
        switch alteration {
        case .replace(let entries):
            next = [:]
            for (name, value) in entries {
                guard next[name] == nil else {
                    throw ConfigAlterationError(code: .invalidRequest, message: "Error due to duplicate config keys: \(name)")
                }
                guard let value else {
                    throw ConfigAlterationError(code: .invalidRequest, message: "Null value not supported for : \(name)")
                }
                next[name] = value
            }
            // Every name set now or before changes (a name left out returns to its default).
            touched = Array(Set(next.keys).union(current.keys.filter { next[$0] != current[$0] }))
        case .incremental(let operations):
            next = current
            var seen = Set<String>()
            for (name, operation, value) in operations {
                guard seen.insert(name).inserted else {
                    throw ConfigAlterationError(code: .invalidRequest, message: "Error due to duplicate config keys: \(name)")
                }
                touched.append(name)
                guard let (type, _) = property(name) else { continue }  // reported below with the other unknown names
                switch operation {
                case ConfigOperation.set:
                    guard let value else {
                        throw ConfigAlterationError(code: .invalidRequest, message: "Null value not supported for : \(name)")
                    }
                    next[name] = value
                case ConfigOperation.delete:
                    next.removeValue(forKey: name)
                case ConfigOperation.append, ConfigOperation.subtract:
                    let verb = operation == ConfigOperation.append ? "append" : "subtract"
                    guard type == .list else {
                        throw ConfigAlterationError(
                            code: .invalidConfig, message: "Config value \(verb) is not allowed for config key: \(name)")
                    }
                    let items = Self.listItems(next[name] ?? effective(name))
                    let given = Self.listItems(value)
                    let result = operation == ConfigOperation.append
                        ? items + given.filter { !items.contains($0) }
                        : items.filter { !given.contains($0) }
                    next[name] = result.joined(separator: ",")
                default:
                    throw ConfigAlterationError(code: .invalidRequest, message: "Unknown config operation \(operation) for \(name)")
                }
            }
        }
        let unknown = touched.filter { property($0) == nil }.sorted()
        if !unknown.isEmpty {
            throw ConfigAlterationError(
                code: .invalidConfig, message: "Unknown \(scope) config name: \(unknown.joined(separator: ", "))")
        }
        let fixed = touched.filter { property($0)?.isDynamic == false }.sorted()
        if !fixed.isEmpty {
            throw ConfigAlterationError(
                code: .invalidConfig,
                message: "Cannot update these configs dynamically: \(fixed.joined(separator: ", ")) (change them in the properties file and restart)")
        }
        return next
    }

    /// The items of a list value ("a,b" or Kafka's bracketed "[a,b]"), trimmed, empty ones dropped.
    static func listItems(_ text: String?) -> [String] {
        guard var text = text?.trimmingConfigSpaces(), !text.isEmpty else { return [] }
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        return text.split(separator: ",").map { String($0).trimmingConfigSpaces() }.filter { !$0.isEmpty }
    }

    /// A refused value as Kafka words it.
    private static func describe(_ error: ConfigError) -> String {
        "Invalid value for configuration \(error.key): \(error.reason)"
    }
}

/// A config resource by type and name, to find the ones a request names twice.
struct ConfigResourceKey: Hashable {
    var type: Int8
    var name: String

    /// The keys that occur more than once in `keys`.
    static func duplicated(_ keys: [ConfigResourceKey]) -> Set<ConfigResourceKey> {
        var seen = Set<ConfigResourceKey>()
        var twice = Set<ConfigResourceKey>()
        for key in keys where !seen.insert(key).inserted { twice.insert(key) }
        return twice
    }
}
