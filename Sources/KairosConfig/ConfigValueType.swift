/// The value types of Kafka's config definitions, numbered as DescribeConfigs (v3+) reports them.
public enum ConfigValueType: Int8, Sendable, CaseIterable {
    case boolean = 1
    case string = 2
    case int = 3
    case short = 4
    case long = 5
    case double = 6
    case list = 7
    case `class` = 8
    case password = 9

    /// The lower-case name Kafka's docs give the type.
    public var name: String {
        switch self {
        case .boolean: return "boolean"
        case .string: return "string"
        case .int: return "int"
        case .short: return "short"
        case .long: return "long"
        case .double: return "double"
        case .list: return "list"
        case .class: return "class"
        case .password: return "password"
        }
    }
}

/// Whether Kairos does what a property says, or accepts it (so configs written for Kafka load) without acting on it.
public enum ConfigPropertyKind: Sendable, Equatable {
    /// Kairos reads the value and behaves as Kafka does.
    case actedOn
    /// Kairos checks the value and keeps it (DescribeConfigs reports it) but does not act on it; the reason
    /// says why (one broker, no replication, a feature not built yet).
    case acceptedIgnored(reason: String)

    /// True for `.acceptedIgnored`.
    public var isIgnored: Bool {
        if case .acceptedIgnored = self { return true }
        return false
    }
}

/// The time unit a property's name ends in; values are converted to milliseconds.
public enum ConfigTimeUnit: Sendable {
    case milliseconds
    case seconds
    case minutes
    case hours

    /// Milliseconds in one of this unit.
    public var milliseconds: Int64 {
        switch self {
        case .milliseconds: return 1
        case .seconds: return 1_000
        case .minutes: return 60_000
        case .hours: return 3_600_000
        }
    }
}
