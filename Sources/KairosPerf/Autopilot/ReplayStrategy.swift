/// Who sets the producer count in a replay: the autopilot, a fixed count (the paper's baselines are fixed:1,
/// its "original", and fixed:3, its "sampling"), or `reactive`: after each interval, the k that interval's
/// observed volume needed (a KEDA-style scaler that follows the load one interval late).
enum ReplayStrategy: Sendable, Equatable, CustomStringConvertible {
    case autopilot
    case fixed(Int)
    case reactive

    /// Reads `autopilot` or `fixed:K` (K in 1...64, the pool's member limit).
    init(parsing text: String) throws {
        if text == "autopilot" { self = .autopilot; return }
        if text == "reactive" { self = .reactive; return }
        guard text.hasPrefix("fixed:"), let k = Int(text.dropFirst("fixed:".count)), (1...64).contains(k) else {
            throw PerfError("--strategy '\(text)' is not 'autopilot', 'reactive' or 'fixed:K' with K in 1...64")
        }
        self = .fixed(k)
    }

    var description: String {
        switch self {
        case .autopilot: "autopilot"
        case .fixed(let k): "fixed:\(k)"
        case .reactive: "reactive"
        }
    }
}
