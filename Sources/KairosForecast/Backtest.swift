/// What to backtest and how.
public struct BacktestConfig: Sendable {
    /// Models to evaluate (catalogue names, `auto` included).
    public var models: [String] = ModelCatalog.names
    /// Shared model settings (seasons, horizon, LSTM, auto candidates, validation fraction).
    public var settings = ModelSettings()
    /// Upper quantile each forecast carries (the autopilot provisions for it), unless
    /// `underProvisionTarget` is set.
    public var quantile: Double = 0.9
    /// When set, each model's quantile is instead the smallest that keeps under-provisioning on
    /// its own validation tail at or below this rate (`ProvisioningQuantile`).
    public var underProvisionTarget: Double?
    /// Producer-count thresholds; nil means the 33rd and 66th percentiles of the training part.
    public var thresholds: [Double]?
    /// Fraction of the series, at its end, used as the test part.
    public var testFraction: Double = 0.2
    /// Seconds since an arbitrary origin, to time each model; nil leaves times at 0. (The
    /// backtest never reads a clock itself: the caller injects one.)
    public var stopwatch: (@Sendable () -> Double)?

    /// Creates a configuration with the defaults above.
    public init() {}
}

/// One model's test-set results.
public struct ModelBacktest: Codable, Sendable, Equatable {
    /// Catalogue name.
    public var name: String
    /// Accuracy of the point forecast at the last horizon step.
    public var metrics: ErrorMetrics
    /// Accuracy at each step 1...horizon.
    public var stepMetrics: [ErrorMetrics]
    /// Producer decisions taken from the upper quantile.
    public var decisions: DecisionMetrics
    /// Producer decisions taken from the point forecast (for comparison).
    public var pointDecisions: DecisionMetrics
    /// Fraction of test intervals whose actual value was at or below the upper quantile.
    public var coverage: Double
    /// How the upper quantile was derived.
    public var calibration: QuantileCalibration
    /// Validation (held-out training tail) RMSE, which `auto` selected on.
    public var validationRMSE: Double
    /// For `auto`: what it chose.
    public var detail: String?
    /// Seconds spent fitting (both fits) and forecasting the test part, if timed. For `auto`,
    /// the sum over the candidates it was chosen from.
    public var seconds: Double = 0
    /// With an under-provisioning target: the quantile chosen on the validation tail and the
    /// decisions it gave there.
    public var provisioning: ProvisioningQuantile?
}

/// The outcome of a backtest on one series.
public struct BacktestReport: Sendable {
    /// Series label.
    public var series: String
    /// Points in the training part.
    public var trainPoints: Int
    /// Number of rolling forecast origins in the test part.
    public var testPoints: Int
    /// Thresholds used for decisions.
    public var thresholds: [Double]
    /// Quantile level of the upper forecasts (with `underProvisionTarget`, each model's own
    /// level is in its calibration and this is the unused fixed level).
    public var quantile: Double
    /// Forecast horizon in steps.
    public var horizon: Int
    /// Per-model results, in the requested order.
    public var models: [ModelBacktest]
    /// Models that could not run on this series, with the reason.
    public var skipped: [String: String]
    /// Name of the model with the lowest test RMSE.
    public var best: String
    /// The fitted, calibrated models by name, exactly as they forecast the test part (fitted and
    /// calibrated on the training part only).
    public var fittedModels: [String: CalibratedModel] = [:]
    /// The under-provisioning target the quantiles were chosen for, if any.
    public var underProvisionTarget: Double?
}

/// Chronological backtest: fit on the first part (with its own held-out tail for calibration
/// and model selection), then forecast every origin of the test part from the data before it.
public enum Backtest {
    /// Runs the backtest of `config.models` on `data`.
    public static func run(_ data: SeriesData, config: BacktestConfig) throws -> BacktestReport {
        try data.validate()
        let settings = config.settings
        let h = settings.horizon
        guard h >= 1 else { throw ForecastError.invalidConfiguration("horizon must be at least 1") }
        guard config.testFraction > 0 && config.testFraction < 1 else { throw ForecastError.invalidConfiguration("testFraction must be in (0, 1)") }
        guard config.quantile > 0 && config.quantile < 1 else { throw ForecastError.invalidConfiguration("quantile must be in (0, 1)") }
        if let target = config.underProvisionTarget, !(target >= 0 && target < 1) {
            throw ForecastError.invalidConfiguration("underProvisionTarget must be in [0, 1)")
        }
        for name in config.models where !ModelCatalog.names.contains(name) { throw ForecastError.unknownModel(name) }
        let trainCount = data.count - Int((Double(data.count) * config.testFraction).rounded())
        guard trainCount >= 10, data.count - h >= trainCount else { throw ForecastError.seriesTooShort(needed: 20 + h, got: data.count) }
        let train = data.prefix(trainCount)
        let policy = try config.thresholds.map(ProducerPolicy.validated) ?? ProducerPolicy.tertiles(of: train.target)
        let family = try CalibratedModel.fitFamily(names: config.models.filter { $0 != "auto" }, data: train, settings: settings,
                                                   quantile: config.quantile, includeAuto: config.models.contains("auto"),
                                                   stopwatch: config.stopwatch)
        let origins = trainCount..<(data.count - h + 1)
        let actuals = rollingActuals(data.target, origins: origins, horizon: h)
        var results: [ModelBacktest] = []
        var fittedModels: [String: CalibratedModel] = [:]
        for name in config.models {
            guard let (fitted, validation) = family.models[name] else { continue }
            var model = fitted
            let start = config.stopwatch?() ?? 0
            var provisioning: ProvisioningQuantile?
            if let target = config.underProvisionTarget {
                // The quantile comes from this model's validation tail, like its calibration.
                provisioning = try ProvisioningQuantile.choose(target: target, validation: validation, policy: policy)
                model.calibration = provisioning!.calibration
            }
            fittedModels[name] = model
            let forecasts = model.model.rollingForecasts(data, origins: origins, horizon: h)
            let steps = (0..<h).map { step in ErrorMetrics(actual: actuals.map { $0[step] }, forecast: forecasts.map { $0[step] }) }
            let last = h - 1
            let actual = actuals.map { $0[last] }
            let point = forecasts.map { $0[last] }
            let upper = point.map { model.calibration.upper(point: $0, step: last) }
            let covered = zip(actual, upper).filter { $0 <= $1 }.count
            var detail: String?
            if case let .auto(auto) = model.model { detail = auto.choice }
            if case let .lstm(lstm) = model.model, let report = lstm.lastReport {
                detail = "best epoch \(report.bestEpoch) of \(report.trainingLosses.count)"
            }
            results.append(ModelBacktest(
                name: name, metrics: steps[last], stepMetrics: steps,
                decisions: DecisionMetrics(actual: actual, decisionForecast: upper, policy: policy),
                pointDecisions: DecisionMetrics(actual: actual, decisionForecast: point, policy: policy),
                coverage: Double(covered) / Double(actual.count), calibration: model.calibration,
                validationRMSE: validation.meanSquaredError.squareRoot(), detail: detail, provisioning: provisioning))
            if let stopwatch = config.stopwatch {
                let fit = name == "auto" ? family.fitSeconds.values.reduce(0, +) : family.fitSeconds[name] ?? 0
                results[results.count - 1].seconds = fit + stopwatch() - start
            }
        }
        guard let best = results.min(by: { $0.metrics.rmse < $1.metrics.rmse }) else {
            throw ForecastError.invalidInput("no model could run on this series: \(family.skipped)")
        }
        return BacktestReport(series: data.name, trainPoints: trainCount, testPoints: origins.count, thresholds: policy.thresholds,
                              quantile: config.quantile, horizon: h, models: results,
                              skipped: family.skipped.filter { config.models.contains($0.key) }, best: best.name,
                              fittedModels: fittedModels, underProvisionTarget: config.underProvisionTarget)
    }
}
