/// One measured configuration of a sweep: its settings and what it achieved.
struct PerfSweepResult: Codable, Sendable, Equatable {
    /// The producer properties and partition count of this point, as `key=value` text for display.
    var point: PerfSweepPoint
    var recordsPerSec: Double
    var mbPerSec: Double
    var p99Ms: Double
    var p50Ms: Double
    /// Records not delivered: failed, unacknowledged or never sent (a point with any is never recommended).
    var failedRecords: Int
}

/// The Pareto front and the recommendation of a sweep: pure functions over measured results.
enum PerfPareto {
    /// True when `a` is at least as good as `b` on both throughput (higher) and p99 (lower), and better on one.
    static func dominates(_ a: PerfSweepResult, _ b: PerfSweepResult) -> Bool {
        a.recordsPerSec >= b.recordsPerSec && a.p99Ms <= b.p99Ms && (a.recordsPerSec > b.recordsPerSec || a.p99Ms < b.p99Ms)
    }

    /// Indices of the results no other result dominates, in input order. Failed points are left out.
    static func front(_ results: [PerfSweepResult]) -> [Int] {
        results.indices.filter { i in
            results[i].failedRecords == 0
                && !results.indices.contains { j in j != i && results[j].failedRecords == 0 && dominates(results[j], results[i]) }
        }
    }

    /// The index of the highest-throughput result whose p99 is within `latencyBudgetMs` (ties: the lower p99,
    /// then the earlier one), or nil when none fits. Failed points are never picked. With a tolerance, every fitting
    /// result within `throughputTolerancePct` percent of that throughput counts as a tie, so measurement noise in
    /// throughput (as in a fixed-rate sweep, where every point reaches the rate) does not outweigh a lower p99.
    static func recommend(_ results: [PerfSweepResult], latencyBudgetMs: Double, throughputTolerancePct: Double = 0) -> Int? {
        precondition(throughputTolerancePct >= 0, "validated by the command")
        let fitting = results.indices.filter { results[$0].failedRecords == 0 && results[$0].p99Ms <= latencyBudgetMs }
        guard let bestRate = fitting.map({ results[$0].recordsPerSec }).max() else { return nil }
        let floor = bestRate * (1 - throughputTolerancePct / 100)
        let tied = throughputTolerancePct > 0 ? fitting.filter { results[$0].recordsPerSec >= floor }
                                              : fitting.filter { results[$0].recordsPerSec == bestRate }
        return tied.min { a, b in results[a].p99Ms != results[b].p99Ms ? results[a].p99Ms < results[b].p99Ms : a < b }
    }

    /// Result indices by throughput, highest first (ties: lower p99 first, then input order).
    static func sortedByThroughput(_ results: [PerfSweepResult]) -> [Int] {
        results.indices.sorted { i, j in
            let a = results[i], b = results[j]
            if a.recordsPerSec != b.recordsPerSec { return a.recordsPerSec > b.recordsPerSec }
            if a.p99Ms != b.p99Ms { return a.p99Ms < b.p99Ms }
            return i < j
        }
    }
}
