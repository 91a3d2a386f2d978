import KairosForecast

/// Any KairosForecast model as the paper's predictor: fitted once on a training series, then asked
/// for the next interval from the history the run has seen so far.
///
/// Fit it on data the evaluation does not use (another seed of the same workload, say), so the
/// dynamic run measures the model on held-out load, as the paper never did. `useUpperQuantile`
/// provisions for the calibrated upper quantile instead of the point forecast.
public struct ForecastModelPredictor: LoadPredictor {
    private let model: CalibratedModel
    private let modelName: String
    private let useUpperQuantile: Bool

    /// Fits `modelName` ("ar", "hw", "lstm", "auto", ...) on `trainingTotals`.
    public init(
        modelName: String, trainingTotals: [Double], settings: ModelSettings = ModelSettings(), quantile: Double = 0.9,
        useUpperQuantile: Bool = false
    ) throws {
        let data = SeriesData(name: "training", target: trainingTotals)
        model = try CalibratedModel.fit(modelName, data: data, settings: settings, quantile: quantile)
        self.modelName = modelName
        self.useUpperQuantile = useUpperQuantile
    }

    /// "model:NAME" or "model:NAME:upper".
    public var name: String { "model:\(modelName)" + (useUpperQuantile ? ":upper" : "") }

    /// The model's one-step forecast (or its upper quantile) from everything seen so far.
    public func predictNext(history: [Double]) -> Double {
        guard !history.isEmpty else { return 0 }
        let data = SeriesData(name: "run", target: history)
        let forecast = model.forecast(data, origin: history.count, horizon: 1)
        let value = useUpperQuantile ? forecast.upper[0] : forecast.point[0]
        return value.isFinite ? max(value, 0) : (history.last ?? 0)
    }
}
