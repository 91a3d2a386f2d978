import Atomics

/// A fixed-bucket latency histogram that many threads update without locks, rendered in
/// Prometheus's cumulative `_bucket` / `_sum` / `_count` form.
final class LatencyHistogram: Sendable {
    /// Upper bounds in seconds: 50 us to 10 s, roughly three per decade.
    static let boundsSeconds: [Double] = [
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]
    private let counts = (0...LatencyHistogram.boundsSeconds.count).map { _ in ManagedAtomic<Int64>(0) }
    private let sumNanos = ManagedAtomic<Int64>(0)

    func record(nanos: Int64) {
        let seconds = Double(nanos) / 1e9
        let index = LatencyHistogram.boundsSeconds.firstIndex { seconds <= $0 } ?? LatencyHistogram.boundsSeconds.count
        counts[index].wrappingIncrement(ordering: .relaxed)
        sumNanos.wrappingIncrement(by: nanos, ordering: .relaxed)
    }

    var count: Int64 { counts.reduce(0) { $0 + $1.load(ordering: .relaxed) } }

    /// The recorded durations added up, in seconds.
    var sumSeconds: Double { Double(sumNanos.load(ordering: .relaxed)) / 1e9 }

    /// Appends the series; `labels` is "" or comma-separated `key="value"` pairs without braces.
    func render(name: String, labels: String, into out: inout String) {
        let prefix = labels.isEmpty ? "" : labels + ","
        let suffix = labels.isEmpty ? "" : "{\(labels)}"
        var cumulative: Int64 = 0
        for (i, bound) in LatencyHistogram.boundsSeconds.enumerated() {
            cumulative += counts[i].load(ordering: .relaxed)
            out += "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(cumulative)\n"
        }
        cumulative += counts[LatencyHistogram.boundsSeconds.count].load(ordering: .relaxed)
        out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(cumulative)\n"
        out += "\(name)_sum\(suffix) \(sumSeconds)\n"
        out += "\(name)_count\(suffix) \(cumulative)\n"
    }
}
