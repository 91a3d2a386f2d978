/// Simple exponential smoothing: a level updated by `alpha` per step, forecast flat.
/// `alpha` is fitted by minimising the one-step squared error on the training part.
public struct ExponentialSmoothingForecaster: Forecaster, Codable, Equatable {
    /// Smoothing weight of the newest value, in (0, 1).
    public var alpha: Double

    /// Creates the model; `fit` replaces `alpha`.
    public init(alpha: Double = 0.5) {
        precondition(alpha > 0 && alpha <= 1)
        self.alpha = alpha
    }

    /// `ses`.
    public var name: String { "ses" }
    /// Three points.
    public var minimumFitCount: Int { 3 }
    /// One point.
    public var minimumHistory: Int { 1 }

    /// Golden-section search for the `alpha` with the least one-step squared error.
    public mutating func fit(_ data: SeriesData) throws {
        guard data.count >= minimumFitCount else { throw ForecastError.seriesTooShort(needed: minimumFitCount, got: data.count) }
        let y = data.target
        func sse(_ a: Double) -> Double {
            var level = y[0]
            var total = 0.0
            for t in 1..<y.count {
                let e = y[t] - level
                total += e * e
                level += a * e
            }
            return total
        }
        alpha = goldenSectionMinimum(sse, lower: 0.001, upper: 1.0, tolerance: 1e-5)
    }

    /// The smoothed level after `data.target[..<origin]`, repeated.
    public func forecast(_ data: SeriesData, origin: Int, horizon: Int) -> [Double] {
        precondition(origin >= 1 && origin <= data.count && horizon >= 1)
        var level = data.target[0]
        for t in 1..<origin { level += alpha * (data.target[t] - level) }
        return Array(repeating: level, count: horizon)
    }

    /// Runs the filter once across all origins.
    public func rollingForecasts(_ data: SeriesData, origins: Range<Int>, horizon: Int) -> [[Double]] {
        guard !origins.isEmpty else { return [] }
        precondition(origins.lowerBound >= 1 && origins.upperBound <= data.count + 1)
        var level = data.target[0]
        var result: [[Double]] = []
        result.reserveCapacity(origins.count)
        for t in 1..<origins.upperBound {
            if t >= origins.lowerBound { result.append(Array(repeating: level, count: horizon)) }
            if t < data.count { level += alpha * (data.target[t] - level) }
        }
        return result
    }
}

/// Minimises a unimodal function on [lower, upper] by golden-section search.
func goldenSectionMinimum(_ f: (Double) -> Double, lower: Double, upper: Double, tolerance: Double) -> Double {
    let ratio = (5.0.squareRoot() - 1) / 2
    var a = lower, b = upper
    var c = b - ratio * (b - a), d = a + ratio * (b - a)
    var fc = f(c), fd = f(d)
    while b - a > tolerance {
        if fc < fd {
            b = d; d = c; fd = fc
            c = b - ratio * (b - a); fc = f(c)
        } else {
            a = c; c = d; fc = fd
            d = a + ratio * (b - a); fd = f(d)
        }
    }
    return (a + b) / 2
}
