/// The upper quantile to provision for, chosen for a stated under-provisioning target: the
/// smallest quantile whose calibrated upper forecast, on held-out (validation) data, leaves at
/// most `target` of the intervals with fewer producers than their actual volume needed.
///
/// Everything is computed from the data passed in, so pass the validation tail (never test
/// data): the backtest, `kairos forecast train` and the autopilot all do. A higher quantile
/// trades under-provisioning for over-provisioning; this picks the cheapest one that meets the
/// target there.
public struct ProvisioningQuantile: Codable, Sendable, Equatable {
    /// The under-provisioning rate aimed for, in [0, 1).
    public var target: Double
    /// The quantile level chosen.
    public var quantile: Double
    /// The calibration at that level, fitted on the same data (apply it with `upper(point:step:)`).
    public var calibration: QuantileCalibration
    /// The producer decisions that calibration gives on that data (at the evaluated step).
    public var decisions: DecisionMetrics
    /// Whether `decisions.underProvisionRate <= target`; false when even the highest candidate
    /// quantile runs short more often than that (then the highest is returned).
    public var met: Bool

    /// Quantile levels tried, ascending: 0.50, 0.51, ..., 0.99, then 0.995 and 0.999.
    public static let candidateQuantiles: [Double] = (50...99).map { Double($0) / 100 } + [0.995, 0.999]

    /// Chooses from rolling forecasts `forecasts[i][h]` of `actuals[i][h]` (same shapes, as in a
    /// `ValidationRun`). Decisions are scored at forecast step `step` (0-based; default the
    /// last step, as the backtest scores them).
    public static func choose(target: Double, forecasts: [[Double]], actuals: [[Double]], policy: ProducerPolicy,
                              step: Int? = nil) throws -> ProvisioningQuantile {
        guard target >= 0 && target < 1 else { throw ForecastError.invalidConfiguration("under-provisioning target must be in [0, 1)") }
        guard let steps = forecasts.first?.count, steps >= 1, forecasts.count == actuals.count,
              forecasts.allSatisfy({ $0.count == steps }), actuals.allSatisfy({ $0.count == steps }) else {
            throw ForecastError.invalidInput("forecasts and actuals must be non-empty and of the same shape")
        }
        let scored = step ?? steps - 1
        guard scored >= 0 && scored < steps else { throw ForecastError.invalidConfiguration("step must be in 0..<\(steps)") }
        let actual = actuals.map { $0[scored] }
        var last: ProvisioningQuantile?
        for q in candidateQuantiles {
            let calibration = try QuantileCalibration(quantile: q, forecasts: forecasts, actuals: actuals)
            let upper = forecasts.map { calibration.upper(point: $0[scored], step: scored) }
            let decisions = DecisionMetrics(actual: actual, decisionForecast: upper, policy: policy)
            let choice = ProvisioningQuantile(target: target, quantile: q, calibration: calibration, decisions: decisions,
                                              met: decisions.underProvisionRate <= target)
            if choice.met { return choice }
            last = choice
        }
        return last!
    }

    /// One-step form: `forecasts[i]` is the forecast of `actuals[i]`.
    public static func choose(target: Double, forecasts: [Double], actuals: [Double], policy: ProducerPolicy) throws -> ProvisioningQuantile {
        try choose(target: target, forecasts: forecasts.map { [$0] }, actuals: actuals.map { [$0] }, policy: policy)
    }

    /// Chooses from a model's validation run.
    public static func choose(target: Double, validation: ValidationRun, policy: ProducerPolicy) throws -> ProvisioningQuantile {
        try choose(target: target, forecasts: validation.forecasts, actuals: validation.actuals, policy: policy)
    }
}
