import ArgumentParser
import Foundation
import KairosForecast

/// `kairos forecast export-lstm`: a random network, random inputs and Swift's outputs as JSON,
/// for scripts/forecast-verify-pytorch to check against `torch.nn.LSTM`.
struct ForecastExportLSTMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-lstm",
        abstract: "Export a seeded LSTM, inputs and Swift's forward outputs (PyTorch tensor layout) as JSON."
    )

    @Option var layers: Int = 3
    @Option var hidden: Int = 16
    @Option var inputSize: Int = 4
    @Option var steps: Int = 7
    @Option var batch: Int = 8
    @Option var outputs: Int = 1
    @Option var seed: UInt64 = 1
    @Option(help: "Arithmetic of the Swift forward pass: float64 or float32.")
    var precision: String = "float64"

    @Option(help: "Output JSON file.")
    var out: String

    /// The exported problem.
    struct Export: Encodable {
        var layers: Int, hidden: Int, inputSize: Int, steps: Int, batch: Int, outputs: Int
        var tensors: [String: [Double]]
        var tensorOrder: [String]
        var inputs: [Double]
        var swiftOutputs: [Double]
        var precision: String
    }

    func run() async throws {
        guard layers >= 1, hidden >= 1, inputSize >= 1, steps >= 1, batch >= 1, outputs >= 1 else {
            throw ValidationError("sizes must be positive")
        }
        var g = SeededGenerator(seed: seed)
        let shape = LSTMShape(inputSize: inputSize, hiddenSize: hidden, layers: layers, outputSize: outputs)
        let network = LSTMNetwork(shape: shape, generator: &g)
        let inputs = (0..<(batch * steps * inputSize)).map { _ in g.uniform(-2, 2) }
        guard let chosen = LSTMPrecision(rawValue: precision) else { throw ValidationError("--precision must be float32 or float64") }
        let result = network.predict(inputs, batch: batch, steps: steps, precision: chosen)
        let tensors = network.pytorchTensors()
        let payload = Export(layers: layers, hidden: hidden, inputSize: inputSize, steps: steps, batch: batch, outputs: outputs,
                             tensors: Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.values) }),
                             tensorOrder: tensors.map(\.name), inputs: inputs, swiftOutputs: result, precision: precision)
        try Data(try jsonLine(payload).utf8).write(to: URL(fileURLWithPath: out))
        print("wrote \(out): \(shape.parameterCount) parameters, \(batch) windows")
    }
}
