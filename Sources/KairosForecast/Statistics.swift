/// The q-quantile of `values` with linear interpolation between order statistics
/// (Hyndman & Fan type 7, the default of R and NumPy).
public func empiricalQuantile(_ values: [Double], _ q: Double) -> Double {
    precondition(!values.isEmpty && q >= 0 && q <= 1)
    let sorted = values.sorted()
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    let fraction = position - Double(lower)
    return sorted[lower] + fraction * (sorted[upper] - sorted[lower])
}

/// Mean pinball (quantile) loss of `upper` as a q-quantile forecast of `actual`.
public func pinballLoss(actual: [Double], quantileForecast: [Double], q: Double) -> Double {
    precondition(actual.count == quantileForecast.count && !actual.isEmpty)
    var total = 0.0
    for (a, f) in zip(actual, quantileForecast) {
        let r = a - f
        total += r >= 0 ? q * r : (q - 1) * r
    }
    return total / Double(actual.count)
}
