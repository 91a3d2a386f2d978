// Vectorised kernels for the LSTM: exp/sigmoid/tanh over SIMD lanes, and register-blocked
// matrix products. The scalar libm calls were about half of training time at the paper's size.

typealias Lanes = SIMD4<Double>

/// exp(x) per lane: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-12 Taylor polynomial
/// (relative error below 1e-15), 2^n assembled in the exponent bits. Inputs are clamped to
/// ±708 so the result stays finite and normal.
@inline(__always) func vexp(_ input: Lanes) -> Lanes {
    // Lane-wise scalar clamps: the generic SIMD min/max were not inlined and cost ~5%.
    let x = Lanes(Swift.min(Swift.max(input[0], -708), 708), Swift.min(Swift.max(input[1], -708), 708),
                  Swift.min(Swift.max(input[2], -708), 708), Swift.min(Swift.max(input[3], -708), 708))
    // Adding 1.5·2^52 rounds x·log2(e) to an integer held in the low mantissa bits.
    let shifter = Lanes(repeating: 0x1.8p52)
    let shifted = x * 1.4426950408889634 + shifter
    let n = shifted - shifter
    let r = x - n * 0.6931471803691238 - n * 1.9082149292705877e-10
    var p = Lanes(repeating: 1.0 / 479_001_600)
    p = p * r + 1.0 / 39_916_800
    p = p * r + 1.0 / 3_628_800
    p = p * r + 1.0 / 362_880
    p = p * r + 1.0 / 40320
    p = p * r + 1.0 / 5040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let integerBits = unsafeBitCast(shifted, to: SIMD4<UInt64>.self) &- unsafeBitCast(shifter, to: SIMD4<UInt64>.self)
    let scale = unsafeBitCast((integerBits &+ 1023) &<< 52, to: Lanes.self)
    return p * scale
}

/// The logistic function per lane.
@inline(__always) func vsigmoid(_ x: Lanes) -> Lanes { 1 / (1 + vexp(-x)) }

/// tanh per lane, as 1 − 2/(e^{2x} + 1) (absolute error ~1e-16).
@inline(__always) func vtanh(_ x: Lanes) -> Lanes { 1 - 2 / (vexp(x + x) + 1) }

@inline(__always) func load(_ p: UnsafePointer<Double>) -> Lanes {
    UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
}

@inline(__always) func store(_ v: Lanes, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
}

/// p[0..<count] = sigmoid(p[0..<count]), four lanes at a time. (Written out rather than taking
/// the function as a closure: the closure form kept `vexp` out of line.)
@inline(__always) func sigmoidInPlace(_ p: UnsafeMutablePointer<Double>, _ count: Int) {
    var j = 0
    while j + 4 <= count {
        store(vsigmoid(load(p + j)), p + j)
        j += 4
    }
    while j < count {
        p[j] = _sigmoid(p[j])
        j += 1
    }
}

/// p[0..<count] = tanh(p[0..<count]), four lanes at a time.
@inline(__always) func tanhInPlace(_ p: UnsafeMutablePointer<Double>, _ count: Int) {
    var j = 0
    while j + 4 <= count {
        store(vtanh(load(p + j)), p + j)
        j += 4
    }
    while j < count {
        p[j] = _tanh(p[j])
        j += 1
    }
}

/// out[0..<width] = bias + Σ_k a[k]·M[k][0..<width] + Σ_k b[k]·N[k][0..<width], with M and N
/// row-major of row stride `width`. Eight outputs at a time stay in registers over all k.
@inline(__always) func affineRow(
    bias: UnsafePointer<Double>, width: Int,
    _ a: UnsafePointer<Double>, _ aCount: Int, _ m: UnsafePointer<Double>,
    _ b: UnsafePointer<Double>, _ bCount: Int, _ n: UnsafePointer<Double>,
    into out: UnsafeMutablePointer<Double>
) {
    var c = 0
    while c + 8 <= width {
        var acc0 = load(bias + c), acc1 = load(bias + c + 4)
        for k in 0..<aCount {
            let s = Lanes(repeating: a[k])
            let row = m + k * width + c
            acc0 += s * load(row)
            acc1 += s * load(row + 4)
        }
        for k in 0..<bCount {
            let s = Lanes(repeating: b[k])
            let row = n + k * width + c
            acc0 += s * load(row)
            acc1 += s * load(row + 4)
        }
        store(acc0, out + c)
        store(acc1, out + c + 4)
        c += 8
    }
    while c < width {
        var acc = bias[c]
        for k in 0..<aCount { acc += a[k] * m[k * width + c] }
        for k in 0..<bCount { acc += b[k] * n[k * width + c] }
        out[c] = acc
        c += 1
    }
}

/// Two rows of `affineRow` at once (same matrices), sharing every weight load.
@inline(__always) func affineRowPair(
    bias: UnsafePointer<Double>, width: Int,
    _ a0: UnsafePointer<Double>, _ a1: UnsafePointer<Double>, _ aCount: Int, _ m: UnsafePointer<Double>,
    _ b0: UnsafePointer<Double>, _ b1: UnsafePointer<Double>, _ bCount: Int, _ n: UnsafePointer<Double>,
    into out0: UnsafeMutablePointer<Double>, _ out1: UnsafeMutablePointer<Double>
) {
    guard width % 8 == 0 else {
        affineRow(bias: bias, width: width, a0, aCount, m, b0, bCount, n, into: out0)
        affineRow(bias: bias, width: width, a1, aCount, m, b1, bCount, n, into: out1)
        return
    }
    var c = 0
    while c < width {
        var p0 = load(bias + c), p1 = load(bias + c + 4)
        var q0 = p0, q1 = p1
        for k in 0..<aCount {
            let row = m + k * width + c
            let w0 = load(row), w1 = load(row + 4)
            let s = Lanes(repeating: a0[k]), t = Lanes(repeating: a1[k])
            p0 += s * w0; p1 += s * w1
            q0 += t * w0; q1 += t * w1
        }
        for k in 0..<bCount {
            let row = n + k * width + c
            let w0 = load(row), w1 = load(row + 4)
            let s = Lanes(repeating: b0[k]), t = Lanes(repeating: b1[k])
            p0 += s * w0; p1 += s * w1
            q0 += t * w0; q1 += t * w1
        }
        store(p0, out0 + c); store(p1, out0 + c + 4)
        store(q0, out1 + c); store(q1, out1 + c + 4)
        c += 8
    }
}

/// G[k][0..<width] += Σ_b X[b][k]·D[b][0..<width] for k < rows: the weight gradient of a batch,
/// with X row stride `xStride` and D row stride `width`.
@inline(__always) func accumulateOuter(
    _ x: UnsafePointer<Double>, xStride: Int, rows: Int,
    _ d: UnsafePointer<Double>, width: Int, batch: Int,
    into g: UnsafeMutablePointer<Double>
) {
    for k in 0..<rows {
        let gRow = g + k * width
        var c = 0
        while c + 8 <= width {
            var acc0 = load(gRow + c), acc1 = load(gRow + c + 4)
            for b in 0..<batch {
                let s = Lanes(repeating: x[b * xStride + k])
                let dRow = d + b * width + c
                acc0 += s * load(dRow)
                acc1 += s * load(dRow + 4)
            }
            store(acc0, gRow + c)
            store(acc1, gRow + c + 4)
            c += 8
        }
        while c < width {
            var acc = gRow[c]
            for b in 0..<batch { acc += x[b * xStride + k] * d[b * width + c] }
            gRow[c] = acc
            c += 1
        }
    }
}
