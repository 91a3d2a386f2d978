import ArgumentParser
import Foundation
import KairosForecast

/// Where the series comes from.
struct ForecastInputOptions: ParsableArguments {
    @Option(help: "CSV file; an optional header row, one row per interval.")
    var input: String

    @Option(help: "Column holding the volume (default: the last numeric column).")
    var column: String?

    @Option(help: "Comma-separated columns to feed the LSTM as lagged covariates (e.g. per-source volumes).")
    var covariates: String?

    @Option(help: "Season length(s) in intervals, e.g. 288 or 48,336; 'auto' detects from the training part; 'none' disables.")
    var season: String = "auto"

    /// Reads and parses the CSV.
    func load() throws -> SeriesData {
        let text: String
        do {
            text = try String(contentsOfFile: input, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read \(input): \(error.localizedDescription)")
        }
        let name = column ?? URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
        let covariateColumns = covariates.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
        return try CSVSeries.parse(text, name: name, column: column, covariateColumns: covariateColumns)
    }

    /// Season lengths: given, none, or detected from `trainingPart`.
    func seasonLengths(trainingPart: [Double]) throws -> [Int] {
        switch season.lowercased() {
        case "auto": return SeasonDetection.detect(trainingPart)
        case "none", "0", "": return []
        default:
            let values = season.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard values.allSatisfy({ ($0 ?? 0) >= 2 }) else { throw ValidationError("--season takes integers of at least 2, 'auto' or 'none'") }
            return values.map { $0! }
        }
    }
}

/// Model settings shared by backtest and train.
struct ForecastModelOptions: ParsableArguments {
    @Option(help: "Forecast steps ahead; metrics are reported for the last step.")
    var horizon: Int = 1

    @Option(help: "Fixed upper quantile every forecast carries (producers are provisioned for it); overrides the default under-provisioning target.")
    var quantile: Double?

    @Option(name: .customLong("target-underprovision"),
            help: "Under-provisioning rate to aim for: the quantile is the smallest that meets it on the validation tail (default 0.01 when --quantile is not given).")
    var targetUnderprovision: Double?

    @Option(help: "LSTM layers.")
    var lstmLayers: Int = 2

    @Option(help: "LSTM units per layer.")
    var lstmHidden: Int = 16

    @Option(help: "LSTM look-back window in intervals.")
    var lstmLookback: Int = 24

    @Option(help: "LSTM maximum epochs (early stopping on a validation split).")
    var lstmEpochs: Int = 100

    @Option(help: "LSTM Adam learning rate.")
    var lstmLearningRate: Double = 0.01

    @Option(help: "LSTM loss: mse or pinball (trains the output as the --quantile quantile, 0.9 when not given).")
    var lstmLoss: String = "mse"

    @Option(help: "LSTM: train on at most this many most recent windows.")
    var lstmMaxWindows: Int = 8000

    @Option(help: "Seed for every random choice.")
    var seed: UInt64 = 42

    /// How the upper quantile is set: a fixed level, or chosen for an under-provisioning target.
    enum QuantileChoice {
        case fixed(Double)
        case target(Double)
    }

    /// The default under-provisioning target when neither option is given.
    static let defaultUnderprovisionTarget = 0.01

    /// `--quantile` if given, else `--target-underprovision` (default 0.01); not both.
    func quantileChoice() throws -> QuantileChoice {
        switch (quantile, targetUnderprovision) {
        case (.some, .some): throw ValidationError("give --quantile or --target-underprovision, not both")
        case let (.some(q), nil):
            guard q > 0 && q < 1 else { throw ValidationError("--quantile must be in (0, 1)") }
            return .fixed(q)
        case let (nil, t):
            let target = t ?? Self.defaultUnderprovisionTarget
            guard target >= 0 && target < 1 else { throw ValidationError("--target-underprovision must be in [0, 1)") }
            return .target(target)
        }
    }

    /// Validates ranges and builds the settings.
    func settings(seasons: [Int]) throws -> ModelSettings {
        guard horizon >= 1 else { throw ValidationError("--horizon must be at least 1") }
        _ = try quantileChoice()
        guard lstmLayers >= 1, lstmHidden >= 1, lstmLookback >= 1, lstmEpochs >= 1, lstmLearningRate > 0, lstmMaxWindows >= 1 else {
            throw ValidationError("LSTM options must be positive")
        }
        var s = ModelSettings()
        s.seasonLengths = seasons
        s.horizon = horizon
        s.lstm.layers = lstmLayers
        s.lstm.hiddenSize = lstmHidden
        s.lstm.lookback = lstmLookback
        s.lstm.training.epochs = lstmEpochs
        s.lstm.training.learningRate = lstmLearningRate
        s.lstm.maxTrainingWindows = lstmMaxWindows
        s.lstm.seed = seed
        switch lstmLoss {
        case "mse": s.lstm.training.loss = .mse
        case "pinball": s.lstm.training.loss = .pinball(tau: quantile ?? 0.9)
        default: throw ValidationError("--lstm-loss must be mse or pinball")
        }
        return s
    }
}

/// Parses a comma-separated list of numbers.
func parseNumberList(_ text: String, option: String) throws -> [Double] {
    let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite }) else {
        throw ValidationError("\(option) takes comma-separated numbers")
    }
    return values.map { $0! }
}

/// One-line JSON (keys sorted) for machine-readable output.
func jsonLine(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Right-aligned fixed-width number for tables.
func cell(_ value: Double, decimals: Int = 3, width: Int = 9) -> String {
    let s = String(format: "%.\(decimals)f", value)
    return String(repeating: " ", count: max(0, width - s.count)) + s
}

/// Left-aligned padded text for tables.
func cell(_ text: String, width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}
