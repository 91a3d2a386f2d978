import ArgumentParser
import Foundation
import KairosForecast

/// `kairos forecast bench-lstm`: trains the paper's LSTM configuration, times it and one
/// inference step, and can export the exact problem (data, initial weights, batch order) so a
/// PyTorch script can train the same network for a like-for-like comparison.
struct ForecastBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-lstm",
        abstract: "Time training of the paper's LSTM (3x16, Adam 0.05, MSE, batch 32) and one inference step."
    )

    @Option(help: "Training epochs (the paper: 500 to 10000).")
    var epochs: Int = 500

    @Option(help: "Training samples (windows); the paper uses 100.")
    var samples: Int = 100

    @Option(help: "Seed for data, initial weights and batch order.")
    var seed: UInt64 = 1

    @Option(help: "Single-window inference calls to time.")
    var inferenceCalls: Int = 20000

    @Option(help: "Clip the gradient's global norm to this (the paper's setting has no clipping).")
    var clipNorm: Double?

    @Option(help: "Arithmetic: float32 (default, as PyTorch's default) or float64.")
    var precision: String = "float32"

    @Option(help: "Write the problem and Swift's results as JSON here (for scripts/forecast-bench-lstm).")
    var export: String?

    /// Everything the PyTorch side needs to replay the run.
    struct Export: Encodable {
        var layers: Int, hidden: Int, inputSize: Int, steps: Int, outputs: Int
        var epochs: Int, batchSize: Int, learningRate: Double
        var windows: [Double], targets: [Double]
        var initialTensors: [String: [Double]]
        var tensorOrder: [String]
        var epochOrders: [[Int]]
        var precision: String
        var clipNorm: Double?
        var swiftSeconds: Double
        var swiftLosses: [Double]
        var swiftFinalLoss: Double
        var swiftInferenceMicros: Double
    }

    func run() async throws {
        guard epochs >= 1, samples >= 2, inferenceCalls >= 1 else { throw ValidationError("counts must be positive") }
        let config = LSTMConfig.paper
        let steps = config.lookback
        // The paper's workload: features per step = total and the three users, MinMax-scaled.
        let data = Workloads.paperThreeUsers(count: samples + steps, seed: seed)
        let columns = [data.target] + data.covariates
        let scalers = columns.map { MinMaxScaler(fitting: $0) }
        let f = columns.count
        var windows: [Double] = []
        var targets: [Double] = []
        for origin in steps..<(samples + steps) {
            for t in (origin - steps)..<origin { for c in 0..<f { windows.append(scalers[c].transform(columns[c][t])) } }
            targets.append(scalers[0].transform(data.target[origin]))
        }
        var generator = SeededGenerator(seed: seed)
        let shape = LSTMShape(inputSize: f, hiddenSize: config.hiddenSize, layers: config.layers, outputSize: 1)
        var network = LSTMNetwork(shape: shape, generator: &generator)
        let initial = network
        var replay = generator
        var orders: [[Int]] = []
        var order = Array(0..<samples)
        for _ in 0..<epochs { order.shuffle(using: &replay); orders.append(order) }
        var options = config.training
        options.epochs = epochs
        guard let chosen = LSTMPrecision(rawValue: precision) else { throw ValidationError("--precision must be float32 or float64") }
        options.precision = chosen
        if let clipNorm {
            guard clipNorm > 0 else { throw ValidationError("--clip-norm must be positive") }
            options.clipNorm = clipNorm
        }
        let clock = ContinuousClock()
        let start = clock.now
        let report = LSTMTrainer.train(&network, windows: windows, targets: targets, steps: steps, options: options, generator: &generator)
        let seconds = (clock.now - start).seconds
        let predictions = network.predict(windows, batch: samples, steps: steps)
        let finalLoss = zip(predictions, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(samples)
        // One inference step: a single 7-step window through the trained 3-layer network.
        let inference = LSTMInference(network: network, steps: steps, precision: chosen)
        let window = Array(windows[0..<(steps * f)])
        var sink = 0.0
        for _ in 0..<100 { sink += inference.predict(window)[0] }
        let inferenceStart = clock.now
        for _ in 0..<inferenceCalls { sink += inference.predict(window)[0] }
        let micros = (clock.now - inferenceStart).seconds * 1e6 / Double(inferenceCalls)
        print(String(format: "swift (\(precision)): %d epochs x %d samples in %.3f s (%.2f ms/epoch); last-epoch loss %.6f; full-data MSE %.6f; inference %.2f us/step%@",
                     epochs, samples, seconds, seconds * 1000 / Double(epochs), report.trainingLosses.last ?? .nan, finalLoss, micros,
                     sink.isNaN ? " (nan)" : ""))
        if let export {
            let tensors = initial.pytorchTensors()
            let payload = Export(layers: shape.layers, hidden: shape.hiddenSize, inputSize: f, steps: steps, outputs: 1,
                                 epochs: epochs, batchSize: options.batchSize, learningRate: options.learningRate,
                                 windows: windows, targets: targets,
                                 initialTensors: Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.values) }),
                                 tensorOrder: tensors.map(\.name), epochOrders: orders,
                                 precision: precision, clipNorm: options.clipNorm, swiftSeconds: seconds, swiftLosses: report.trainingLosses, swiftFinalLoss: finalLoss,
                                 swiftInferenceMicros: micros)
            try Data(try jsonLine(payload).utf8).write(to: URL(fileURLWithPath: export))
        }
    }
}
