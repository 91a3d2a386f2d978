/// How an LSTM is trained.
public struct LSTMTrainingOptions: Codable, Sendable, Equatable {
    /// Passes over the training windows (an upper bound when early stopping is on).
    public var epochs: Int = 100
    /// Windows per mini-batch.
    public var batchSize: Int = 32
    /// Adam step size.
    public var learningRate: Double = 0.01
    /// Training loss.
    public var loss: LSTMLoss = .mse
    /// Rescale the gradient when its global L2 norm exceeds this; nil disables clipping.
    public var clipNorm: Double? = 1.0
    /// Stop after this many epochs without a better validation loss (restoring the best
    /// weights); nil disables early stopping.
    public var patience: Int? = 10
    /// Shuffle the windows each epoch (seeded).
    public var shuffle: Bool = true
    /// Arithmetic precision of training and inference.
    public var precision: LSTMPrecision = .float32

    /// Creates options with the defaults above.
    public init() {}
}

/// Arithmetic precision of the LSTM kernels. Parameters are stored as Double either way.
public enum LSTMPrecision: String, Codable, Sendable {
    /// Single precision: about twice the speed (four lanes per SSE instruction), as PyTorch's default.
    case float32
    /// Double precision: for gradient checks and exact comparisons.
    case float64
}

/// What a training run did.
public struct LSTMTrainingReport: Sendable, Equatable {
    /// Mean training loss of each epoch (mean over its mini-batches).
    public var trainingLosses: [Double]
    /// Validation loss after each epoch (empty without validation windows).
    public var validationLosses: [Double]
    /// The epoch whose weights were kept (1-based).
    public var bestEpoch: Int
}

/// Trains an `LSTMNetwork` on windows with Adam, gradient clipping and early stopping.
public enum LSTMTrainer {
    /// Trains `network` in place. Windows are `[count][steps][inputSize]`, targets
    /// `[count][outputSize]`; the validation set (possibly empty) drives early stopping.
    public static func train(
        _ network: inout LSTMNetwork,
        windows: [Double], targets: [Double], steps: Int,
        validationWindows: [Double] = [], validationTargets: [Double] = [],
        options: LSTMTrainingOptions, generator: inout SeededGenerator
    ) -> LSTMTrainingReport {
        switch options.precision {
        case .float32:
            return trainGeneric(Float.self, &network, windows: windows, targets: targets, steps: steps, validationWindows: validationWindows,
                                validationTargets: validationTargets, options: options, generator: &generator)
        case .float64:
            return trainGeneric(Double.self, &network, windows: windows, targets: targets, steps: steps, validationWindows: validationWindows,
                                validationTargets: validationTargets, options: options, generator: &generator)
        }
    }

    static func trainGeneric<T: LSTMScalar>(
        _: T.Type, _ network: inout LSTMNetwork,
        windows doubleWindows: [Double], targets doubleTargets: [Double], steps: Int,
        validationWindows: [Double], validationTargets: [Double],
        options: LSTMTrainingOptions, generator: inout SeededGenerator
    ) -> LSTMTrainingReport {
        let windows = doubleWindows.map { T($0) }
        let targets = doubleTargets.map { T($0) }
        let shape = network.shape
        let windowSize = steps * shape.inputSize
        let count = windows.count / windowSize
        precondition(windows.count == count * windowSize && targets.count == count * shape.outputSize && count >= 1)
        let validationCount = validationWindows.count / windowSize
        precondition(validationTargets.count == validationCount * shape.outputSize)
        precondition(options.batchSize >= 1 && options.epochs >= 0 && options.learningRate > 0)

        let engine = LSTMEngine<T>(shape: shape, parameters: network.parameters)
        var adam = AdamOptimizer<T>(parameterCount: engine.parameterCount, learningRate: options.learningRate)
        let batchSize = min(options.batchSize, count)
        var order = Array(0..<count)
        var batchInputs = [T](repeating: 0, count: batchSize * windowSize)
        var batchTargets = [T](repeating: 0, count: batchSize * shape.outputSize)
        var report = LSTMTrainingReport(trainingLosses: [], validationLosses: [], bestEpoch: 0)
        var best = (loss: Double.infinity, parameters: network.parameters)
        var sinceBest = 0

        for epoch in 1...max(options.epochs, 1) where options.epochs > 0 {
            if options.shuffle { order.shuffle(using: &generator) }
            var epochLoss = 0.0
            var batches = 0
            var start = 0
            while start < count {
                let n = min(batchSize, count - start)
                windows.withUnsafeBufferPointer { w in
                    batchInputs.withUnsafeMutableBufferPointer { bi in
                        for j in 0..<n {
                            (bi.baseAddress! + j * windowSize).update(from: w.baseAddress! + order[start + j] * windowSize, count: windowSize)
                        }
                    }
                }
                for j in 0..<n {
                    for k in 0..<shape.outputSize {
                        batchTargets[j * shape.outputSize + k] = targets[order[start + j] * shape.outputSize + k]
                    }
                }
                let loss = batchInputs.withUnsafeBufferPointer { bi in
                    batchTargets.withUnsafeBufferPointer { bt in
                        engine.lossAndGradient(bi.baseAddress!, targets: bt.baseAddress!, batch: n, steps: steps, loss: options.loss)
                    }
                }
                if let clip = options.clipNorm { clipGradient(engine.gradient, count: engine.parameterCount, maxNorm: clip) }
                adam.step(parameters: engine.parameters, gradient: engine.gradient, count: engine.parameterCount)
                epochLoss += loss
                batches += 1
                start += n
            }
            report.trainingLosses.append(epochLoss / Double(batches))
            guard validationCount > 0 else { continue }
            let validationLoss = meanLoss(engine: engine, windows: validationWindows, targets: validationTargets,
                                          steps: steps, loss: options.loss)
            report.validationLosses.append(validationLoss)
            if validationLoss < best.loss {
                best = (validationLoss, engine.parameterArray())
                report.bestEpoch = epoch
                sinceBest = 0
            } else {
                sinceBest += 1
                if let patience = options.patience, sinceBest >= patience { break }
            }
        }
        if validationCount > 0 && options.patience != nil && report.bestEpoch > 0 {
            network.parameters = best.parameters
        } else {
            network.parameters = engine.parameterArray()
            report.bestEpoch = report.trainingLosses.count
        }
        return report
    }

    /// Mean loss of the network on windows, evaluated in chunks.
    static func meanLoss<T: LSTMScalar>(engine: LSTMEngine<T>, windows: [Double], targets: [Double], steps: Int, loss: LSTMLoss) -> Double {
        let windowSize = steps * engine.shape.inputSize
        let o = engine.shape.outputSize
        let count = windows.count / windowSize
        var total = 0.0
        var start = 0
        let chunk = 256
        while start < count {
            let n = min(chunk, count - start)
            let y = windows.withUnsafeBufferPointer { w -> [Double] in
                engine.forward(Array(w[(start * windowSize)..<((start + n) * windowSize)]), batch: n, steps: steps)
            }
            for j in 0..<(n * o) { total += loss.value(prediction: y[j], target: targets[start * o + j]) }
            start += n
        }
        return total / Double(count * o)
    }

    /// Rescales the gradient so its global L2 norm is at most `maxNorm` (as `clip_grad_norm_`).
    static func clipGradient<T: LSTMScalar>(_ g: UnsafeMutablePointer<T>, count: Int, maxNorm: Double) {
        let norm = Double(dot(g, g, count)).squareRoot()
        guard norm > maxNorm else { return }
        let scale = T(maxNorm / (norm + 1e-6))
        for j in 0..<count { g[j] *= scale }
    }
}
