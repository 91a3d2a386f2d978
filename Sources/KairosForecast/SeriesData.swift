/// A regularly spaced series to forecast: the target plus optional covariates observed at the
/// same instants (for example per-source volumes whose sum is the target).
///
/// Covariates are only ever used lagged (values at times before the forecast target), so a
/// forecast never needs a future covariate value.
public struct SeriesData: Sendable, Equatable {
    /// A label for reports (file or column name).
    public var name: String
    /// The values to forecast, oldest first.
    public var target: [Double]
    /// Extra series, each exactly as long as `target`.
    public var covariates: [[Double]]
    /// Names of the covariates, for reports and model files.
    public var covariateNames: [String]

    /// Creates a series; `covariates` must each have `target.count` values.
    public init(name: String = "series", target: [Double], covariates: [[Double]] = [], covariateNames: [String]? = nil) {
        precondition(covariates.allSatisfy { $0.count == target.count }, "covariates must align with the target")
        self.name = name
        self.target = target
        self.covariates = covariates
        self.covariateNames = covariateNames ?? covariates.indices.map { "covariate\($0)" }
    }

    /// Number of time steps.
    public var count: Int { target.count }

    /// The first `length` points (a training part).
    public func prefix(_ length: Int) -> SeriesData {
        precondition(length >= 0 && length <= count)
        return SeriesData(name: name, target: Array(target[..<length]),
                          covariates: covariates.map { Array($0[..<length]) }, covariateNames: covariateNames)
    }

    /// Throws unless every value is finite.
    public func validate() throws {
        if let bad = target.firstIndex(where: { !$0.isFinite }) {
            throw ForecastError.invalidInput("target value at row \(bad) is not finite")
        }
        for (i, column) in covariates.enumerated() where column.contains(where: { !$0.isFinite }) {
            throw ForecastError.invalidInput("covariate \(covariateNames[i]) has a value that is not finite")
        }
    }
}
