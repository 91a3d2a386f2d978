/// Repeated single-window inference with buffers allocated once, for the hot path of an
/// autopilot that asks for one forecast per interval. Not thread-safe; use one per task.
public final class LSTMInference {
    private let single: LSTMEngine<Float>?
    private let double: LSTMEngine<Double>?
    private let inputSize: Int
    /// Time steps per window.
    public let steps: Int

    /// Prepares inference for `network` on windows of `steps` time steps.
    public init(network: LSTMNetwork, steps: Int, precision: LSTMPrecision = .float32) {
        precondition(steps >= 1)
        single = precision == .float32 ? LSTMEngine<Float>(shape: network.shape, parameters: network.parameters) : nil
        double = precision == .float64 ? LSTMEngine<Double>(shape: network.shape, parameters: network.parameters) : nil
        inputSize = network.shape.inputSize
        self.steps = steps
    }

    /// Outputs for one window laid out `[steps][inputSize]`.
    public func predict(_ window: [Double]) -> [Double] {
        precondition(window.count == steps * inputSize, "window has the wrong size")
        if let single { return single.forward(window, batch: 1, steps: steps) }
        return double!.forward(window, batch: 1, steps: steps)
    }
}
