/// Adam (Kingma & Ba) with bias correction, as PyTorch's `torch.optim.Adam` computes it.
struct AdamOptimizer<T: LSTMScalar> {
    let learningRate: Double
    let beta1: Double
    let beta2: Double
    let epsilon: Double
    private var firstMoment: [T]
    private var secondMoment: [T]
    private var steps = 0

    init(parameterCount: Int, learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        firstMoment = [T](repeating: 0, count: parameterCount)
        secondMoment = [T](repeating: 0, count: parameterCount)
    }

    /// One update of `parameters` from `gradient` (both `count` long).
    mutating func step(parameters: UnsafeMutablePointer<T>, gradient: UnsafePointer<T>, count: Int) {
        precondition(count == firstMoment.count)
        steps += 1
        let correction1 = 1 - pow(beta1, steps)
        let correction2 = 1 - pow(beta2, steps)
        let stepSize = T(learningRate / correction1)
        let rootCorrection2 = T(correction2.squareRoot())
        let b1 = T(beta1), b2 = T(beta2), eps = T(epsilon)
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                for j in 0..<count {
                    let g = gradient[j]
                    m[j] = b1 * m[j] + (1 - b1) * g
                    v[j] = b2 * v[j] + (1 - b2) * g * g
                    parameters[j] -= stepSize * m[j] / (v[j].squareRoot() / rootCorrection2 + eps)
                }
            }
        }
    }

    private func pow(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= base }
        return result
    }
}
