/// Finds season lengths from the autocorrelation of a training series.
public enum SeasonDetection {
    /// Autocorrelation of `y` at lags `0...maxLag`.
    public static func autocorrelation(_ y: [Double], maxLag: Int) -> [Double] {
        let n = y.count
        precondition(n >= 2 && maxLag >= 0)
        let mean = y.reduce(0, +) / Double(n)
        let centred = y.map { $0 - mean }
        let variance = centred.reduce(0) { $0 + $1 * $1 }
        guard variance > 0 else { return Array(repeating: 0, count: min(maxLag, n - 1) + 1) }
        return (0...min(maxLag, n - 1)).map { lag in
            var s = 0.0
            for t in lag..<n { s += centred[t] * centred[t - lag] }
            return s / variance
        }
    }

    /// Up to two season lengths: the lag with the strongest local autocorrelation peak (at
    /// least `minimumCorrelation`), then a stronger-or-equal peak at a multiple of it (a week
    /// made of days). Empty when nothing is clearly seasonal.
    public static func detect(_ y: [Double], maxLag: Int? = nil, minimumCorrelation: Double = 0.3) -> [Int] {
        guard y.count >= 8 else { return [] }
        let limit = maxLag ?? min(y.count / 3, 3000)
        guard limit >= 3 else { return [] }
        let acf = autocorrelation(y, maxLag: limit)
        let peaks = (2..<(acf.count - 1)).filter { acf[$0] > acf[$0 - 1] && acf[$0] >= acf[$0 + 1] && acf[$0] >= minimumCorrelation }
        // The first clear peak is the shortest cycle; later peaks are often its multiples.
        guard let rough = peaks.max(by: { acf[$0] < acf[$1] }).map({ best in
            peaks.first { acf[$0] >= 0.9 * acf[best] } ?? best
        }) else { return [] }
        // Noise can put the peak one lag off (143 for a 144-step day); the true period also
        // lines up at its multiples, so score the neighbours by the autocorrelation there.
        func score(_ p: Int) -> Double {
            stride(from: p, through: acf.count - 1, by: p).prefix(4).reduce(0) { $0 + acf[$1] }
        }
        let first = (max(rough - 2, 2)...min(rough + 2, acf.count - 1)).max { score($0) < score($1) }!
        let multiples = peaks.filter { $0 > first && $0 % first <= 1 || (first - $0 % first) <= 1 && $0 > first }
        if let longer = multiples.filter({ $0 / first >= 2 && acf[$0] > acf[first] }).max(by: { acf[$0] < acf[$1] }) {
            return [first, longer]
        }
        return [first]
    }
}
