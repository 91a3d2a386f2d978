/// Point-forecast accuracy over a test set.
public struct ErrorMetrics: Codable, Sendable, Equatable {
    /// Root mean squared error.
    public var rmse: Double
    /// Mean absolute error.
    public var mae: Double
    /// Symmetric MAPE in percent, `200/n · Σ |F − A| / (|A| + |F|)` (a 0/0 term counts as 0).
    public var smape: Double
    /// Number of forecast/actual pairs.
    public var count: Int

    /// Computes the metrics; the arrays must be equally long and non-empty.
    public init(actual: [Double], forecast: [Double]) {
        precondition(actual.count == forecast.count && !actual.isEmpty)
        var squared = 0.0, absolute = 0.0, symmetric = 0.0
        for (a, f) in zip(actual, forecast) {
            let e = f - a
            squared += e * e
            absolute += abs(e)
            let denominator = abs(a) + abs(f)
            if denominator > 0 { symmetric += abs(e) / denominator }
        }
        let n = Double(actual.count)
        rmse = (squared / n).squareRoot()
        mae = absolute / n
        smape = 200 * symmetric / n
        count = actual.count
    }
}
