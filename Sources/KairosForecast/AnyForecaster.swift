/// Any model of the catalogue, as one value: what the backtest, the `auto` ensemble and model
/// files hold. Encodes as `{"kind": NAME, "model": {...}}`.
public indirect enum AnyForecaster: Forecaster, Codable, Equatable {
    case naive(NaiveForecaster)
    case seasonalNaive(SeasonalNaiveForecaster)
    case movingAverage(MovingAverageForecaster)
    case exponentialSmoothing(ExponentialSmoothingForecaster)
    case holtWinters(HoltWintersForecaster)
    case autoRegressive(AutoRegressiveForecaster)
    case lstm(LSTMForecaster)
    case auto(AutoForecaster)

    /// The wrapped model.
    public var base: any Forecaster {
        switch self {
        case let .naive(m): m
        case let .seasonalNaive(m): m
        case let .movingAverage(m): m
        case let .exponentialSmoothing(m): m
        case let .holtWinters(m): m
        case let .autoRegressive(m): m
        case let .lstm(m): m
        case let .auto(m): m
        }
    }

    /// The catalogue name of the wrapped model.
    public var name: String { base.name }
    /// The wrapped model's minimum training length.
    public var minimumFitCount: Int { base.minimumFitCount }
    /// The wrapped model's minimum history.
    public var minimumHistory: Int { base.minimumHistory }

    /// Fits the wrapped model.
    public mutating func fit(_ data: SeriesData) throws {
        switch self {
        case var .naive(m): try m.fit(data); self = .naive(m)
        case var .seasonalNaive(m): try m.fit(data); self = .seasonalNaive(m)
        case var .movingAverage(m): try m.fit(data); self = .movingAverage(m)
        case var .exponentialSmoothing(m): try m.fit(data); self = .exponentialSmoothing(m)
        case var .holtWinters(m): try m.fit(data); self = .holtWinters(m)
        case var .autoRegressive(m): try m.fit(data); self = .autoRegressive(m)
        case var .lstm(m): try m.fit(data); self = .lstm(m)
        case var .auto(m): try m.fit(data); self = .auto(m)
        }
    }

    /// The wrapped model's forecast.
    public func forecast(_ data: SeriesData, origin: Int, horizon: Int) -> [Double] {
        base.forecast(data, origin: origin, horizon: horizon)
    }

    /// The wrapped model's rolling forecasts (using its own fast path, if any).
    public func rollingForecasts(_ data: SeriesData, origins: Range<Int>, horizon: Int) -> [[Double]] {
        base.rollingForecasts(data, origins: origins, horizon: horizon)
    }

    private enum CodingKeys: String, CodingKey { case kind, model }

    /// Decodes by `kind`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "naive": self = .naive(try c.decode(NaiveForecaster.self, forKey: .model))
        case "snaive": self = .seasonalNaive(try c.decode(SeasonalNaiveForecaster.self, forKey: .model))
        case "ma": self = .movingAverage(try c.decode(MovingAverageForecaster.self, forKey: .model))
        case "ses": self = .exponentialSmoothing(try c.decode(ExponentialSmoothingForecaster.self, forKey: .model))
        case "hw": self = .holtWinters(try c.decode(HoltWintersForecaster.self, forKey: .model))
        case "ar": self = .autoRegressive(try c.decode(AutoRegressiveForecaster.self, forKey: .model))
        case "lstm": self = .lstm(try c.decode(LSTMForecaster.self, forKey: .model))
        case "auto": self = .auto(try c.decode(AutoForecaster.self, forKey: .model))
        default: throw ForecastError.unknownModel(kind)
        }
    }

    /// Encodes as `{"kind", "model"}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .kind)
        switch self {
        case let .naive(m): try c.encode(m, forKey: .model)
        case let .seasonalNaive(m): try c.encode(m, forKey: .model)
        case let .movingAverage(m): try c.encode(m, forKey: .model)
        case let .exponentialSmoothing(m): try c.encode(m, forKey: .model)
        case let .holtWinters(m): try c.encode(m, forKey: .model)
        case let .autoRegressive(m): try c.encode(m, forKey: .model)
        case let .lstm(m): try c.encode(m, forKey: .model)
        case let .auto(m): try c.encode(m, forKey: .model)
        }
    }
}
