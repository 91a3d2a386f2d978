/// A property that cannot be used: a value that does not parse, or one outside its valid range.
///
/// Every parser in this module throws it with the property's name, so a start that stops on a bad
/// value says which property to fix.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The property's name.
    public var key: String
    /// What is wrong with it.
    public var reason: String

    /// Makes an error for `key`.
    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "invalid value for \(key): \(reason)" }
}

/// Why a text is not a valid value, before it is known which property it was given to.
///
/// Parsers throw this; the registry turns it into a `ConfigError` naming the property.
public struct InvalidConfigValue: Error, Equatable, Sendable {
    /// What is wrong with the text.
    public var reason: String

    /// Makes one.
    public init(_ reason: String) { self.reason = reason }
}
