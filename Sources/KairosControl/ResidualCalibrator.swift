/// The upper forecast at a service-level quantile, learned online from the autopilot's own recent
/// errors: for each forecast step it keeps the last `window` (actual, forecast) pairs and answers
/// `point + Q_q(actual − point)` or `point · Q_q(actual / point)`, whichever had the lower pinball
/// loss on that window (a ratio suits traffic whose errors grow with its level), as
/// `QuantileCalibration` does offline. A rolling window follows a drifting error distribution; a
/// calibration fitted once on held-out data would not.
///
/// Each step keeps its residuals and ratios sorted as they come and go, so a quantile is a lookup
/// and an answer costs O(window) arithmetic, with no sorting on the decision path.
public struct ResidualCalibrator: Sendable {
    /// The quantile level, such as 0.99.
    public let quantile: Double
    /// Pairs kept per step.
    public let window: Int
    private var steps_: [StepWindow]

    /// How an upper forecast was formed.
    public enum Mode: String, Sendable, Codable { case additive, multiplicative }

    /// An empty calibrator for steps `1...steps`.
    public init(quantile: Double, window: Int, steps: Int) {
        precondition(quantile > 0 && quantile < 1 && window >= 1 && steps >= 1)
        self.quantile = quantile
        self.window = window
        steps_ = (0..<steps).map { _ in StepWindow(capacity: window) }
    }

    /// Steps this calibrator keeps.
    public var steps: Int { steps_.count }

    /// Pairs held for `step` (1-based).
    public func count(step: Int) -> Int {
        step >= 1 && step <= steps_.count ? steps_[step - 1].pairs.count : 0
    }

    /// Records that the `step`-ahead forecast `forecast` met `actual`.
    public mutating func record(step: Int, forecast: Double, actual: Double) {
        guard step >= 1, forecast.isFinite, actual.isFinite else { return }
        if step > steps_.count {
            steps_ += (steps_.count..<step).map { _ in StepWindow(capacity: window) }
        }
        steps_[step - 1].add(Pair(actual: actual, forecast: forecast))
    }

    /// The upper forecast for `point` at `step` at level `level` (default: `quantile`), with the
    /// mode chosen; nil with no data. Never below 0. A step beyond those kept borrows the farthest
    /// step's errors.
    public func upper(point: Double, step: Int, level: Double? = nil) -> (value: Double, mode: Mode)? {
        guard step >= 1 else { return nil }
        let s = steps_[min(step, steps_.count) - 1]
        guard !s.pairs.isEmpty else { return nil }
        let q = level ?? quantile
        precondition(q > 0 && q < 1, "a quantile level is in (0, 1)")
        let offset = sortedQuantile(s.sortedResiduals, q)
        var additiveLoss = 0.0
        for r in s.sortedResiduals { additiveLoss += pinball(r - offset, q) }
        var best = (value: point + offset, mode: Mode.additive)
        // Ratios exist only while every forecast held is positive and no actual is negative.
        if point > 0, s.sortedRatios.count == s.pairs.count {
            let ratio = sortedQuantile(s.sortedRatios, q)
            var ratioLoss = 0.0
            for p in s.pairs.values { ratioLoss += pinball(p.actual - p.forecast * ratio, q) }
            if ratioLoss < additiveLoss { best = (point * ratio, .multiplicative) }
        }
        return (max(best.value, 0), best.mode)
    }
}

private struct Pair: Sendable {
    var actual: Double
    var forecast: Double
    var residual: Double { actual - forecast }
    /// actual / forecast, when that is a usable ratio.
    var ratio: Double? { forecast > 0 && actual >= 0 ? actual / forecast : nil }
}

/// One step's window: the pairs in arrival order plus their residuals and ratios kept sorted.
private struct StepWindow: Sendable {
    var pairs: RollingWindow<Pair>
    var sortedResiduals: [Double] = []
    var sortedRatios: [Double] = []

    init(capacity: Int) {
        pairs = RollingWindow(capacity: capacity)
    }

    mutating func add(_ pair: Pair) {
        if pairs.count == pairs.capacity, let oldest = pairs.first {
            remove(oldest.residual, from: &sortedResiduals)
            if let r = oldest.ratio { remove(r, from: &sortedRatios) }
        }
        pairs.append(pair)
        insert(pair.residual, into: &sortedResiduals)
        if let r = pair.ratio { insert(r, into: &sortedRatios) }
    }

    private func insert(_ value: Double, into sorted: inout [Double]) {
        sorted.insert(value, at: lowerBound(value, sorted))
    }

    private func remove(_ value: Double, from sorted: inout [Double]) {
        let i = lowerBound(value, sorted)
        if i < sorted.count && sorted[i] == value { sorted.remove(at: i) }
    }

    private func lowerBound(_ value: Double, _ sorted: [Double]) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// The q-quantile of already sorted values, type 7 (as `empiricalQuantile` in KairosForecast).
func sortedQuantile(_ sorted: [Double], _ q: Double) -> Double {
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    return sorted[lower] + (position - Double(lower)) * (sorted[upper] - sorted[lower])
}

/// The pinball loss of one error `actual − quantileForecast` at level q.
@inline(__always)
private func pinball(_ error: Double, _ q: Double) -> Double {
    error >= 0 ? q * error : (q - 1) * error
}
