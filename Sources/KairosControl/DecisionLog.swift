import Foundation

// JSON encoding of decisions, kept apart so the autopilot's code stays free of Foundation.

extension AutopilotDecision {
    /// The decision as one line of JSON (keys sorted, no trailing newline).
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads a decision back from one line of the log.
    public static func decode(jsonLine: String) throws -> AutopilotDecision {
        try JSONDecoder().decode(AutopilotDecision.self, from: Data(jsonLine.utf8))
    }
}
