import KairosForecast

/// The upper forecast at a service-level quantile, learned online from the autopilot's own recent
/// errors: for each forecast step it keeps the last `window` (actual, forecast) pairs and answers
/// `point + Q_q(actual − point)` or `point · Q_q(actual / point)`, whichever had the lower pinball
/// loss on that window (a ratio suits traffic whose errors grow with its level), as
/// `QuantileCalibration` does offline. A rolling window follows a drifting error distribution; a
/// calibration fitted once on held-out data would not.
public struct ResidualCalibrator: Sendable {
    /// The quantile level, such as 0.99.
    public let quantile: Double
    /// Pairs kept per step.
    public let window: Int
    private var pairs: [RollingWindow<Pair>]

    private struct Pair: Sendable { var actual: Double; var forecast: Double }

    /// How the offset of the last `upper` call applied.
    public enum Mode: String, Sendable, Codable { case additive, multiplicative }

    /// An empty calibrator for steps `1...steps`.
    public init(quantile: Double, window: Int, steps: Int) {
        precondition(quantile > 0 && quantile < 1 && window >= 1 && steps >= 1)
        self.quantile = quantile
        self.window = window
        pairs = (0..<steps).map { _ in RollingWindow(capacity: window) }
    }

    /// Steps this calibrator can answer for.
    public var steps: Int { pairs.count }

    /// Residuals held for `step` (1-based).
    public func count(step: Int) -> Int {
        step >= 1 && step <= pairs.count ? pairs[step - 1].count : 0
    }

    /// Records that the `step`-ahead forecast `forecast` met `actual`.
    public mutating func record(step: Int, forecast: Double, actual: Double) {
        guard step >= 1, forecast.isFinite, actual.isFinite else { return }
        if step > pairs.count {
            pairs += (pairs.count..<step).map { _ in RollingWindow(capacity: window) }
        }
        pairs[step - 1].append(Pair(actual: actual, forecast: forecast))
    }

    /// The `quantile` upper forecast for `point` at `step`, with the mode chosen; nil with no data.
    /// Never below 0. Cost O(window · log window), independent of how long the autopilot ran.
    public func upper(point: Double, step: Int) -> (value: Double, mode: Mode)? {
        guard step >= 1 else { return nil }
        // A step beyond those seen borrows the farthest step's errors (errors grow with the step).
        let index = min(step, pairs.count) - 1
        let held = pairs[index].values
        guard !held.isEmpty else { return nil }
        let actual = held.map(\.actual), forecast = held.map(\.forecast)
        let offset = empiricalQuantile(zip(actual, forecast).map { $0 - $1 }, quantile)
        let additiveLoss = pinballLoss(actual: actual, quantileForecast: forecast.map { $0 + offset }, q: quantile)
        var best = (value: point + offset, mode: Mode.additive)
        if point > 0, forecast.allSatisfy({ $0 > 0 }), actual.allSatisfy({ $0 >= 0 }) {
            let ratio = empiricalQuantile(zip(actual, forecast).map { $0 / $1 }, quantile)
            let ratioLoss = pinballLoss(actual: actual, quantileForecast: forecast.map { $0 * ratio }, q: quantile)
            if ratioLoss < additiveLoss { best = (point * ratio, .multiplicative) }
        }
        return (max(best.value, 0), best.mode)
    }
}
