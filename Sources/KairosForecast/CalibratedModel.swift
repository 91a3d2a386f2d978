/// Rolling forecasts over a held-out stretch and the values they aimed at, `[origin][step]`.
public struct ValidationRun: Sendable, Equatable {
    /// Point forecasts.
    public var forecasts: [[Double]]
    /// What happened.
    public var actuals: [[Double]]

    /// The origins in `range` only.
    func slice(_ range: Range<Int>) -> ValidationRun {
        ValidationRun(forecasts: Array(forecasts[range]), actuals: Array(actuals[range]))
    }

    /// Mean squared error over every step.
    public var meanSquaredError: Double {
        var total = 0.0, n = 0
        for (f, a) in zip(forecasts, actuals) { for (x, y) in zip(f, a) { total += (x - y) * (x - y); n += 1 } }
        return n > 0 ? total / Double(n) : .infinity
    }
}

/// A model fitted on a whole training part, plus the upper-quantile calibration learned from
/// forecasting the held-out tail of that part with a copy fitted on its head.
public struct CalibratedModel: Codable, Sendable, Equatable {
    /// The model fitted on all the training data it was given.
    public var model: AnyForecaster
    /// Upper-quantile calibration from the held-out tail.
    public var calibration: QuantileCalibration

    /// Creates a calibrated model from its parts.
    public init(model: AnyForecaster, calibration: QuantileCalibration) {
        self.model = model
        self.calibration = calibration
    }

    /// Point forecasts and upper quantiles from one origin.
    public func forecast(_ data: SeriesData, origin: Int, horizon: Int) -> (point: [Double], upper: [Double]) {
        let point = model.forecast(data, origin: origin, horizon: horizon)
        return (point, point.enumerated().map { calibration.upper(point: $1, step: $0) })
    }

    /// Fits `name` (including `auto`) on `data` with calibration at `quantile`.
    public static func fit(_ name: String, data: SeriesData, settings: ModelSettings, quantile: Double) throws -> CalibratedModel {
        if name == "auto" {
            return try fitFamily(names: [], data: data, settings: settings, quantile: quantile, includeAuto: true).models["auto"]!.model
        }
        return try fitOne(name, data: data, settings: settings, quantile: quantile).model
    }

    /// Fits `name` (including `auto`) on `data` with the quantile chosen for an under-provisioning
    /// target on the validation tail (the held-out end of `data`), with decisions by `policy`.
    public static func fit(_ name: String, data: SeriesData, settings: ModelSettings, underProvisionTarget: Double,
                           policy: ProducerPolicy) throws -> (model: CalibratedModel, provisioning: ProvisioningQuantile) {
        let fitted = name == "auto"
            ? try fitFamily(names: [], data: data, settings: settings, quantile: 0.9, includeAuto: true).models["auto"]!
            : try fitOne(name, data: data, settings: settings, quantile: 0.9)
        let provisioning = try ProvisioningQuantile.choose(target: underProvisionTarget, validation: fitted.validation, policy: policy)
        return (CalibratedModel(model: fitted.model.model, calibration: provisioning.calibration), provisioning)
    }

    /// Fits one single model: on the head for the validation run and calibration, then on everything.
    static func fitOne(_ name: String, data: SeriesData, settings: ModelSettings, quantile: Double) throws -> (model: CalibratedModel, validation: ValidationRun) {
        let split = try validationSplit(count: data.count, settings: settings)
        var head = try ModelCatalog.make(name, settings: settings)
        guard split.innerCount >= head.minimumFitCount else {
            throw ForecastError.seriesTooShort(needed: head.minimumFitCount + split.origins.count, got: data.count)
        }
        try head.fit(data.prefix(split.innerCount))
        let forecasts = head.rollingForecasts(data, origins: split.origins, horizon: settings.horizon)
        let validation = ValidationRun(forecasts: forecasts, actuals: rollingActuals(data.target, origins: split.origins, horizon: settings.horizon))
        let calibration = try QuantileCalibration(quantile: quantile, forecasts: forecasts, actuals: validation.actuals)
        var full = try ModelCatalog.make(name, settings: settings)
        try full.fit(data)
        return (CalibratedModel(model: full, calibration: calibration), validation)
    }

    /// Fits every name in `names` (skipping those the data cannot support, with the reason) and,
    /// if asked, `auto` built from their validation runs without refitting anything.
    public static func fitFamily(
        names: [String], data: SeriesData, settings: ModelSettings, quantile: Double, includeAuto: Bool,
        stopwatch: (@Sendable () -> Double)? = nil
    ) throws -> FittedFamily {
        var seconds: [String: Double] = [:]
        var fitted: [String: (model: CalibratedModel, validation: ValidationRun)] = [:]
        var skipped: [String: String] = [:]
        let candidates = includeAuto ? Array(Set(names + autoPool(settings))) : names
        for name in ModelCatalog.baseNames where candidates.contains(name) {
            if ModelCatalog.needsSeason(name) && settings.seasonLengths.isEmpty {
                skipped[name] = "needs a season length"
                continue
            }
            do {
                let start = stopwatch?() ?? 0
                fitted[name] = try fitOne(name, data: data, settings: settings, quantile: quantile)
                if let stopwatch { seconds[name] = stopwatch() - start }
            } catch let error as ForecastError {
                // A model that cannot use this series is left out rather than failing the whole family.
                skipped[name] = error.description
            }
        }
        guard includeAuto else { return FittedFamily(models: fitted, skipped: skipped, fitSeconds: seconds) }
        let pool = autoPool(settings).filter { fitted[$0] != nil }
        guard !pool.isEmpty else { throw ForecastError.seriesTooShort(needed: 3, got: data.count) }
        let selection = EnsembleSelection.select(pool.map { fitted[$0]!.validation }, names: pool)
        let members = selection.indices.map { fitted[pool[$0]]!.model.model }
        let auto = AutoForecaster(settings: settings, members: members, weights: selection.weights, choice: selection.description)
        let combined = EnsembleSelection.combine(selection.indices.map { fitted[pool[$0]]!.validation.forecasts }, weights: selection.weights)
        let validation = ValidationRun(forecasts: combined, actuals: fitted[pool[0]]!.validation.actuals)
        let calibration = try QuantileCalibration(quantile: quantile, forecasts: combined, actuals: validation.actuals)
        fitted["auto"] = (CalibratedModel(model: .auto(auto), calibration: calibration), validation)
        return FittedFamily(models: fitted, skipped: skipped, fitSeconds: seconds)
    }

    /// What `auto` chooses from: the configured candidates, plus `naive` always, so that `auto`
    /// is never worse than the last value on the validation tail.
    static func autoPool(_ settings: ModelSettings) -> [String] {
        settings.autoCandidates.contains("naive") ? settings.autoCandidates : ["naive"] + settings.autoCandidates
    }

    /// The head length and the validation origins of a training part.
    static func validationSplit(count: Int, settings: ModelSettings) throws -> (innerCount: Int, origins: Range<Int>) {
        guard settings.validationFraction > 0 && settings.validationFraction < 1 else {
            throw ForecastError.invalidConfiguration("validationFraction must be in (0, 1)")
        }
        let innerCount = count - Int((Double(count) * settings.validationFraction).rounded())
        let last = count - settings.horizon
        guard innerCount >= 2, last >= innerCount else { throw ForecastError.seriesTooShort(needed: innerCount + settings.horizon + 1, got: count) }
        return (innerCount, innerCount..<(last + 1))
    }
}

/// `actuals[i][h] = y[origin_i + h]`.
func rollingActuals(_ y: [Double], origins: Range<Int>, horizon: Int) -> [[Double]] {
    origins.map { origin in (0..<horizon).map { y[origin + $0] } }
}

/// The outcome of `CalibratedModel.fitFamily`.
public struct FittedFamily: Sendable {
    /// Fitted models by name, with their validation runs.
    public var models: [String: (model: CalibratedModel, validation: ValidationRun)]
    /// Models left out, with the reason.
    public var skipped: [String: String]
    /// Fitting time per model, when a stopwatch was given (`auto` adds none: it reuses the others' fits).
    public var fitSeconds: [String: Double] = [:]
}
