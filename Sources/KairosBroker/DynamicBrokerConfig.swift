import KairosConfig
import NIOConcurrencyHelpers

/// The broker's configuration as it stands: the configuration it was started with (its properties file) with the
/// broker configs changed live laid over it, as Kafka layers them: a config set for this broker wins over the
/// cluster-wide default set live, which wins over the properties file, which wins over the built-in default.
///
/// The dynamic configs are kept by resource name as the metadata store keeps them: `""` is the cluster default,
/// the node id (`"1"`) this broker. Every reader gets one consistent `BrokerConfig` value.
final class DynamicBrokerConfig: Sendable {
    /// The configuration the broker was started with.
    let base: BrokerConfig
    private let state: NIOLockedValueBox<(dynamic: [String: [String: String]], effective: BrokerConfig)>

    /// The base configuration with `dynamic` laid over it; throws `ConfigError` naming a stored value that the
    /// registry refuses (the broker then does not start, rather than run with a config other than the one set).
    init(base: BrokerConfig, dynamic: [String: [String: String]]) throws {
        self.base = base
        let effective = try DynamicBrokerConfig.effective(base: base, dynamic: dynamic)
        state = NIOLockedValueBox((dynamic, effective))
    }

    /// The configuration in force now.
    var current: BrokerConfig { state.withLockedValue { $0.effective } }

    /// The dynamic configs now, by resource name.
    var dynamic: [String: [String: String]] { state.withLockedValue { $0.dynamic } }

    /// The resource name of this broker's own dynamic configs.
    var nodeResource: String { String(base.nodeId) }

    /// Replaces the dynamic configs (already checked with `effective` and stored).
    func replace(dynamic: [String: [String: String]], effective: BrokerConfig) {
        state.withLockedValue { $0 = (dynamic, effective) }
    }

    /// `base` with the cluster default then this node's dynamic configs applied through the registry. The
    /// given properties become the merged text, so properties Kairos keeps no typed value of report the value
    /// set live. Throws `ConfigError` naming a refused property.
    static func effective(base: BrokerConfig, dynamic: [String: [String: String]]) throws -> BrokerConfig {
        var config = base
        var given = base.givenProperties
        for resource in ["", String(base.nodeId)] {
            guard let values = dynamic[resource], !values.isEmpty else { continue }
            try BrokerConfig.registry.apply(values, to: &config)
            given.merge(values) { _, live in live }
        }
        guard config.group.minSessionTimeoutMs <= config.group.maxSessionTimeoutMs else {
            throw ConfigError(key: "group.max.session.timeout.ms", reason: "below group.min.session.timeout.ms")
        }
        config.givenProperties = given
        return config
    }

    /// Where the value of broker property `name` comes from, as DescribeConfigs reports it, for the broker
    /// resource `resource` ("" is the cluster default, which does not see this node's own configs).
    func source(of name: String, resource: String) -> Int8 {
        let (dynamic, _) = state.withLockedValue { $0 }
        if !resource.isEmpty, dynamic[nodeResource]?[name] != nil { return ConfigSource.dynamicBroker }
        if dynamic[""]?[name] != nil { return ConfigSource.dynamicDefaultBroker }
        if isGivenStatically(name) { return ConfigSource.staticBroker }
        return ConfigSource.defaultConfig
    }

    /// Every level that holds a value of `name`, highest first, as DescribeConfigs synonyms list them.
    func levels(of name: String, resource: String) -> [(value: String?, source: Int8)] {
        let dynamic = self.dynamic
        var levels: [(String?, Int8)] = []
        if !resource.isEmpty, let v = dynamic[nodeResource]?[name] { levels.append((v, ConfigSource.dynamicBroker)) }
        if let v = dynamic[""]?[name] { levels.append((v, ConfigSource.dynamicDefaultBroker)) }
        if isGivenStatically(name) {
            let value = base.describedProperties().first { $0.name == name }?.value
            levels.append((value, ConfigSource.staticBroker))
        }
        levels.append((BrokerConfig.registry[name]?.defaultValue, ConfigSource.defaultConfig))
        return levels
    }

    /// Whether the properties file set `name` (by its own name or a synonym).
    private func isGivenStatically(_ name: String) -> Bool {
        base.givenProperties[name] != nil
            || BrokerConfig.registry.properties.contains { $0.synonymOf == name && base.givenProperties[$0.name] != nil }
    }
}
