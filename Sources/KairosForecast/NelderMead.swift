/// Derivative-free minimisation (Nelder-Mead simplex) for the few smoothing parameters of
/// Holt-Winters; the objective works in an unconstrained space (parameters pass through a logistic).
func nelderMeadMinimum(
    _ f: ([Double]) -> Double, start: [Double], step: Double = 0.5, iterations: Int = 400, tolerance: Double = 1e-9
) -> [Double] {
    let n = start.count
    precondition(n >= 1)
    var simplex: [[Double]] = [start]
    for i in 0..<n {
        var p = start
        p[i] += step
        simplex.append(p)
    }
    var values = simplex.map(f)
    for _ in 0..<iterations {
        let order = values.indices.sorted { values[$0] < values[$1] }
        simplex = order.map { simplex[$0] }
        values = order.map { values[$0] }
        if abs(values[n] - values[0]) <= tolerance * (abs(values[0]) + tolerance) { break }
        var centroid = [Double](repeating: 0, count: n)
        for p in simplex[0..<n] { for j in 0..<n { centroid[j] += p[j] / Double(n) } }
        func along(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
        let reflected = along(-1), fr = f(reflected)
        if fr < values[0] {
            let expanded = along(-2), fe = f(expanded)
            if fe < fr { simplex[n] = expanded; values[n] = fe } else { simplex[n] = reflected; values[n] = fr }
        } else if fr < values[n - 1] {
            simplex[n] = reflected; values[n] = fr
        } else {
            let contracted = fr < values[n] ? along(-0.5) : along(0.5)
            let fc = f(contracted)
            if fc < min(fr, values[n]) {
                simplex[n] = contracted; values[n] = fc
            } else {
                for i in 1...n {
                    simplex[i] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[i][$0] - simplex[0][$0]) }
                    values[i] = f(simplex[i])
                }
            }
        }
    }
    let best = values.indices.min { values[$0] < values[$1] }!
    return simplex[best]
}
