/// The dimensions of a stacked LSTM with a linear head on the last hidden state.
public struct LSTMShape: Codable, Sendable, Equatable {
    /// Features per time step.
    public var inputSize: Int
    /// Units per layer.
    public var hiddenSize: Int
    /// Stacked LSTM layers.
    public var layers: Int
    /// Values produced by the head (forecast steps).
    public var outputSize: Int

    /// Creates a shape; every dimension must be at least 1.
    public init(inputSize: Int, hiddenSize: Int, layers: Int, outputSize: Int) {
        precondition(inputSize >= 1 && hiddenSize >= 1 && layers >= 1 && outputSize >= 1)
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.outputSize = outputSize
    }

    /// Input width of layer `l`.
    public func layerInputSize(_ l: Int) -> Int { l == 0 ? inputSize : hiddenSize }

    /// Four gates per unit.
    var gateSize: Int { 4 * hiddenSize }

    /// Parameters of layer `l`: input weights, recurrent weights and two bias vectors.
    func layerParameterCount(_ l: Int) -> Int { (layerInputSize(l) + hiddenSize + 2) * gateSize }

    /// Offset of layer `l`'s block in the flat parameter vector.
    func layerOffset(_ l: Int) -> Int { (0..<l).reduce(0) { $0 + layerParameterCount($1) } }

    /// Offset of the head (weights then bias).
    var headOffset: Int { layerOffset(layers) }

    /// Total number of parameters.
    public var parameterCount: Int { headOffset + hiddenSize * outputSize + outputSize }
}

/// A stacked LSTM (PyTorch `nn.LSTM` semantics: gates in the order input, forget, cell,
/// output; separate input and recurrent biases) followed by a linear layer on the last
/// time step's top hidden state.
///
/// Parameters live in one flat vector so that the optimiser, gradient clipping and gradient
/// checks treat them uniformly. Per layer the block is `Wᵀ_ih [in][4H]`, `Wᵀ_hh [H][4H]`,
/// `b_ih [4H]`, `b_hh [4H]`; then the head `Wᵀ [H][O]`, `b [O]`. Weight matrices are stored
/// transposed relative to PyTorch so the hot loops run over contiguous gate rows;
/// `pytorchTensors()` and `init(shape:pytorchTensors:)` convert.
public struct LSTMNetwork: Codable, Sendable, Equatable {
    /// The dimensions.
    public let shape: LSTMShape
    /// All weights and biases, in the layout above.
    public var parameters: [Double]

    /// Initialises like PyTorch: LSTM weights and biases uniform in ±1/√H, the head uniform in ±1/√H.
    public init(shape: LSTMShape, generator: inout SeededGenerator) {
        self.shape = shape
        let bound = 1 / Double(shape.hiddenSize).squareRoot()
        parameters = (0..<shape.parameterCount).map { _ in generator.uniform(-bound, bound) }
    }

    /// Wraps an existing parameter vector.
    public init(shape: LSTMShape, parameters: [Double]) {
        precondition(parameters.count == shape.parameterCount, "parameter vector does not match the shape")
        self.shape = shape
        self.parameters = parameters
    }

    /// The parameters as PyTorch names them (`weight_ih_l0`, ..., `head.weight`, `head.bias`),
    /// each a flat row-major array in PyTorch's layout.
    public func pytorchTensors() -> [(name: String, values: [Double])] {
        let g = shape.gateSize, h = shape.hiddenSize, o = shape.outputSize
        var out: [(String, [Double])] = []
        for l in 0..<shape.layers {
            let inSize = shape.layerInputSize(l)
            var p = shape.layerOffset(l)
            out.append(("weight_ih_l\(l)", transpose(Array(parameters[p..<(p + inSize * g)]), rows: inSize, columns: g)))
            p += inSize * g
            out.append(("weight_hh_l\(l)", transpose(Array(parameters[p..<(p + h * g)]), rows: h, columns: g)))
            p += h * g
            out.append(("bias_ih_l\(l)", Array(parameters[p..<(p + g)])))
            p += g
            out.append(("bias_hh_l\(l)", Array(parameters[p..<(p + g)])))
        }
        let p = shape.headOffset
        out.append(("head.weight", transpose(Array(parameters[p..<(p + h * o)]), rows: h, columns: o)))
        out.append(("head.bias", Array(parameters[(p + h * o)...])))
        return out
    }

    /// Builds a network from PyTorch-layout tensors in the order `pytorchTensors()` lists them.
    public init(shape: LSTMShape, pytorchTensors tensors: [[Double]]) throws {
        guard tensors.count == 4 * shape.layers + 2 else {
            throw ForecastError.invalidInput("expected \(4 * shape.layers + 2) tensors, got \(tensors.count)")
        }
        let g = shape.gateSize, h = shape.hiddenSize, o = shape.outputSize
        var flat: [Double] = []
        for l in 0..<shape.layers {
            let inSize = shape.layerInputSize(l)
            let expected = [inSize * g, h * g, g, g]
            for (i, count) in expected.enumerated() where tensors[4 * l + i].count != count {
                throw ForecastError.invalidInput("tensor \(4 * l + i) has \(tensors[4 * l + i].count) values, expected \(count)")
            }
            flat += transpose(tensors[4 * l], rows: g, columns: inSize)
            flat += transpose(tensors[4 * l + 1], rows: g, columns: h)
            flat += tensors[4 * l + 2] + tensors[4 * l + 3]
        }
        guard tensors[4 * shape.layers].count == o * h, tensors[4 * shape.layers + 1].count == o else {
            throw ForecastError.invalidInput("head tensors do not match the shape")
        }
        flat += transpose(tensors[4 * shape.layers], rows: o, columns: h)
        flat += tensors[4 * shape.layers + 1]
        self.init(shape: shape, parameters: flat)
    }

    /// Runs the network on `batch` windows of `steps` time steps, laid out `[batch][steps][inputSize]`;
    /// returns `[batch][outputSize]` flattened. Double precision unless asked otherwise.
    public func predict(_ inputs: [Double], batch: Int, steps: Int, precision: LSTMPrecision = .float64) -> [Double] {
        switch precision {
        case .float64: return LSTMEngine<Double>(shape: shape, parameters: parameters).forward(inputs, batch: batch, steps: steps)
        case .float32: return LSTMEngine<Float>(shape: shape, parameters: parameters).forward(inputs, batch: batch, steps: steps)
        }
    }
}

/// Row-major transpose of a `rows × columns` matrix.
func transpose(_ m: [Double], rows: Int, columns: Int) -> [Double] {
    precondition(m.count == rows * columns)
    var out = [Double](repeating: 0, count: m.count)
    for r in 0..<rows { for c in 0..<columns { out[c * rows + r] = m[r * columns + c] } }
    return out
}
