/// Who sets the producer count in a replay: the autopilot, or a fixed count (the paper's baselines are fixed:1,
/// its "original", and fixed:3, its "sampling").
enum ReplayStrategy: Sendable, Equatable, CustomStringConvertible {
    case autopilot
    case fixed(Int)

    /// Reads `autopilot` or `fixed:K` (K in 1...64, the pool's member limit).
    init(parsing text: String) throws {
        if text == "autopilot" { self = .autopilot; return }
        guard text.hasPrefix("fixed:"), let k = Int(text.dropFirst("fixed:".count)), (1...64).contains(k) else {
            throw PerfError("--strategy '\(text)' is neither 'autopilot' nor 'fixed:K' with K in 1...64")
        }
        self = .fixed(k)
    }

    var description: String {
        switch self {
        case .autopilot: "autopilot"
        case .fixed(let k): "fixed:\(k)"
        }
    }
}
