/// One of the paper's strategies as `kairos experiment run` runs it live: a topic of its own, a partition count,
/// and who sets the producer count k.
public enum ExperimentStrategy: String, Sendable, CaseIterable, Codable {
    /// Kafka as it comes: k = 1 over 20 partitions.
    case original
    /// k = 1 over 25 partitions with the overload-aware partitioner.
    case ipooa
    /// k = 3 fixed (this version does not yet sample producer configurations first).
    case sampling
    /// The forecast-driven k.
    case autopilot
    /// k from the last observed interval's volume, one interval late.
    case reactive

    /// Partitions of the strategy's topic.
    var partitions: Int32 { self == .ipooa ? 25 : 20 }

    /// Who sets k in the replay loop.
    var replayStrategy: ReplayStrategy {
        switch self {
        case .original, .ipooa: .fixed(1)
        case .sampling: .fixed(3)
        case .autopilot: .autopilot
        case .reactive: .reactive
        }
    }

    /// Producer properties the strategy adds to every pool member.
    var producerProperties: [String: String] { self == .ipooa ? ["partitioner": "ipooa"] : [:] }

    /// Reads a comma-separated list; the error names the unknown entry and the known ones.
    static func parseList(_ text: String) throws -> [ExperimentStrategy] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw PerfError("--strategies is empty") }
        var seen: [ExperimentStrategy] = []
        for name in names {
            guard let strategy = ExperimentStrategy(rawValue: name) else {
                throw PerfError("--strategies: unknown strategy '\(name)' (known: "
                                + allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            if !seen.contains(strategy) { seen.append(strategy) }
        }
        return seen
    }
}
