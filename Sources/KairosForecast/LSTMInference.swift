/// Repeated single-window inference with buffers allocated once, for the hot path of an
/// autopilot that asks for one forecast per interval. Not thread-safe; use one per task.
public final class LSTMInference {
    private let engine: LSTMEngine
    /// Time steps per window.
    public let steps: Int

    /// Prepares inference for `network` on windows of `steps` time steps.
    public init(network: LSTMNetwork, steps: Int) {
        precondition(steps >= 1)
        engine = LSTMEngine(shape: network.shape, parameters: network.parameters)
        self.steps = steps
    }

    /// Outputs for one window laid out `[steps][inputSize]`.
    public func predict(_ window: [Double]) -> [Double] {
        precondition(window.count == steps * engine.shape.inputSize, "window has the wrong size")
        return engine.forward(window, batch: 1, steps: steps)
    }
}
