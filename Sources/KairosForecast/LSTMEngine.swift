/// The loss an LSTM is trained on.
public enum LSTMLoss: Codable, Sendable, Equatable {
    /// Mean squared error (the paper's loss).
    case mse
    /// Mean pinball loss at quantile `tau`: the output learns the tau-quantile.
    case pinball(tau: Double)

    /// Loss of one prediction against its target.
    @inline(__always) func value<T: BinaryFloatingPoint>(prediction: T, target: T) -> T {
        switch self {
        case .mse: return (prediction - target) * (prediction - target)
        case let .pinball(tau):
            let r = target - prediction
            return r >= 0 ? T(tau) * r : T(tau - 1) * r
        }
    }

    /// d(loss)/d(prediction) for one prediction.
    @inline(__always) func derivative<T: BinaryFloatingPoint>(prediction: T, target: T) -> T {
        switch self {
        case .mse: return 2 * (prediction - target)
        case let .pinball(tau): return target - prediction > 0 ? T(-tau) : T(1 - tau)
        }
    }
}

/// The numeric kernel of `LSTMNetwork`: forward pass with cached activations, back-propagation
/// through time, and scratch buffers reused across mini-batches. It owns raw buffers so the
/// hot loops are plain pointer arithmetic; it is single-threaded and never shared.
final class LSTMEngine<T: LSTMScalar> {
    let shape: LSTMShape
    /// Parameters (same layout as `LSTMNetwork.parameters`).
    let parameters: UnsafeMutablePointer<T>
    /// Gradient of the last `lossAndGradient` call.
    let gradient: UnsafeMutablePointer<T>
    let parameterCount: Int

    private var batchCapacity = 0
    private var stepCapacity = 0
    /// Input re-laid out as [T][B][F].
    private var inputs: UnsafeMutablePointer<T>?
    /// Per layer: activated gates [T][B][4H], cells, tanh(cells), hidden states [T][B][H].
    private var gates: [UnsafeMutablePointer<T>] = []
    private var cells: [UnsafeMutablePointer<T>] = []
    private var tanhCells: [UnsafeMutablePointer<T>] = []
    private var hidden: [UnsafeMutablePointer<T>] = []
    /// Head outputs [B][O] and their loss gradient.
    private var outputs: UnsafeMutablePointer<T>?
    private var outputGradient: UnsafeMutablePointer<T>?
    /// Back-propagation scratch: gate gradients [B][4H], dh and dc carried back in time [B][H],
    /// gradients w.r.t. a layer's inputs [T][B][H] (two, swapped between layers), zeros [B][H].
    private var gateGradient: UnsafeMutablePointer<T>?
    private var hiddenCarry: UnsafeMutablePointer<T>?
    private var cellCarry: UnsafeMutablePointer<T>?
    private var inputGradientA: UnsafeMutablePointer<T>?
    private var inputGradientB: UnsafeMutablePointer<T>?
    private var zeros: UnsafeMutablePointer<T>?
    /// Summed biases per layer [4H], refreshed at each forward pass.
    private let biasSums: UnsafeMutablePointer<T>
    /// A layer's weights in PyTorch orientation ([4H][in] and [4H][H]), rebuilt per backward
    /// pass so input gradients are register-blocked row updates instead of dot products.
    private let inputWeightsByGate: UnsafeMutablePointer<T>
    private let recurrentWeightsByGate: UnsafeMutablePointer<T>

    init(shape: LSTMShape, parameters values: [Double]) {
        precondition(values.count == shape.parameterCount)
        self.shape = shape
        parameterCount = shape.parameterCount
        parameters = .allocate(capacity: parameterCount)
        parameters.initialize(from: values.map { T($0) }, count: parameterCount)
        gradient = .allocate(capacity: parameterCount)
        gradient.initialize(repeating: 0, count: parameterCount)
        biasSums = .allocate(capacity: shape.layers * shape.gateSize)
        biasSums.initialize(repeating: 0, count: shape.layers * shape.gateSize)
        let widest = max(shape.inputSize, shape.hiddenSize)
        inputWeightsByGate = .allocate(capacity: shape.gateSize * widest)
        inputWeightsByGate.initialize(repeating: 0, count: shape.gateSize * widest)
        recurrentWeightsByGate = .allocate(capacity: shape.gateSize * shape.hiddenSize)
        recurrentWeightsByGate.initialize(repeating: 0, count: shape.gateSize * shape.hiddenSize)
    }

    deinit {
        parameters.deallocate()
        gradient.deallocate()
        biasSums.deallocate()
        inputWeightsByGate.deallocate()
        recurrentWeightsByGate.deallocate()
        releaseBuffers()
    }

    /// The current parameters as an array.
    func parameterArray() -> [Double] { UnsafeBufferPointer(start: parameters, count: parameterCount).map { Double($0) } }

    /// Replaces the parameters.
    func setParameters(_ values: [Double]) {
        precondition(values.count == parameterCount)
        for j in 0..<parameterCount { parameters[j] = T(values[j]) }
    }

    private func releaseBuffers() {
        for p in gates + cells + tanhCells + hidden { p.deallocate() }
        for p in [inputs, outputs, outputGradient, gateGradient, hiddenCarry, cellCarry, inputGradientA, inputGradientB, zeros] {
            p?.deallocate()
        }
        gates = []; cells = []; tanhCells = []; hidden = []
    }

    private func reserve(batch: Int, steps: Int) {
        guard batch > batchCapacity || steps > stepCapacity else { return }
        releaseBuffers()
        batchCapacity = max(batch, batchCapacity)
        stepCapacity = max(steps, stepCapacity)
        let b = batchCapacity, t = stepCapacity, h = shape.hiddenSize, g = shape.gateSize
        func make(_ n: Int) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        inputs = make(t * b * shape.inputSize)
        for _ in 0..<shape.layers {
            gates.append(make(t * b * g))
            cells.append(make(t * b * h))
            tanhCells.append(make(t * b * h))
            hidden.append(make(t * b * h))
        }
        outputs = make(b * shape.outputSize)
        outputGradient = make(b * shape.outputSize)
        gateGradient = make(b * g)
        hiddenCarry = make(b * h)
        cellCarry = make(b * h)
        inputGradientA = make(t * b * h)
        inputGradientB = make(t * b * h)
        zeros = make(b * h)
    }

    /// Forward pass on `[batch][steps][inputSize]` inputs; returns `[batch][outputSize]`.
    func forward(_ x: [Double], batch: Int, steps: Int) -> [Double] {
        let converted = x.map { T($0) }
        converted.withUnsafeBufferPointer { forward($0.baseAddress!, batch: batch, steps: steps) }
        return UnsafeBufferPointer(start: outputs!, count: batch * shape.outputSize).map { Double($0) }
    }

    /// Forward pass that leaves every activation cached for `backward`.
    func forward(_ x: UnsafePointer<T>, batch: Int, steps: Int) {
        precondition(batch >= 1 && steps >= 1)
        reserve(batch: batch, steps: steps)
        let f = shape.inputSize, h = shape.hiddenSize, g = shape.gateSize, o = shape.outputSize
        let xs = inputs!
        for b in 0..<batch {
            for t in 0..<steps {
                (xs + (t * batch + b) * f).update(from: x + (b * steps + t) * f, count: f)
            }
        }
        for l in 0..<shape.layers {
            let inSize = shape.layerInputSize(l)
            let base = parameters + shape.layerOffset(l)
            let wT = base, uT = base + inSize * g, bih = uT + h * g, bhh = bih + g
            let bias = biasSums + l * g
            for r in 0..<g { bias[r] = bih[r] + bhh[r] }
            let layerIn = l == 0 ? xs : hidden[l - 1]
            for t in 0..<steps {
                let inBlock = layerIn + t * batch * inSize
                let hPrev = t == 0 ? zeros! : hidden[l] + (t - 1) * batch * h
                let cPrev = t == 0 ? zeros! : cells[l] + (t - 1) * batch * h
                let z = gates[l] + t * batch * g
                let c = cells[l] + t * batch * h
                let tc = tanhCells[l] + t * batch * h
                let hOut = hidden[l] + t * batch * h
                let recurrent = t == 0 ? 0 : h
                var pair = 0
                while pair + 1 < batch {
                    affineRowPair(bias: bias, width: g, inBlock + pair * inSize, inBlock + (pair + 1) * inSize, inSize, wT,
                                  hPrev + pair * h, hPrev + (pair + 1) * h, recurrent, uT, into: z + pair * g, z + (pair + 1) * g)
                    pair += 2
                }
                if pair < batch {
                    affineRow(bias: bias, width: g, inBlock + pair * inSize, inSize, wT, hPrev + pair * h, recurrent, uT, into: z + pair * g)
                }
                for b in 0..<batch {
                    let zRow = z + b * g
                    sigmoidInPlace(zRow, 2 * h)
                    tanhInPlace(zRow + 2 * h, h)
                    sigmoidInPlace(zRow + 3 * h, h)
                    let cpRow = cPrev + b * h, cRow = c + b * h, tcRow = tc + b * h, hoRow = hOut + b * h
                    for k in 0..<h { cRow[k] = zRow[h + k] * cpRow[k] + zRow[k] * zRow[2 * h + k] }
                    tcRow.update(from: cRow, count: h)
                    tanhInPlace(tcRow, h)
                    for k in 0..<h { hoRow[k] = zRow[3 * h + k] * tcRow[k] }
                }
            }
        }
        let head = parameters + shape.headOffset
        let headBias = head + h * o
        let top = hidden[shape.layers - 1] + (steps - 1) * batch * h
        let y = outputs!
        for b in 0..<batch {
            let yRow = y + b * o
            yRow.update(from: headBias, count: o)
            let hRow = top + b * h
            for k in 0..<h { axpy(hRow[k], head + k * o, yRow, o) }
        }
    }

    /// Mean loss over `batch × outputSize` predictions and its gradient (into `gradient`).
    /// Inputs `[batch][steps][inputSize]`, targets `[batch][outputSize]`.
    func lossAndGradient(_ x: UnsafePointer<T>, targets: UnsafePointer<T>, batch: Int, steps: Int, loss: LSTMLoss) -> Double {
        forward(x, batch: batch, steps: steps)
        let o = shape.outputSize
        let n = T(batch * o)
        var total: T = 0
        let y = outputs!, dy = outputGradient!
        for j in 0..<(batch * o) {
            total += loss.value(prediction: y[j], target: targets[j])
            dy[j] = loss.derivative(prediction: y[j], target: targets[j]) / n
        }
        backward(batch: batch, steps: steps)
        return Double(total / n)
    }

    /// Back-propagation through time from `outputGradient` into `gradient` (overwritten).
    private func backward(batch: Int, steps: Int) {
        let h = shape.hiddenSize, g = shape.gateSize, o = shape.outputSize
        gradient.update(repeating: 0, count: parameterCount)
        let head = parameters + shape.headOffset
        let gHead = gradient + shape.headOffset
        let dy = outputGradient!
        let top = hidden[shape.layers - 1] + (steps - 1) * batch * h
        // dIn of the layer above, [T][B][H]; for the top layer only its last step is non-zero.
        var above = inputGradientA!
        var below = inputGradientB!
        above.update(repeating: 0, count: steps * batch * h)
        for b in 0..<batch {
            let dyRow = dy + b * o, hRow = top + b * h
            let dhRow = above + ((steps - 1) * batch + b) * h
            for k in 0..<h {
                axpy(hRow[k], dyRow, gHead + k * o, o)
                dhRow[k] = dot(dyRow, head + k * o, o)
            }
            for j in 0..<o { gHead[h * o + j] += dyRow[j] }
        }
        let dz = gateGradient!, dhCarry = hiddenCarry!, dcCarry = cellCarry!
        for l in stride(from: shape.layers - 1, through: 0, by: -1) {
            let inSize = shape.layerInputSize(l)
            let base = parameters + shape.layerOffset(l)
            let wT = base, uT = base + inSize * g
            let gBase = gradient + shape.layerOffset(l)
            let gwT = gBase, guT = gBase + inSize * g, gbih = guT + h * g, gbhh = gbih + g
            let layerIn = l == 0 ? inputs! : hidden[l - 1]
            for k in 0..<h { for r in 0..<g { recurrentWeightsByGate[r * h + k] = uT[k * g + r] } }
            if l > 0 { for k in 0..<inSize { for r in 0..<g { inputWeightsByGate[r * inSize + k] = wT[k * g + r] } } }
            dhCarry.update(repeating: 0, count: batch * h)
            dcCarry.update(repeating: 0, count: batch * h)
            if l > 0 { below.update(repeating: 0, count: steps * batch * h) }
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let z = gates[l] + t * batch * g
                let tc = tanhCells[l] + t * batch * h
                let cPrev = t == 0 ? zeros! : cells[l] + (t - 1) * batch * h
                let hPrev = t == 0 ? zeros! : hidden[l] + (t - 1) * batch * h
                let inBlock = layerIn + t * batch * inSize
                let dAbove = above + t * batch * h
                for b in 0..<batch {
                    let zRow = z + b * g, tcRow = tc + b * h, cpRow = cPrev + b * h
                    let dzRow = dz + b * g, dhRow = dhCarry + b * h, dcRow = dcCarry + b * h
                    let daRow = dAbove + b * h
                    for k in 0..<h {
                        let i = zRow[k], f = zRow[h + k], gg = zRow[2 * h + k], og = zRow[3 * h + k]
                        let tcell = tcRow[k]
                        let dh = daRow[k] + dhRow[k]
                        let dc = dcRow[k] + dh * og * (1 - tcell * tcell)
                        dzRow[k] = dc * gg * i * (1 - i)
                        dzRow[h + k] = dc * cpRow[k] * f * (1 - f)
                        dzRow[2 * h + k] = dc * i * (1 - gg * gg)
                        dzRow[3 * h + k] = dh * tcell * og * (1 - og)
                        dcRow[k] = dc * f
                    }
                    for r in 0..<g { gbih[r] += dzRow[r] }
                }
                accumulateOuter(inBlock, xStride: inSize, rows: inSize, dz, width: g, batch: batch, into: gwT)
                if t > 0 { accumulateOuter(hPrev, xStride: h, rows: h, dz, width: g, batch: batch, into: guT) }
                for b in 0..<batch {
                    let dzRow = dz + b * g, dhRow = dhCarry + b * h
                    affineRow(bias: zeros!, width: h, dzRow, g, recurrentWeightsByGate, dzRow, 0, recurrentWeightsByGate, into: dhRow)
                    if l > 0 {
                        affineRow(bias: zeros!, width: inSize, dzRow, g, inputWeightsByGate, dzRow, 0, inputWeightsByGate,
                                  into: below + (t * batch + b) * h)
                    }
                }
            }
            gbhh.update(from: gbih, count: g)
            swap(&above, &below)
        }
    }
}

/// y[0..<n] += a * x[0..<n]
@inline(__always) func axpy<T: LSTMScalar>(_ a: T, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
    if a == 0 { return }
    for j in 0..<n { y[j] += a * x[j] }
}

/// Σ x[j]·y[j] with four independent SIMD accumulators (the compiler will not reassociate a scalar sum).
@inline(__always) func dot<T: LSTMScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ n: Int) -> T {
    var j = 0
    var acc0 = SIMD4<T>(), acc1 = SIMD4<T>()
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
    while j + 8 <= n {
        acc0 += rx.loadUnaligned(fromByteOffset: j * MemoryLayout<T>.stride, as: SIMD4<T>.self)
            * ry.loadUnaligned(fromByteOffset: j * MemoryLayout<T>.stride, as: SIMD4<T>.self)
        acc1 += rx.loadUnaligned(fromByteOffset: (j + 4) * MemoryLayout<T>.stride, as: SIMD4<T>.self)
            * ry.loadUnaligned(fromByteOffset: (j + 4) * MemoryLayout<T>.stride, as: SIMD4<T>.self)
        j += 8
    }
    var sum = (acc0 + acc1).sum()
    while j < n {
        sum += x[j] * y[j]
        j += 1
    }
    return sum
}
