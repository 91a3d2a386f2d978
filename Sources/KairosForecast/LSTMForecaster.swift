/// Settings of the LSTM forecaster.
public struct LSTMConfig: Codable, Sendable, Equatable {
    /// Stacked LSTM layers.
    public var layers: Int = 2
    /// Units per layer.
    public var hiddenSize: Int = 16
    /// Time steps fed to the network per forecast.
    public var lookback: Int = 24
    /// Forecast steps produced at once (direct multi-step output).
    public var horizon: Int = 1
    /// Season lengths for seasonal-lag and calendar features.
    public var seasonLengths: [Int] = []
    /// Add y(t+1-m) per season m: the value one season before the step being predicted.
    public var seasonalLagFeatures: Bool = true
    /// Add sin/cos of the phase of the predicted step within each season.
    public var calendarFeatures: Bool = true
    /// Use the series' covariates (lagged) as inputs.
    public var useCovariates: Bool = true
    /// Learn the change from the last observed value instead of the level: a network whose
    /// outputs are near zero is then close to the naive forecast, and training learns corrections.
    public var predictChange: Bool = true
    /// Fraction of the (chronologically last) training windows held out for early stopping.
    public var validationFraction: Double = 0.1
    /// Train on at most this many of the most recent windows (bounds training time); nil for all.
    public var maxTrainingWindows: Int? = 8000
    /// Optimiser, loss, clipping and early stopping.
    public var training = LSTMTrainingOptions()
    /// Seed for initialisation and shuffling.
    public var seed: UInt64 = 42

    /// Creates a configuration with the defaults above.
    public init() {}

    /// The paper's configuration (seed 000, Table 1): 3 layers of 16 units, Adam at 0.05, MSE,
    /// batch 32, lookback 7, 500 epochs, MinMax scaling; no clipping, no early stopping.
    public static var paper: LSTMConfig {
        var c = LSTMConfig()
        c.layers = 3
        c.hiddenSize = 16
        c.lookback = 7
        c.seasonalLagFeatures = false
        c.calendarFeatures = false
        c.predictChange = false
        c.validationFraction = 0
        c.maxTrainingWindows = nil
        c.training.epochs = 500
        c.training.batchSize = 32
        c.training.learningRate = 0.05
        c.training.loss = .mse
        c.training.clipNorm = nil
        c.training.patience = nil
        return c
    }
}

/// An LSTM forecaster on MinMax-scaled inputs: the target, optional covariates, seasonal lags
/// and calendar phase per time step; a linear head predicts the next `horizon` values.
public struct LSTMForecaster: Forecaster, Codable, Equatable {
    /// Settings.
    public var config: LSTMConfig
    /// The trained network (nil before `fit`).
    public private(set) var network: LSTMNetwork?
    /// Scaler of the target (fitted on the training part).
    public private(set) var targetScaler = MinMaxScaler(minimum: 0, maximum: 1)
    /// Scalers of the covariates (fitted on the training part).
    public private(set) var covariateScalers: [MinMaxScaler] = []
    /// Loss curve of the last `fit` (not persisted).
    public private(set) var lastReport: LSTMTrainingReport?

    private enum CodingKeys: String, CodingKey { case config, network, targetScaler, covariateScalers }

    /// Creates an untrained model.
    public init(config: LSTMConfig = LSTMConfig()) {
        precondition(config.layers >= 1 && config.hiddenSize >= 1 && config.lookback >= 1 && config.horizon >= 1)
        self.config = config
    }

    /// `lstm`.
    public var name: String { "lstm" }

    /// The longest seasonal lag used.
    private var seasonReach: Int { config.seasonalLagFeatures ? max((config.seasonLengths.max() ?? 1) - 1, 0) : 0 }

    /// Enough history for one window, its seasonal lags and a few training examples.
    public var minimumFitCount: Int { minimumHistory + config.horizon + 8 }
    /// One window plus its seasonal lags.
    public var minimumHistory: Int { config.lookback + seasonReach }

    /// Features per time step for a series with `covariateCount` covariates.
    func featureCount(covariateCount: Int) -> Int {
        1 + (config.useCovariates ? covariateCount : 0)
            + (config.seasonalLagFeatures ? config.seasonLengths.count : 0)
            + (config.calendarFeatures ? 2 * config.seasonLengths.count : 0)
    }

    /// The scaled feature matrix `[count][features]`; row τ describes step τ and the phase of τ+1.
    func featureRows(_ data: SeriesData, upTo end: Int) -> [Double] {
        let covariateCount = config.useCovariates ? data.covariates.count : 0
        let f = featureCount(covariateCount: data.covariates.count)
        var rows = [Double](repeating: 0, count: end * f)
        let scaled = data.target[..<end].map(targetScaler.transform)
        for tau in 0..<end {
            var j = tau * f
            rows[j] = scaled[tau]; j += 1
            for c in 0..<covariateCount {
                rows[j] = covariateScalers[c].transform(data.covariates[c][tau]); j += 1
            }
            if config.seasonalLagFeatures {
                for m in config.seasonLengths { rows[j] = scaled[max(tau + 1 - m, 0)]; j += 1 }
            }
            if config.calendarFeatures {
                for m in config.seasonLengths {
                    let phase = 2 * Double.pi * Double((tau + 1) % m) / Double(m)
                    rows[j] = _sin(phase); rows[j + 1] = _cos(phase); j += 2
                }
            }
        }
        return rows
    }

    /// Scales on `data`, builds windows and trains with early stopping on the last windows.
    public mutating func fit(_ data: SeriesData) throws {
        try data.validate()
        guard data.count >= minimumFitCount else { throw ForecastError.seriesTooShort(needed: minimumFitCount, got: data.count) }
        guard config.validationFraction >= 0 && config.validationFraction < 1 else {
            throw ForecastError.invalidConfiguration("validationFraction must be in [0, 1)")
        }
        targetScaler = MinMaxScaler(fitting: data.target)
        covariateScalers = config.useCovariates ? data.covariates.map { MinMaxScaler(fitting: $0) } : []
        let f = featureCount(covariateCount: data.covariates.count)
        let h = config.horizon, lookback = config.lookback
        let rows = featureRows(data, upTo: data.count)
        var origins = Array(minimumHistory...(data.count - h))
        if let cap = config.maxTrainingWindows, origins.count > cap { origins = Array(origins.suffix(cap)) }
        let validationCount = Int((Double(origins.count) * config.validationFraction).rounded())
        let trainOrigins = origins.dropLast(validationCount)
        let validationOrigins = origins.suffix(validationCount)
        func build(_ list: ArraySlice<Int>) -> ([Double], [Double]) {
            var windows: [Double] = []
            var targets: [Double] = []
            windows.reserveCapacity(list.count * lookback * f)
            targets.reserveCapacity(list.count * h)
            for origin in list {
                windows += rows[((origin - lookback) * f)..<(origin * f)]
                let anchor = config.predictChange ? targetScaler.transform(data.target[origin - 1]) : 0
                for step in 0..<h { targets.append(targetScaler.transform(data.target[origin + step]) - anchor) }
            }
            return (windows, targets)
        }
        let (trainWindows, trainTargets) = build(trainOrigins)
        let (validationWindows, validationTargets) = build(validationOrigins)
        var generator = SeededGenerator(seed: config.seed)
        var net = LSTMNetwork(shape: LSTMShape(inputSize: f, hiddenSize: config.hiddenSize, layers: config.layers, outputSize: h),
                              generator: &generator)
        lastReport = LSTMTrainer.train(&net, windows: trainWindows, targets: trainTargets, steps: lookback,
                                       validationWindows: validationWindows, validationTargets: validationTargets,
                                       options: config.training, generator: &generator)
        network = net
    }

    /// The forecast from one origin.
    public func forecast(_ data: SeriesData, origin: Int, horizon: Int) -> [Double] {
        rollingForecasts(data, origins: origin..<(origin + 1), horizon: horizon)[0]
    }

    /// Batched forecasts from every origin (origins with too little history repeat the last value).
    public func rollingForecasts(_ data: SeriesData, origins: Range<Int>, horizon: Int) -> [[Double]] {
        guard let network else { preconditionFailure("fit before forecasting") }
        guard !origins.isEmpty else { return [] }
        precondition(origins.lowerBound >= 1 && origins.upperBound <= data.count + 1 && horizon >= 1)
        precondition(!config.useCovariates || data.covariates.count == covariateScalers.count, "covariates differ from training")
        let f = network.shape.inputSize, lookback = config.lookback, outputs = network.shape.outputSize
        let rows = featureRows(data, upTo: origins.upperBound - 1)
        let inference = LSTMBatchInference(network: network, precision: config.training.precision)
        var result = [[Double]](repeating: [], count: origins.count)
        let usable = origins.filter { $0 >= minimumHistory }
        let chunk = 512
        var start = 0
        while start < usable.count {
            let batch = Array(usable[start..<min(start + chunk, usable.count)])
            var windows: [Double] = []
            windows.reserveCapacity(batch.count * lookback * f)
            for origin in batch { windows += rows[((origin - lookback) * f)..<(origin * f)] }
            let y = inference.forward(windows, batch: batch.count, steps: lookback)
            for (i, origin) in batch.enumerated() {
                let anchor = config.predictChange ? targetScaler.transform(data.target[origin - 1]) : 0
                var values = (0..<min(horizon, outputs)).map { targetScaler.inverse(y[i * outputs + $0] + anchor) }
                while values.count < horizon { values.append(values.last!) }
                result[origin - origins.lowerBound] = values
            }
            start += chunk
        }
        for (i, origin) in origins.enumerated() where result[i].isEmpty {
            result[i] = Array(repeating: data.target[origin - 1], count: horizon)
        }
        return result
    }
}

/// Batched forward passes in the configured precision.
struct LSTMBatchInference {
    private let single: LSTMEngine<Float>?
    private let double: LSTMEngine<Double>?

    init(network: LSTMNetwork, precision: LSTMPrecision) {
        single = precision == .float32 ? LSTMEngine<Float>(shape: network.shape, parameters: network.parameters) : nil
        double = precision == .float64 ? LSTMEngine<Double>(shape: network.shape, parameters: network.parameters) : nil
    }

    func forward(_ windows: [Double], batch: Int, steps: Int) -> [Double] {
        if let single { return single.forward(windows, batch: batch, steps: steps) }
        return double!.forward(windows, batch: batch, steps: steps)
    }
}
