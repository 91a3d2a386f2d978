/// Settings shared by every model the catalogue builds.
public struct ModelSettings: Codable, Sendable, Equatable {
    /// Season lengths in steps, most important first (empty: non-seasonal).
    public var seasonLengths: [Int] = []
    /// Forecast steps needed.
    public var horizon: Int = 1
    /// LSTM settings (its horizon and seasons are taken from here).
    public var lstm = LSTMConfig()
    /// Models `auto` may choose from or combine.
    public var autoCandidates: [String] = ModelCatalog.baseNames
    /// Fraction of a training part that `auto` and quantile calibration hold out.
    public var validationFraction: Double = 0.2

    /// Creates settings with the defaults above.
    public init() {}
}

/// Builds models by name.
public enum ModelCatalog {
    /// Every single model, cheapest first.
    public static let baseNames = ["naive", "snaive", "ma", "ses", "hw", "ar", "lstm"]
    /// Every name `make` accepts.
    public static let names = baseNames + ["auto"]

    /// Whether `name` needs a season length.
    public static func needsSeason(_ name: String) -> Bool { name == "snaive" || name == "hw" }

    /// An unfitted model called `name`.
    public static func make(_ name: String, settings: ModelSettings) throws -> AnyForecaster {
        let season = settings.seasonLengths.first
        switch name {
        case "naive": return .naive(NaiveForecaster())
        case "snaive":
            guard let season else { throw ForecastError.invalidConfiguration("snaive needs a season length") }
            return .seasonalNaive(SeasonalNaiveForecaster(seasonLength: season))
        case "ma": return .movingAverage(MovingAverageForecaster())
        case "ses": return .exponentialSmoothing(ExponentialSmoothingForecaster())
        case "hw":
            guard let season, season >= 2 else { throw ForecastError.invalidConfiguration("hw needs a season length of at least 2") }
            return .holtWinters(HoltWintersForecaster(seasonLength: season))
        case "ar": return .autoRegressive(AutoRegressiveForecaster(seasonLengths: settings.seasonLengths.filter { $0 >= 2 }))
        case "lstm":
            var config = settings.lstm
            config.horizon = settings.horizon
            config.seasonLengths = settings.seasonLengths.filter { $0 >= 2 }
            return .lstm(LSTMForecaster(config: config))
        case "auto":
            return .auto(AutoForecaster(settings: settings))
        default:
            throw ForecastError.unknownModel(name)
        }
    }
}
