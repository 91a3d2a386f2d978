/// A bad `autopilot.*` property: which one and why, so the start can stop with a message the
/// user can act on.
public struct AutopilotConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The full property name, such as `autopilot.producers.max`.
    public var property: String
    /// What is wrong with its value.
    public var reason: String

    /// An error about `property`.
    public init(property: String, reason: String) {
        self.property = property
        self.reason = reason
    }

    /// `autopilot.producers.max: 'x' is not an integer`.
    public var description: String { "\(property): \(reason)" }
}
