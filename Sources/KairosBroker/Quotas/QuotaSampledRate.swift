/// A rate measured as Kafka's quota sensors measure it: values fall into up to `windows` samples of
/// `windowMs` each (`quota.window.num`, `quota.window.size.seconds`); a sample older than all the windows
/// together is forgotten; the rate is the samples' total over the time they span, counted as at least
/// `windows - 1` whole windows so that a client's first second cannot read as an enormous rate.
struct QuotaSampledRate: Sendable {
    private struct Sample: Sendable {
        var startMs: Int64
        var value: Double
    }

    /// Length of one sample window in ms.
    let windowMs: Int64
    /// How many windows are kept.
    let windows: Int
    private var samples: [Sample] = []

    /// An empty rate with the given windows (both at least 1).
    init(windowMs: Int64, windows: Int) {
        self.windowMs = max(windowMs, 1)
        self.windows = max(windows, 1)
    }

    /// Adds `value` at `nowMs`.
    mutating func record(_ value: Double, nowMs: Int64) {
        purge(nowMs: nowMs)
        if let last = samples.last, nowMs < last.startMs + windowMs {
            samples[samples.count - 1].value += value
        } else {
            samples.append(Sample(startMs: nowMs, value: value))
            if samples.count > windows { samples.removeFirst(samples.count - windows) }
        }
    }

    /// The span in ms the rate at `nowMs` is measured over (what a throttle time is scaled by).
    func spanMs(nowMs: Int64) -> Int64 {
        let oldest = samples.first { nowMs - $0.startMs < Int64(windows) * windowMs }?.startMs ?? nowMs
        var elapsed = max(nowMs - oldest, 0)
        let full = elapsed / windowMs
        let least = Int64(windows - 1)
        if full < least { elapsed += (least - full) * windowMs }
        return max(elapsed, 1)
    }

    /// The total of the samples still kept at `nowMs`.
    func total(nowMs: Int64) -> Double {
        samples.reduce(0) { nowMs - $1.startMs < Int64(windows) * windowMs ? $0 + $1.value : $0 }
    }

    /// Value per second at `nowMs`.
    func ratePerSecond(nowMs: Int64) -> Double {
        total(nowMs: nowMs) * 1_000 / Double(spanMs(nowMs: nowMs))
    }

    /// How long in ms the client must wait at `nowMs` until its measured rate is back within `bound`; 0 when it is
    /// within already. Kafka approximates this as (rate - bound) / bound × span, which assumes the span grows while
    /// the client waits; it does not while it is counted as the minimum of `windows - 1` windows, and there a
    /// client that waits out each throttle time is let through at the bound on top of its first burst. So the wait
    /// is computed from the samples themselves: the first time at which the samples still alive, over the span
    /// they will then have, are within the bound (a sample's expiry may come first). Capped at the span of all
    /// the windows.
    func throttleMs(bound: Double, nowMs: Int64) -> Int64 {
        guard bound > 0, ratePerSecond(nowMs: nowMs) > bound else { return 0 }
        let expiry = Int64(windows) * windowMs
        let minimumSpan = Int64(windows - 1) * windowMs
        let alive = samples.filter { nowMs - $0.startMs < expiry }
        var remaining = alive.reduce(0) { $0 + $1.value }
        var from = nowMs
        for sample in alive {
            // While `sample` is the oldest alive, the rate at time t is remaining / max(t - start, minimumSpan).
            let needed = remaining * 1_000 / bound
            let at = Double(needed) <= Double(minimumSpan) ? from : max(from, sample.startMs + Int64(needed.rounded(.up)))
            if at < sample.startMs + expiry { return min(at - nowMs, expiry) }
            remaining -= sample.value
            from = sample.startMs + expiry
        }
        return min(from - nowMs, expiry)
    }

    private mutating func purge(nowMs: Int64) {
        let expiry = Int64(windows) * windowMs
        samples.removeAll { nowMs - $0.startMs >= expiry }
    }
}
