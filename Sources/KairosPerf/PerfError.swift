/// A failed perf run or a bad perf argument: printed by the CLI as "Error: message" with exit code 1.
public struct PerfError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// An error whose whole text is `message`.
    public init(_ message: String) { description = message }
}
