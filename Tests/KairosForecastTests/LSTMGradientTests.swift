import XCTest
@testable import KairosForecast

/// Back-propagation through time checked against central finite differences, parameter by parameter.
final class LSTMGradientTests: XCTestCase {
    private func check(loss: LSTMLoss, shape: LSTMShape, batch: Int, steps: Int, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        let network = LSTMNetwork(shape: shape, generator: &g)
        let inputs = (0..<(batch * steps * shape.inputSize)).map { _ in g.uniform(-1, 1) }
        // Targets far from the outputs keep the pinball loss away from its kink.
        let targets = (0..<(batch * shape.outputSize)).map { i in (i % 2 == 0 ? 3.0 : -3.0) + g.uniform(-0.1, 0.1) }
        let engine = LSTMEngine<Double>(shape: shape, parameters: network.parameters)
        func lossValue() -> Double {
            inputs.withUnsafeBufferPointer { x in targets.withUnsafeBufferPointer { t in
                engine.lossAndGradient(x.baseAddress!, targets: t.baseAddress!, batch: batch, steps: steps, loss: loss)
            } }
        }
        _ = lossValue()
        let analytic = Array(UnsafeBufferPointer(start: engine.gradient, count: engine.parameterCount))
        let eps = 1e-6
        var worst = 0.0
        for p in 0..<engine.parameterCount {
            let saved = engine.parameters[p]
            engine.parameters[p] = saved + eps
            let plus = lossValue()
            engine.parameters[p] = saved - eps
            let minus = lossValue()
            engine.parameters[p] = saved
            let numeric = (plus - minus) / (2 * eps)
            let error = abs(numeric - analytic[p]) / max(1e-4, abs(numeric) + abs(analytic[p]))
            worst = max(worst, error)
            XCTAssertEqual(analytic[p], numeric, accuracy: 1e-6 + 1e-5 * abs(numeric), "parameter \(p)")
        }
        XCTAssertLessThan(worst, 1e-4)
        // The check must have exercised real gradients.
        XCTAssertGreaterThan(analytic.map(abs).max()!, 1e-3)
    }

    func testMSEGradientMatchesFiniteDifferences() {
        check(loss: .mse, shape: LSTMShape(inputSize: 3, hiddenSize: 4, layers: 2, outputSize: 2), batch: 3, steps: 5, seed: 1)
    }

    func testPinballGradientMatchesFiniteDifferences() {
        check(loss: .pinball(tau: 0.9), shape: LSTMShape(inputSize: 2, hiddenSize: 3, layers: 3, outputSize: 1), batch: 2, steps: 4, seed: 2)
    }

    func testSingleLayerLongerSequence() {
        check(loss: .mse, shape: LSTMShape(inputSize: 1, hiddenSize: 5, layers: 1, outputSize: 1), batch: 4, steps: 9, seed: 3)
    }

    /// Loss and gradient depend only on inputs and parameters, not on the batch size the engine saw before.
    func testBufferReuseAcrossBatchSizes() {
        let shape = LSTMShape(inputSize: 2, hiddenSize: 4, layers: 2, outputSize: 1)
        var g = SeededGenerator(seed: 9)
        let network = LSTMNetwork(shape: shape, generator: &g)
        let big = (0..<(8 * 6 * 2)).map { _ in g.uniform(-1, 1) }
        let small = Array(big[0..<(2 * 6 * 2)])
        let fresh = LSTMEngine<Double>(shape: shape, parameters: network.parameters).forward(small, batch: 2, steps: 6)
        let reused = LSTMEngine<Double>(shape: shape, parameters: network.parameters)
        _ = reused.forward(big, batch: 8, steps: 6)
        XCTAssertEqual(reused.forward(small, batch: 2, steps: 6), fresh)
        let full = reused.forward(big, batch: 8, steps: 6)
        XCTAssertEqual(Array(full[0..<2]), fresh)
    }
}
