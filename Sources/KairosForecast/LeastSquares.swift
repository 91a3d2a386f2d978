/// Solves the ridge-regularised normal equations `(XᵀX + λI) b = Xᵀy` by Cholesky
/// factorisation. `gram` is XᵀX (row-major, n×n) and `moment` is Xᵀy. Returns nil when the
/// system is not positive definite even after regularisation.
func solveNormalEquations(gram: [Double], moment: [Double], ridge: Double) -> [Double]? {
    let n = moment.count
    precondition(gram.count == n * n)
    var a = gram
    // Scale the ridge by the mean diagonal so it is invariant to the data's units.
    var trace = 0.0
    for i in 0..<n { trace += a[i * n + i] }
    let lambda = ridge * max(trace / Double(n), 1e-300)
    for i in 0..<n { a[i * n + i] += lambda }
    // In-place Cholesky: lower triangle of `a` becomes L with A = L Lᵀ.
    for j in 0..<n {
        var d = a[j * n + j]
        for k in 0..<j { d -= a[j * n + k] * a[j * n + k] }
        guard d > 0, d.isFinite else { return nil }
        let ljj = d.squareRoot()
        a[j * n + j] = ljj
        for i in (j + 1)..<max(n, j + 1) {
            var s = a[i * n + j]
            for k in 0..<j { s -= a[i * n + k] * a[j * n + k] }
            a[i * n + j] = s / ljj
        }
    }
    var z = moment
    for i in 0..<n {
        var s = z[i]
        for k in 0..<i { s -= a[i * n + k] * z[k] }
        z[i] = s / a[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
        var s = z[i]
        for k in (i + 1)..<max(n, i + 1) { s -= a[k * n + i] * z[k] }
        z[i] = s / a[i * n + i]
    }
    return z
}
