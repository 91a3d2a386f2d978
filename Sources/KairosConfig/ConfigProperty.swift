/// One entry of a property registry: a Kafka property name, the typed setting it writes, how its text is
/// parsed and checked, its default, whether it can change live, and a one-line doc.
///
/// Entries are made with the factories below (`.value`, `.optional`, `.synonym`, `.ignored`); the registry
/// applies them to a configuration value and describes them back for DescribeConfigs and the docs.
public struct ConfigProperty<Config>: Sendable {
    /// Kafka's name of the property.
    public let name: String
    /// Acted on, or accepted and ignored (with the reason).
    public let kind: ConfigPropertyKind
    /// Kafka's value type.
    public let type: ConfigValueType
    /// The valid values as Kafka's docs write them (empty when any text is valid).
    public let validValues: String
    /// The default as text; nil where Kafka's default is null (no value).
    public let defaultValue: String?
    /// Whether Kafka lets this property change while the broker runs (its dynamic configs); AlterConfigs may
    /// change only these.
    public let isDynamic: Bool
    /// One line saying what the property does in Kairos.
    public let doc: String
    /// The property this one is another way to set (`log.retention.hours` sets `log.retention.ms`); a synonym is
    /// listed before its main property so that the main one wins when both are given.
    public let synonymOf: String?
    /// For a topic property: the broker property whose value is its default (`retention.ms` <- `log.retention.ms`).
    public let defaultFrom: String?

    private let applyText: @Sendable (inout Config, String) throws -> Void
    private let readValue: (@Sendable (Config) -> String?)?

    /// Checks `text` and writes its typed value into `config`; throws `ConfigError` naming this property.
    public func apply(_ text: String, to config: inout Config) throws {
        do {
            try applyText(&config, text)
        } catch let error as InvalidConfigValue {
            throw ConfigError(key: name, reason: error.reason)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(key: name, reason: "\(error)")
        }
    }

    /// The value `config` holds for this property as text, or nil when Kairos keeps no typed value for it
    /// (an ignored property or a synonym: then the given text or the default is what is reported).
    public func currentValue(in config: Config) -> String?? {
        readValue.map { $0(config) }
    }

    /// An entry from all its parts; the factories below cover the usual shapes.
    public init(
        name: String, kind: ConfigPropertyKind, type: ConfigValueType, validValues: String, defaultValue: String?,
        isDynamic: Bool, doc: String, synonymOf: String? = nil, defaultFrom: String? = nil,
        apply: @escaping @Sendable (inout Config, String) throws -> Void, read: (@Sendable (Config) -> String?)?
    ) {
        self.name = name
        self.kind = kind
        self.type = type
        self.validValues = validValues
        self.defaultValue = defaultValue
        self.isDynamic = isDynamic
        self.doc = doc
        self.synonymOf = synonymOf
        self.defaultFrom = defaultFrom
        self.applyText = apply
        self.readValue = read
    }

    /// A property Kairos acts on, stored at `keyPath`.
    public static func value<V: Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<Config, V> & Sendable, _ format: ConfigValueFormat<V>, default value: V,
        dynamic: Bool = false, defaultFrom: String? = nil, doc: String
    ) -> Self {
        Self(
            name: name, kind: .actedOn, type: format.type, validValues: format.validValues, defaultValue: format.format(value),
            isDynamic: dynamic, doc: doc, defaultFrom: defaultFrom,
            apply: { config, text in config[keyPath: keyPath] = try format.parse(text) },
            read: { format.format($0[keyPath: keyPath]) })
    }

    /// A property Kairos acts on whose setting may be absent (no default, or a topic override not given).
    public static func optional<V: Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<Config, V?> & Sendable, _ format: ConfigValueFormat<V>, default value: V?,
        dynamic: Bool = false, defaultFrom: String? = nil, doc: String
    ) -> Self {
        Self(
            name: name, kind: .actedOn, type: format.type, validValues: format.validValues, defaultValue: value.map(format.format),
            isDynamic: dynamic, doc: doc, defaultFrom: defaultFrom,
            apply: { config, text in config[keyPath: keyPath] = try format.parse(text) },
            read: { $0[keyPath: keyPath].map(format.format) })
    }

    /// Another name for `main`, applied with `set` (a unit conversion, a first-of-a-list); listed before `main`
    /// so `main` wins when both are given. It has no value of its own to report.
    public static func synonym<V: Sendable>(
        _ name: String, of main: String, _ format: ConfigValueFormat<V>, default value: V?, dynamic: Bool = false,
        doc: String, set: @escaping @Sendable (inout Config, V) -> Void
    ) -> Self {
        Self(
            name: name, kind: .actedOn, type: format.type, validValues: format.validValues, defaultValue: value.map(format.format),
            isDynamic: dynamic, doc: doc, synonymOf: main,
            apply: { config, text in set(&config, try format.parse(text)) },
            read: nil)
    }

    /// A property Kairos acts on through a custom setter and reader (values spread over several fields).
    public static func custom<V: Sendable>(
        _ name: String, _ format: ConfigValueFormat<V>, default value: V?, dynamic: Bool = false, defaultFrom: String? = nil,
        doc: String, set: @escaping @Sendable (inout Config, V) -> Void, get: @escaping @Sendable (Config) -> V?
    ) -> Self {
        Self(
            name: name, kind: .actedOn, type: format.type, validValues: format.validValues, defaultValue: value.map(format.format),
            isDynamic: dynamic, doc: doc, defaultFrom: defaultFrom,
            apply: { config, text in set(&config, try format.parse(text)) },
            read: { get($0).map(format.format) })
    }

    /// A property Kafka has that Kairos accepts (its value is checked with `format`) but does not act on.
    public static func ignored<V: Sendable>(
        _ name: String, _ format: ConfigValueFormat<V>, default value: V?, dynamic: Bool = false, defaultFrom: String? = nil,
        because reason: String, doc: String
    ) -> Self {
        Self(
            name: name, kind: .acceptedIgnored(reason: reason), type: format.type, validValues: format.validValues,
            defaultValue: value.map(format.format), isDynamic: dynamic, doc: doc, defaultFrom: defaultFrom,
            apply: { _, text in _ = try format.parse(text) },
            read: nil)
    }

    /// This entry for a configuration that holds `Config` at `path` (the server's config holds the broker's).
    public func lifted<Outer>(_ path: WritableKeyPath<Outer, Config> & Sendable) -> ConfigProperty<Outer> {
        let applyText = self.applyText
        let readValue = self.readValue
        return ConfigProperty<Outer>(
            name: name, kind: kind, type: type, validValues: validValues, defaultValue: defaultValue, isDynamic: isDynamic,
            doc: doc, synonymOf: synonymOf, defaultFrom: defaultFrom,
            apply: { outer, text in try applyText(&outer[keyPath: path], text) },
            read: readValue.map { read -> @Sendable (Outer) -> String? in
                { (outer: Outer) -> String? in read(outer[keyPath: path]) }
            })
    }
}
