/// Additive Holt-Winters: level, trend and a seasonal profile of `seasonLength` steps, each
/// updated by its own smoothing weight. The weights are fitted by minimising the one-step
/// squared error on the training part (Nelder-Mead over logit-transformed weights).
public struct HoltWintersForecaster: Forecaster, Codable, Equatable {
    /// Season length in steps (at least 2).
    public var seasonLength: Int
    /// Level smoothing weight in (0, 1).
    public var alpha: Double
    /// Trend smoothing weight in (0, 1).
    public var beta: Double
    /// Seasonal smoothing weight in (0, 1).
    public var gamma: Double

    /// Creates the model; `fit` replaces the three weights.
    public init(seasonLength: Int, alpha: Double = 0.3, beta: Double = 0.01, gamma: Double = 0.1) {
        precondition(seasonLength >= 2)
        self.seasonLength = seasonLength
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
    }

    /// `hw`.
    public var name: String { "hw" }
    /// Two seasons plus a few points, to initialise level, trend and profile.
    public var minimumFitCount: Int { 2 * seasonLength + 2 }
    /// Two seasons (the initial state is estimated from them; earlier origins get seasonal-naive forecasts).
    public var minimumHistory: Int { 2 * seasonLength }

    /// Fits alpha, beta and gamma.
    public mutating func fit(_ data: SeriesData) throws {
        guard data.count >= minimumFitCount else { throw ForecastError.seriesTooShort(needed: minimumFitCount, got: data.count) }
        let y = data.target
        let m = seasonLength
        func weights(_ p: [Double]) -> (Double, Double, Double) {
            // Keep every weight strictly inside (0, 1); beta is held small so the trend stays damped-like.
            (0.001 + 0.998 * _sigmoid(p[0]), 0.001 + 0.298 * _sigmoid(p[1]), 0.001 + 0.998 * _sigmoid(p[2]))
        }
        let best = nelderMeadMinimum({ p in
            let (a, b, g) = weights(p)
            var sse = 0.0
            Self.filter(y, seasonLength: m, alpha: a, beta: b, gamma: g, until: y.count) { t, forecast in
                let e = y[t] - forecast
                sse += e * e
            }
            return sse.isFinite ? sse : .greatestFiniteMagnitude
        }, start: [logit(0.3), logit(0.05 / 0.3), logit(0.1)], step: 1.0, iterations: 300)
        (alpha, beta, gamma) = weights(best)
    }

    /// Forecasts from the state reached after `data.target[..<origin]`.
    public func forecast(_ data: SeriesData, origin: Int, horizon: Int) -> [Double] {
        rollingForecasts(data, origins: origin..<(origin + 1), horizon: horizon)[0]
    }

    /// Runs the filter once and records the h-step forecasts at every requested origin.
    public func rollingForecasts(_ data: SeriesData, origins: Range<Int>, horizon: Int) -> [[Double]] {
        guard !origins.isEmpty else { return [] }
        let y = data.target
        let m = seasonLength
        precondition(origins.upperBound <= y.count + 1 && horizon >= 1)
        var result = [[Double]](repeating: [], count: origins.count)
        // The state needs two whole seasons before the origin; the filter only reports states at
        // t >= 2m, each built from y[..<t] alone, so no origin sees data at or after itself.
        let filtered = y.count >= 2 * m ? origins.clamped(to: (2 * m)..<(y.count + 1)) : 0..<0
        if !filtered.isEmpty {
            Self.filter(y, seasonLength: m, alpha: alpha, beta: beta, gamma: gamma, until: filtered.upperBound - 1,
                        stateAt: { t, level, trend, season in
                            guard filtered.contains(t) else { return }
                            result[t - origins.lowerBound] = (1...horizon).map { h in
                                level + Double(h) * trend + season[(t + h - 1) % m]
                            }
                        }, step: { _, _ in })
        }
        // Origins with less than two seasons of history: the seasonal-naive answer from the last
        // season before the origin (or the last value), never a value at or after the origin.
        for (i, t) in origins.enumerated() where result[i].isEmpty {
            result[i] = (0..<horizon).map { step in t >= m ? y[t - m + step % m] : y[max(t - 1, 0)] }
        }
        return result
    }

    /// The recursion shared by fitting and forecasting. The state is initialised from the first
    /// two seasons `y[..<2m]` (level and trend from the two season means, the profile from both
    /// seasons' deviations from that line), then updated from `t = 2m` on, so the state reported
    /// at `t` depends on `y[..<t]` only. The one-step forecast of each `t` in `[2m, until)` is
    /// passed to `step`; `stateAt(t, ...)` sees the state after `y[..<t]` (season indexed by `t % m`).
    static func filter(
        _ y: [Double], seasonLength m: Int, alpha: Double, beta: Double, gamma: Double, until end: Int,
        stateAt: (Int, Double, Double, [Double]) -> Void = { _, _, _, _ in },
        step: (Int, Double) -> Void
    ) {
        let first = y[0..<m].reduce(0, +) / Double(m)
        let second = y[m..<(2 * m)].reduce(0, +) / Double(m)
        let trend0 = (second - first) / Double(m)
        // The line through the two season means: first at time (m-1)/2, rising by trend0 a step.
        func line(_ t: Int) -> Double { first + (Double(t) - Double(m - 1) / 2) * trend0 }
        // season[t % m] holds the seasonal term for time t: the mean deviation over both seasons.
        var season = [Double](repeating: 0, count: m)
        for i in 0..<m { season[i] = ((y[i] - line(i)) + (y[m + i] - line(m + i))) / 2 }
        // The state after y[..<2m]: the level at time 2m-1, advanced one step when forecasting.
        var level = line(2 * m - 1)
        var trend = trend0
        var t = 2 * m
        while t <= end {
            stateAt(t, level, trend, season)
            if t == end || t >= y.count { break }
            let s = season[t % m]
            let forecast = level + trend + s
            step(t, forecast)
            let newLevel = alpha * (y[t] - s) + (1 - alpha) * (level + trend)
            trend = beta * (newLevel - level) + (1 - beta) * trend
            season[t % m] = gamma * (y[t] - newLevel) + (1 - gamma) * s
            level = newLevel
            t += 1
        }
    }
}

func logit(_ p: Double) -> Double { _log(p / (1 - p)) }
