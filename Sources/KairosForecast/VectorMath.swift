// Vectorised kernels for the LSTM: exp/sigmoid/tanh over SIMD lanes, and register-blocked
// matrix products. The scalar libm calls were about half of training time at the paper's size.

/// A floating-point type the LSTM kernels run in: `Double` (exact checks) or `Float` (speed).
protocol LSTMScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable where Self.RawSignificand: FixedWidthInteger {
    /// exp per lane (see the conformances for the method and accuracy).
    static func exp4(_ x: SIMD4<Self>) -> SIMD4<Self>
    /// Scalar exp for tails.
    static func scalarExp(_ x: Self) -> Self
}

extension Double: LSTMScalar {
    /// x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-12 Taylor polynomial (relative error below
    /// 1e-15), 2^n assembled in the exponent bits; inputs clamped to ±708.
    @inline(__always) static func exp4(_ input: SIMD4<Double>) -> SIMD4<Double> {
        // Lane-wise scalar clamps: the generic SIMD min/max were not inlined and cost ~5%.
        let x = SIMD4<Double>(Swift.min(Swift.max(input[0], -708), 708), Swift.min(Swift.max(input[1], -708), 708),
                              Swift.min(Swift.max(input[2], -708), 708), Swift.min(Swift.max(input[3], -708), 708))
        // Adding 1.5·2^52 rounds x·log2(e) to an integer held in the low mantissa bits.
        let shifter = SIMD4<Double>(repeating: 0x1.8p52)
        let shifted = x * 1.4426950408889634 + shifter
        let n = shifted - shifter
        let r = x - n * 0.6931471803691238 - n * 1.9082149292705877e-10
        var p = SIMD4<Double>(repeating: 1.0 / 479_001_600)
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
        return p * unsafeBitCast((integerBits &+ 1023) &<< 52, to: SIMD4<Double>.self)
    }

    @inline(__always) static func scalarExp(_ x: Double) -> Double { _exp(x) }
}

extension Float: LSTMScalar {
    /// The same method in single precision: degree-7 polynomial (relative error ~1e-8, below
    /// Float's own rounding), inputs clamped to ±87.
    @inline(__always) static func exp4(_ input: SIMD4<Float>) -> SIMD4<Float> {
        let x = SIMD4<Float>(Swift.min(Swift.max(input[0], -87), 87), Swift.min(Swift.max(input[1], -87), 87),
                             Swift.min(Swift.max(input[2], -87), 87), Swift.min(Swift.max(input[3], -87), 87))
        let shifter = SIMD4<Float>(repeating: 0x1.8p23)
        let shifted = x * 1.442695 + shifter
        let n = shifted - shifter
        let r = x - n * 0.693359375 - n * -2.12194440e-4
        var p = SIMD4<Float>(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let integerBits = unsafeBitCast(shifted, to: SIMD4<UInt32>.self) &- unsafeBitCast(shifter, to: SIMD4<UInt32>.self)
        return p * unsafeBitCast((integerBits &+ 127) &<< 23, to: SIMD4<Float>.self)
    }

    @inline(__always) static func scalarExp(_ x: Float) -> Float { Float(_exp(Double(x))) }
}

/// The logistic function per lane.
@inline(__always) func vsigmoid<T: LSTMScalar>(_ x: SIMD4<T>) -> SIMD4<T> { 1 / (1 + T.exp4(-x)) }

/// tanh per lane, as 1 − 2/(e^{2x} + 1) (absolute error at the type's rounding level).
@inline(__always) func vtanh<T: LSTMScalar>(_ x: SIMD4<T>) -> SIMD4<T> { 1 - 2 / (T.exp4(x + x) + 1) }

@inline(__always) func scalarSigmoid<T: LSTMScalar>(_ x: T) -> T { 1 / (1 + T.scalarExp(-x)) }
@inline(__always) func scalarTanh<T: LSTMScalar>(_ x: T) -> T { 1 - 2 / (T.scalarExp(x + x) + 1) }

@inline(__always) func load<T: LSTMScalar>(_ p: UnsafePointer<T>) -> SIMD4<T> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<T>.self)
}

@inline(__always) func store<T: LSTMScalar>(_ v: SIMD4<T>, _ p: UnsafeMutablePointer<T>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<T>.self)
}

/// p[0..<count] = sigmoid(p[0..<count]), four lanes at a time. (Written out rather than taking
/// the function as a closure: the closure form kept `vexp` out of line.)
@inline(__always) func sigmoidInPlace<T: LSTMScalar>(_ p: UnsafeMutablePointer<T>, _ count: Int) {
    var j = 0
    while j + 4 <= count {
        store(vsigmoid(load(p + j)), p + j)
        j += 4
    }
    while j < count {
        p[j] = scalarSigmoid(p[j])
        j += 1
    }
}

/// p[0..<count] = tanh(p[0..<count]), four lanes at a time.
@inline(__always) func tanhInPlace<T: LSTMScalar>(_ p: UnsafeMutablePointer<T>, _ count: Int) {
    var j = 0
    while j + 4 <= count {
        store(vtanh(load(p + j)), p + j)
        j += 4
    }
    while j < count {
        p[j] = scalarTanh(p[j])
        j += 1
    }
}

/// out[0..<width] = bias + Σ_k a[k]·M[k][0..<width] + Σ_k b[k]·N[k][0..<width], with M and N
/// row-major of row stride `width`. Eight outputs at a time stay in registers over all k.
@inline(__always) func affineRow<T: LSTMScalar>(
    bias: UnsafePointer<T>, width: Int,
    _ a: UnsafePointer<T>, _ aCount: Int, _ m: UnsafePointer<T>,
    _ b: UnsafePointer<T>, _ bCount: Int, _ n: UnsafePointer<T>,
    into out: UnsafeMutablePointer<T>
) {
    var c = 0
    while c + 8 <= width {
        var acc0 = load(bias + c), acc1 = load(bias + c + 4)
        var row = m + c
        for k in 0..<aCount {
            let s = SIMD4<T>(repeating: a[k])
            acc0 += s * load(row)
            acc1 += s * load(row + 4)
            row += width
        }
        row = n + c
        for k in 0..<bCount {
            let s = SIMD4<T>(repeating: b[k])
            acc0 += s * load(row)
            acc1 += s * load(row + 4)
            row += width
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
@inline(__always) func affineRowPair<T: LSTMScalar>(
    bias: UnsafePointer<T>, width: Int,
    _ a0: UnsafePointer<T>, _ a1: UnsafePointer<T>, _ aCount: Int, _ m: UnsafePointer<T>,
    _ b0: UnsafePointer<T>, _ b1: UnsafePointer<T>, _ bCount: Int, _ n: UnsafePointer<T>,
    into out0: UnsafeMutablePointer<T>, _ out1: UnsafeMutablePointer<T>
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
        var row = m + c
        for k in 0..<aCount {
            let w0 = load(row), w1 = load(row + 4)
            row += width
            let s = SIMD4<T>(repeating: a0[k]), t = SIMD4<T>(repeating: a1[k])
            p0 += s * w0; p1 += s * w1
            q0 += t * w0; q1 += t * w1
        }
        row = n + c
        for k in 0..<bCount {
            let w0 = load(row), w1 = load(row + 4)
            row += width
            let s = SIMD4<T>(repeating: b0[k]), t = SIMD4<T>(repeating: b1[k])
            p0 += s * w0; p1 += s * w1
            q0 += t * w0; q1 += t * w1
        }
        store(p0, out0 + c); store(p1, out0 + c + 4)
        store(q0, out1 + c); store(q1, out1 + c + 4)
        c += 8
    }
}

/// G[k][0..<width] += Σ_b X[b][k]·D[b][0..<width] for k < rows: the weight gradient of a batch,
/// with X row stride `xStride` and D row stride `width`. Sixteen columns stay in registers over
/// the whole batch; pointers step instead of multiplying indices in the inner loop.
@inline(__always) func accumulateOuter<T: LSTMScalar>(
    _ x: UnsafePointer<T>, xStride: Int, rows: Int,
    _ d: UnsafePointer<T>, width: Int, batch: Int,
    into g: UnsafeMutablePointer<T>
) {
    for k in 0..<rows {
        let gRow = g + k &* width
        var c = 0
        while c &+ 16 <= width {
            var acc0 = load(gRow + c), acc1 = load(gRow + c + 4), acc2 = load(gRow + c + 8), acc3 = load(gRow + c + 12)
            var xp = x + k, dp = d + c
            for _ in 0..<batch {
                let s = SIMD4<T>(repeating: xp.pointee)
                acc0 += s * load(dp)
                acc1 += s * load(dp + 4)
                acc2 += s * load(dp + 8)
                acc3 += s * load(dp + 12)
                xp += xStride
                dp += width
            }
            store(acc0, gRow + c); store(acc1, gRow + c + 4); store(acc2, gRow + c + 8); store(acc3, gRow + c + 12)
            c &+= 16
        }
        while c &+ 4 <= width {
            var acc = load(gRow + c)
            var xp = x + k, dp = d + c
            for _ in 0..<batch {
                acc += SIMD4<T>(repeating: xp.pointee) * load(dp)
                xp += xStride
                dp += width
            }
            store(acc, gRow + c)
            c &+= 4
        }
        while c < width {
            var acc = gRow[c]
            for b in 0..<batch { acc += x[b &* xStride &+ k] * d[b &* width &+ c] }
            gRow[c] = acc
            c &+= 1
        }
    }
}
