/// Every property of one scope (broker, topic, producer, consumer), in the order they are applied.
///
/// Properties files, `--override`, DescribeConfigs and AlterConfigs all go through a registry, so a property
/// is parsed, checked, defaulted and documented in one place.
public struct ConfigRegistry<Config>: Sendable {
    /// The scope's name, as the reference prints it ("broker", "topic", "producer", "consumer").
    public let scope: String
    /// The entries, synonyms before the property they set.
    public let properties: [ConfigProperty<Config>]
    private let index: [String: Int]

    /// A registry of `properties`; names must be unique (a duplicate is a bug, so it stops the program).
    public init(scope: String, _ properties: [ConfigProperty<Config>]) {
        self.scope = scope
        self.properties = properties
        var index: [String: Int] = [:]
        for (i, p) in properties.enumerated() {
            precondition(index[p.name] == nil, "\(scope) registry lists \(p.name) twice")
            index[p.name] = i
        }
        self.index = index
    }

    /// The entry named `name`, if this scope has one.
    public subscript(name: String) -> ConfigProperty<Config>? {
        index[name].map { properties[$0] }
    }

    /// Whether `name` is a property of this scope (acted on or accepted).
    public func contains(_ name: String) -> Bool { index[name] != nil }

    /// Applies the given properties that belong to this scope to `config`, in registry order; throws the
    /// first `ConfigError` (naming the property). Keys the registry does not have are reported, not fatal.
    @discardableResult
    public func apply(_ given: [String: String], to config: inout Config) throws -> ConfigReadReport {
        for p in properties {
            guard let text = given[p.name] else { continue }
            try p.apply(text, to: &config)
        }
        return report(given)
    }

    /// Checks one value by applying it to `scratch`; throws `ConfigError` naming the property (an unknown
    /// name too, with the scope in the reason).
    public func validate(name: String, value: String, on scratch: Config) throws {
        guard let p = self[name] else { throw ConfigError(key: name, reason: "unknown \(scope) config name") }
        var copy = scratch
        try p.apply(value, to: &copy)
    }

    /// Which of `given`'s keys this registry does not know, and which it accepts without acting on.
    public func report(_ given: [String: String]) -> ConfigReadReport {
        var report = ConfigReadReport()
        for key in given.keys.sorted() {
            guard let p = self[key] else {
                report.unknownKeys.append(key)
                continue
            }
            if p.kind.isIgnored { report.ignoredKeys.append(key) }
        }
        return report
    }

    /// Every property with the value `config` holds (or the given text, or the default, for properties
    /// Kairos keeps no value of) and whether it was set: by its own name, a synonym, or the name it is a
    /// synonym of.
    public func describe(_ config: Config, given: [String: String]) -> [DescribedConfig] {
        properties.map { p in
            let value: String?
            if let current = p.currentValue(in: config) {
                value = current
            } else {
                value = given[p.name]?.trimmingConfigSpaces() ?? p.defaultValue
            }
            let isSet = given[p.name] != nil
                || properties.contains { $0.synonymOf == p.name && given[$0.name] != nil }
                || (p.synonymOf.map { given[$0] != nil } ?? false)
            return DescribedConfig(
                name: p.name, value: value, isSet: isSet, type: p.type, isDynamic: p.isDynamic, kind: p.kind,
                defaultFrom: p.defaultFrom)
        }
    }

    /// This registry's entries for a configuration that holds `Config` at `path`.
    public func lifted<Outer>(_ path: WritableKeyPath<Outer, Config> & Sendable) -> [ConfigProperty<Outer>] {
        properties.map { $0.lifted(path) }
    }
}

/// What reading a set of properties found besides the values: keys no registry knows (logged and ignored,
/// as Kafka does) and keys accepted without being acted on (logged once at start).
public struct ConfigReadReport: Sendable, Equatable {
    /// Keys no entry has, sorted.
    public var unknownKeys: [String] = []
    /// Keys of `.acceptedIgnored` entries that were given, sorted.
    public var ignoredKeys: [String] = []

    /// An empty report.
    public init() {}
}

/// One property as DescribeConfigs reports it.
public struct DescribedConfig: Sendable, Equatable {
    /// The property's name.
    public var name: String
    /// Its value as text; nil where it has none (Kafka's null).
    public var value: String?
    /// Whether it was given (rather than left at its default).
    public var isSet: Bool
    /// Kafka's value type.
    public var type: ConfigValueType
    /// Whether it can change live.
    public var isDynamic: Bool
    /// Acted on or accepted-and-ignored.
    public var kind: ConfigPropertyKind
    /// For a topic property, the broker property that supplies its default.
    public var defaultFrom: String?
}
