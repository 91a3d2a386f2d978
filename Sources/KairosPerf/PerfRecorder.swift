import NIOConcurrencyHelpers

/// Collects delivery outcomes from the producer's sender threads: the whole run's latency histogram and the
/// current reporting window, as kafka-producer-perf-test keeps them.
final class PerfRecorder: Sendable {
    /// What happened since the last progress line.
    struct Window: Sendable {
        var records = 0
        var bytes = 0
        var latencySumNanos: UInt64 = 0
        var latencyMaxNanos: UInt64 = 0
    }

    private struct State {
        var histogram = PerfLatencyHistogram()
        var acked = 0
        var failed = 0
        var ackedBytes = 0
        var firstError: String?
        var window = Window()
        var windowStartNanos: UInt64
    }

    private let state: NIOLockedValueBox<State>

    /// A recorder whose first window starts at `startNanos`.
    init(startNanos: UInt64) { state = NIOLockedValueBox(State(windowStartNanos: startNanos)) }

    /// One record acknowledged `latencyNanos` after it was due.
    func recordSuccess(latencyNanos: UInt64, bytes: Int) {
        state.withLockedValue { s in
            s.histogram.record(nanos: latencyNanos)
            s.acked += 1
            s.ackedBytes += bytes
            s.window.records += 1
            s.window.bytes += bytes
            s.window.latencySumNanos &+= latencyNanos
            s.window.latencyMaxNanos = max(s.window.latencyMaxNanos, latencyNanos)
        }
    }

    /// One record that failed; the first error is kept for the report.
    func recordFailure(_ error: String) {
        state.withLockedValue { s in
            s.failed += 1
            if s.firstError == nil { s.firstError = error }
        }
    }

    /// The window so far and its length in nanoseconds; a new window starts at `nowNanos`.
    func takeWindow(nowNanos: UInt64) -> (window: Window, nanos: UInt64) {
        state.withLockedValue { s in
            let taken = (s.window, nowNanos &- s.windowStartNanos)
            s.window = Window()
            s.windowStartNanos = nowNanos
            return taken
        }
    }

    /// The run's totals.
    func totals() -> (histogram: PerfLatencyHistogram, acked: Int, ackedBytes: Int, failed: Int, firstError: String?) {
        state.withLockedValue { ($0.histogram, $0.acked, $0.ackedBytes, $0.failed, $0.firstError) }
    }

    /// The kafka-producer-perf-test progress line for a window.
    static func progressLine(_ window: Window, nanos: UInt64, verb: String = "sent") -> String {
        let seconds = max(Double(nanos) / 1e9, 1e-9)
        let rate = Double(window.records) / seconds
        let avgMs = window.records > 0 ? Double(window.latencySumNanos) / Double(window.records) / 1e6 : 0
        return "\(window.records) records \(verb), " + String(format: "%.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.",
                      rate, Double(window.bytes) / seconds / 1_048_576, avgMs, Double(window.latencyMaxNanos) / 1e6)
    }
}

/// Prints a recorder's window every `intervalMs` until cancelled.
func perfProgressTask(recorder: PerfRecorder, intervalMs: Int, output: PerfOutput, verb: String = "sent") -> Task<Void, Never>? {
    guard intervalMs > 0 else { return nil }
    return Task {
        while !Task.isCancelled {
            do { try await Task.sleep(nanoseconds: UInt64(intervalMs) * 1_000_000) } catch { return }
            let (window, nanos) = recorder.takeWindow(nowNanos: perfNowNanos())
            output.progress(PerfRecorder.progressLine(window, nanos: nanos, verb: verb))
        }
    }
}
