/// Forecasts every future step as the last observed value (the random-walk benchmark).
public struct NaiveForecaster: Forecaster, Codable, Equatable {
    /// Creates the model; it has no parameters.
    public init() {}

    /// `naive`.
    public var name: String { "naive" }
    /// One point.
    public var minimumFitCount: Int { 1 }
    /// One point.
    public var minimumHistory: Int { 1 }

    /// Nothing to estimate.
    public mutating func fit(_ data: SeriesData) throws {
        guard data.count >= 1 else { throw ForecastError.seriesTooShort(needed: 1, got: data.count) }
    }

    /// The last value before `origin`, repeated.
    public func forecast(_ data: SeriesData, origin: Int, horizon: Int) -> [Double] {
        precondition(origin >= 1 && origin <= data.count && horizon >= 1)
        return Array(repeating: data.target[origin - 1], count: horizon)
    }
}

/// Forecasts each step as the value one season earlier (for example, same time yesterday).
public struct SeasonalNaiveForecaster: Forecaster, Codable, Equatable {
    /// Season length in steps.
    public var seasonLength: Int

    /// Creates the model for a season of `seasonLength` steps (at least 1).
    public init(seasonLength: Int) {
        precondition(seasonLength >= 1)
        self.seasonLength = seasonLength
    }

    /// `snaive`.
    public var name: String { "snaive" }
    /// One season.
    public var minimumFitCount: Int { seasonLength }
    /// One season.
    public var minimumHistory: Int { seasonLength }

    /// Nothing to estimate; checks there is a full season.
    public mutating func fit(_ data: SeriesData) throws {
        guard data.count >= seasonLength else { throw ForecastError.seriesTooShort(needed: seasonLength, got: data.count) }
    }

    /// `y[origin + h - 1 - m * ceil(h / m)]`, falling back to the last value with less than a season of history.
    public func forecast(_ data: SeriesData, origin: Int, horizon: Int) -> [Double] {
        precondition(origin >= 1 && origin <= data.count && horizon >= 1)
        let m = seasonLength
        guard origin >= m else { return Array(repeating: data.target[origin - 1], count: horizon) }
        return (0..<horizon).map { step in data.target[origin - m + step % m] }
    }
}

/// Forecasts every future step as the mean of the last `window` values.
public struct MovingAverageForecaster: Forecaster, Codable, Equatable {
    /// Averaging window in steps; 0 before `fit` when it is to be chosen from the data.
    public var window: Int
    /// Windows tried by `fit` when `window` is 0.
    public static let candidateWindows = [2, 3, 4, 6, 8, 12, 24, 48]

    /// Creates the model with a fixed window, or 0 to pick the window on the training data.
    public init(window: Int = 0) {
        precondition(window >= 0)
        self.window = window
    }

    /// `ma`.
    public var name: String { "ma" }
    /// Enough to try the smallest window.
    public var minimumFitCount: Int { max(window, 2) + 1 }
    /// One window.
    public var minimumHistory: Int { max(window, 1) }

    /// Chooses the window with the lowest one-step squared error on `data` when none was set.
    public mutating func fit(_ data: SeriesData) throws {
        guard data.count >= minimumFitCount else { throw ForecastError.seriesTooShort(needed: minimumFitCount, got: data.count) }
        guard window == 0 else { return }
        let y = data.target
        var best = (window: 2, sse: Double.infinity)
        for w in Self.candidateWindows where w < y.count / 2 || w == 2 {
            var sum = y[0..<w].reduce(0, +)
            var sse = 0.0
            for t in w..<y.count {
                let e = y[t] - sum / Double(w)
                sse += e * e
                sum += y[t] - y[t - w]
            }
            sse /= Double(y.count - w)
            if sse < best.sse { best = (w, sse) }
        }
        window = best.window
    }

    /// The mean of the (up to) `window` values before `origin`, repeated.
    public func forecast(_ data: SeriesData, origin: Int, horizon: Int) -> [Double] {
        precondition(origin >= 1 && origin <= data.count && horizon >= 1)
        let w = min(max(window, 1), origin)
        let mean = data.target[(origin - w)..<origin].reduce(0, +) / Double(w)
        return Array(repeating: mean, count: horizon)
    }
}
