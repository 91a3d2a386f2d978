/// A forecasting model: fitted once on a training part, then asked for forecasts from any
/// origin of a (possibly longer) series, using only the values before that origin.
public protocol Forecaster: Sendable {
    /// The catalogue name (`naive`, `hw`, `lstm`...).
    var name: String { get }

    /// The fewest points `fit` accepts.
    var minimumFitCount: Int { get }

    /// Estimates parameters from `data` (the training part only).
    mutating func fit(_ data: SeriesData) throws

    /// Point forecasts for steps `1...horizon` after `origin`; history is `data.target[..<origin]`.
    func forecast(_ data: SeriesData, origin: Int, horizon: Int) -> [Double]

    /// Forecasts from every origin in `origins`: `result[i][h - 1]` is the h-step forecast
    /// made at `origins.lowerBound + i`. Models with a recursive state override this to run
    /// their filter once instead of once per origin.
    func rollingForecasts(_ data: SeriesData, origins: Range<Int>, horizon: Int) -> [[Double]]

    /// The smallest origin from which `forecast` can answer (enough history).
    var minimumHistory: Int { get }
}

extension Forecaster {
    /// Calls `forecast` once per origin.
    public func rollingForecasts(_ data: SeriesData, origins: Range<Int>, horizon: Int) -> [[Double]] {
        origins.map { forecast(data, origin: $0, horizon: horizon) }
    }
}
