import XCTest
@testable import KairosForecast

final class LSTMTrainingTests: XCTestCase {
    /// A sine wave is easy to predict one step ahead: the trained LSTM must be far better than naive.
    func testLearnsSineWave() throws {
        let y = (0..<400).map { 50 + 20 * sin(Double($0) * 2 * .pi / 25) }
        var config = LSTMConfig()
        config.layers = 1
        config.hiddenSize = 8
        config.lookback = 6
        config.calendarFeatures = false
        config.seasonalLagFeatures = false
        config.training.epochs = 25
        config.training.learningRate = 0.03
        config.training.patience = nil
        var model = LSTMForecaster(config: config)
        let data = SeriesData(target: y)
        try model.fit(data.prefix(320))
        let forecasts = model.rollingForecasts(data, origins: 320..<400, horizon: 1).map { $0[0] }
        let lstm = ErrorMetrics(actual: Array(y[320...]), forecast: forecasts)
        let naive = ErrorMetrics(actual: Array(y[320...]), forecast: Array(y[319..<399]))
        XCTAssertLessThan(lstm.rmse, naive.rmse / 3, "lstm \(lstm.rmse) vs naive \(naive.rmse)")
        let losses = model.lastReport!.trainingLosses
        XCTAssertLessThan(losses.last!, losses.first! / 10)
    }

    func testTrainingIsReproducibleFromSeed() throws {
        let data = Workloads.realisticTraffic(count: 300, shape: { var s = Workloads.TrafficShape(); s.stepsPerDay = 24; return s }(), seed: 5)
        var config = LSTMConfig()
        config.hiddenSize = 4
        config.lookback = 6
        config.seasonLengths = [24]
        config.training.epochs = 3
        var a = LSTMForecaster(config: config), b = LSTMForecaster(config: config)
        try a.fit(data)
        try b.fit(data)
        XCTAssertEqual(a.network, b.network)
        config.seed = 43
        var c = LSTMForecaster(config: config)
        try c.fit(data)
        XCTAssertNotEqual(a.network, c.network)
    }

    /// With a validation set that only gets worse, early stopping keeps the weights of the best epoch.
    func testEarlyStoppingRestoresBestWeights() {
        let shape = LSTMShape(inputSize: 1, hiddenSize: 3, layers: 1, outputSize: 1)
        var g = SeededGenerator(seed: 11)
        var network = LSTMNetwork(shape: shape, generator: &g)
        let windows = (0..<(64 * 4)).map { _ in g.uniform(0, 1) }
        let targets = (0..<64).map { windows[$0 * 4 + 3] }
        // Validation targets contradict training targets, so validation loss rises as training fits.
        let validationWindows = Array(windows[0..<(16 * 4)])
        let validationTargets = (0..<16).map { 1 - windows[$0 * 4 + 3] }
        var options = LSTMTrainingOptions()
        options.epochs = 80
        options.learningRate = 0.05
        options.patience = 5
        options.precision = .float64
        let report = LSTMTrainer.train(&network, windows: windows, targets: targets, steps: 4,
                                       validationWindows: validationWindows, validationTargets: validationTargets,
                                       options: options, generator: &g)
        XCTAssertLessThan(report.trainingLosses.count, 80, "stopped early")
        XCTAssertEqual(report.trainingLosses.count, report.bestEpoch + 5)
        let engine = LSTMEngine<Double>(shape: shape, parameters: network.parameters)
        let kept = LSTMTrainer.meanLoss(engine: engine, windows: validationWindows, targets: validationTargets, steps: 4, loss: .mse)
        XCTAssertEqual(kept, report.validationLosses[report.bestEpoch - 1], accuracy: 1e-12)
        XCTAssertEqual(kept, report.validationLosses.min()!, accuracy: 1e-12)
    }

    func testGradientClippingBoundsNorm() {
        var g = [3.0, 4.0, 12.0]
        g.withUnsafeMutableBufferPointer { LSTMTrainer.clipGradient($0.baseAddress!, count: 3, maxNorm: 1.3) }
        XCTAssertEqual((g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).squareRoot(), 1.3, accuracy: 1e-6)
        XCTAssertEqual(g[1] / g[0], 4.0 / 3.0, accuracy: 1e-12)
        var small = [0.1, 0.2]
        small.withUnsafeMutableBufferPointer { LSTMTrainer.clipGradient($0.baseAddress!, count: 2, maxNorm: 1) }
        XCTAssertEqual(small, [0.1, 0.2])
    }

    /// A pinball-trained model sits near the requested quantile of noisy data.
    func testPinballLossLearnsUpperQuantile() throws {
        var rng = SeededGenerator(seed: 21)
        let y = (0..<600).map { _ in 100 + 10 * rng.normal() }
        var config = LSTMConfig()
        config.layers = 1
        config.hiddenSize = 4
        config.lookback = 4
        config.calendarFeatures = false
        config.seasonalLagFeatures = false
        config.training.epochs = 40
        config.training.loss = .pinball(tau: 0.9)
        config.training.learningRate = 0.02
        config.training.patience = nil
        var model = LSTMForecaster(config: config)
        let data = SeriesData(target: y)
        try model.fit(data.prefix(500))
        let f = model.rollingForecasts(data, origins: 500..<600, horizon: 1).map { $0[0] }
        let covered = zip(y[500...], f).filter { $0 <= $1 }.count
        XCTAssertGreaterThan(covered, 75)
        XCTAssertLessThan(covered, 99)
        XCTAssertGreaterThan(f.reduce(0, +) / 100, 105)
    }

    /// Single and double precision kernels agree to single-precision accuracy, forward and in training.
    func testFloatAndDoubleKernelsAgree() throws {
        let shape = LSTMShape(inputSize: 3, hiddenSize: 16, layers: 2, outputSize: 2)
        var g = SeededGenerator(seed: 31)
        let network = LSTMNetwork(shape: shape, generator: &g)
        let x = (0..<(5 * 7 * 3)).map { _ in g.uniform(-2, 2) }
        let double = network.predict(x, batch: 5, steps: 7, precision: .float64)
        let single = network.predict(x, batch: 5, steps: 7, precision: .float32)
        for (a, b) in zip(double, single) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let windows = (0..<(40 * 7 * 3)).map { _ in g.uniform(0, 1) }
        let targets = (0..<80).map { _ in g.uniform(0, 1) }
        var options = LSTMTrainingOptions()
        options.epochs = 3
        var reports: [LSTMTrainingReport] = []
        for precision in [LSTMPrecision.float64, .float32] {
            options.precision = precision
            var net = network, gen = SeededGenerator(seed: 5)
            reports.append(LSTMTrainer.train(&net, windows: windows, targets: targets, steps: 7, options: options, generator: &gen))
        }
        for (a, b) in zip(reports[0].trainingLosses, reports[1].trainingLosses) { XCTAssertEqual(a, b, accuracy: 1e-4 * a) }
    }

    /// The vectorised exp matches the library exp across the range the gates see.
    func testVectorisedExp() {
        for x in stride(from: -50.0, through: 50.0, by: 0.37) {
            let d = Double.exp4(SIMD4(repeating: x))[0]
            XCTAssertEqual(d, exp(x), accuracy: 2e-15 * exp(x))
            let f = Float.exp4(SIMD4(repeating: Float(x)))[0]
            XCTAssertEqual(Double(f), exp(Double(Float(x))), accuracy: 3e-7 * exp(Double(Float(x))))
        }
        XCTAssertEqual(Double.exp4(SIMD4(repeating: -1e6))[0], exp(-708), accuracy: 1e-300)
        XCTAssertTrue(Double.exp4(SIMD4(repeating: 1e6))[0].isFinite)
    }

    func testPyTorchLayoutRoundTrip() throws {
        let shape = LSTMShape(inputSize: 3, hiddenSize: 2, layers: 2, outputSize: 2)
        var g = SeededGenerator(seed: 4)
        let network = LSTMNetwork(shape: shape, generator: &g)
        let tensors = network.pytorchTensors()
        XCTAssertEqual(tensors.map(\.name), ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                             "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "head.weight", "head.bias"])
        XCTAssertEqual(tensors[0].values.count, 8 * 3)
        // weight_ih_l0[row r][col c] is Wᵀ[c][r] in our layout.
        XCTAssertEqual(tensors[0].values[1 * 3 + 2], network.parameters[2 * 8 + 1])
        let rebuilt = try LSTMNetwork(shape: shape, pytorchTensors: tensors.map(\.values))
        XCTAssertEqual(rebuilt, network)
        XCTAssertThrowsError(try LSTMNetwork(shape: shape, pytorchTensors: Array(tensors.map(\.values).dropLast())))
    }

    /// A hand-computed single-unit step: h = o·tanh(i·g) with zero recurrent state.
    func testForwardMatchesHandComputation() {
        let shape = LSTMShape(inputSize: 1, hiddenSize: 1, layers: 1, outputSize: 1)
        // Wᵀ_ih [1][4] = gates i,f,g,o; Wᵀ_hh [1][4]; b_ih [4]; b_hh [4]; head W [1][1]; b [1].
        let p: [Double] = [0.5, -0.3, 0.8, 0.2, 0, 0, 0, 0, 0.1, 0, -0.1, 0, 0, 0.2, 0, 0.05, 2.0, 0.5]
        let net = LSTMNetwork(shape: shape, parameters: p)
        let x = 0.7
        let sig = { (v: Double) in 1 / (1 + exp(-v)) }
        let i = sig(0.5 * x + 0.1), gg = tanh(0.8 * x - 0.1), o = sig(0.2 * x + 0.05)
        let h = o * tanh(i * gg)
        XCTAssertEqual(net.predict([x], batch: 1, steps: 1)[0], 2 * h + 0.5, accuracy: 1e-14)
    }
}
