/// A trained model as saved by `kairos forecast train`: the fitted model, its quantile
/// calibration, the settings and thresholds it was trained with, and a format version.
public struct ModelFile: Codable, Sendable, Equatable {
    /// The version this build writes; it reads this version and older ones.
    public static let currentVersion = 1
    /// Marks the JSON as one of ours.
    public static let formatName = "kairos-forecast-model"

    /// Always `formatName`.
    public var format: String
    /// File format version.
    public var version: Int
    /// Label of the training series.
    public var series: String
    /// Names of the covariates the model expects, in order.
    public var covariates: [String]
    /// Settings the model was built with.
    public var settings: ModelSettings
    /// Producer thresholds to apply to the upper forecasts.
    public var thresholds: [Double]
    /// Points the model was trained on.
    public var trainPoints: Int
    /// The fitted model and its calibration.
    public var model: CalibratedModel

    /// Creates a current-version model file.
    public init(series: String, covariates: [String], settings: ModelSettings, thresholds: [Double], trainPoints: Int, model: CalibratedModel) {
        format = Self.formatName
        version = Self.currentVersion
        self.series = series
        self.covariates = covariates
        self.settings = settings
        self.thresholds = thresholds
        self.trainPoints = trainPoints
        self.model = model
    }

    /// Throws unless this is a file this build understands.
    public func validate() throws {
        guard format == Self.formatName else { throw ForecastError.invalidInput("not a Kairos forecast model file (format '\(format)')") }
        guard version >= 1 && version <= Self.currentVersion else { throw ForecastError.unsupportedVersion(version) }
    }
}
