/// The `auto` model: a single model or a weighted mean of several, chosen by a rolling-origin
/// backtest on the held-out tail of the training data (see `EnsembleSelection`).
public struct AutoForecaster: Forecaster, Codable, Equatable {
    /// Settings used to build and fit the candidates.
    public var settings: ModelSettings
    /// The chosen members, each fitted on the whole training part.
    public private(set) var members: [AnyForecaster]
    /// Their weights (sum to 1).
    public private(set) var weights: [Double]
    /// What was chosen, e.g. `mean(hw,ar)`.
    public private(set) var choice: String

    /// An unfitted ensemble.
    public init(settings: ModelSettings) {
        self.settings = settings
        members = []
        weights = []
        choice = ""
    }

    /// An ensemble assembled from already fitted members.
    public init(settings: ModelSettings, members: [AnyForecaster], weights: [Double], choice: String) {
        precondition(members.count == weights.count && !members.isEmpty)
        self.settings = settings
        self.members = members
        self.weights = weights
        self.choice = choice
    }

    /// `auto`.
    public var name: String { "auto" }
    /// The smallest requirement among the candidates that can always run.
    public var minimumFitCount: Int { 10 }
    /// The largest member history.
    public var minimumHistory: Int { members.map(\.minimumHistory).max() ?? 1 }

    /// Fits every candidate, selects on the held-out tail, keeps the members refitted on all of `data`.
    public mutating func fit(_ data: SeriesData) throws {
        let family = try CalibratedModel.fitFamily(names: [], data: data, settings: settings, quantile: 0.9, includeAuto: true)
        guard case let .auto(fitted)? = family.models["auto"]?.model.model else { preconditionFailure("fitFamily always builds auto") }
        self = fitted
    }

    /// The weighted mean of the members' forecasts.
    public func forecast(_ data: SeriesData, origin: Int, horizon: Int) -> [Double] {
        rollingForecasts(data, origins: origin..<(origin + 1), horizon: horizon)[0]
    }

    /// The weighted mean of the members' rolling forecasts.
    public func rollingForecasts(_ data: SeriesData, origins: Range<Int>, horizon: Int) -> [[Double]] {
        precondition(!members.isEmpty, "fit before forecasting")
        return EnsembleSelection.combine(members.map { $0.rollingForecasts(data, origins: origins, horizon: horizon) }, weights: weights)
    }
}
