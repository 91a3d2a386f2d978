/// A linear autoregression on recent lags `1...p` and on seasonal lags `k·m` and `k·m + 1`
/// (k = 1...seasonalOrder, for each season length m), fitted by ridge-stabilised least squares.
/// The `k·m + 1` lag lets it express "the change since the same time last season", as a
/// seasonal ARIMA would. Multi-step forecasts feed predictions back in.
public struct AutoRegressiveForecaster: Forecaster, Codable, Equatable {
    /// Non-seasonal order p; 0 before `fit` means "choose by BIC on the training part".
    public var order: Int
    /// Season lengths whose lags are used (may be empty).
    public var seasonLengths: [Int]
    /// Number of seasonal lags per season length.
    public var seasonalOrder: Int
    /// The lags in use, ascending (set by `fit`).
    public private(set) var lags: [Int] = []
    /// Intercept followed by one coefficient per lag, on mean-centred values (set by `fit`).
    public private(set) var coefficients: [Double] = []
    /// The training mean that values are centred on.
    public private(set) var mean: Double = 0
    /// Orders tried when `order` is 0.
    public static let candidateOrders = [1, 2, 3, 6, 12, 24]

    /// Creates the model; `order: 0` lets `fit` choose p.
    public init(order: Int = 0, seasonLengths: [Int] = [], seasonalOrder: Int = 2) {
        precondition(order >= 0 && seasonalOrder >= 0 && seasonLengths.allSatisfy { $0 >= 2 })
        self.order = order
        self.seasonLengths = seasonLengths
        self.seasonalOrder = seasonalOrder
    }

    /// `ar`.
    public var name: String { "ar" }
    /// Enough rows for the regression to be well posed.
    public var minimumFitCount: Int { lagSet(order: max(order, 1)).last! + 2 * (lagSet(order: max(order, 1)).count + 1) }
    /// The largest lag.
    public var minimumHistory: Int { lags.last ?? lagSet(order: max(order, 1)).last! }

    private func lagSet(order p: Int) -> [Int] {
        var set = Set(1...p)
        for m in seasonLengths where seasonalOrder > 0 {
            for k in 1...seasonalOrder { set.insert(k * m); set.insert(k * m + 1) }
        }
        return set.sorted()
    }

    /// Least squares for each candidate order (or the given one); keeps the lowest BIC.
    public mutating func fit(_ data: SeriesData) throws {
        var orders = order > 0 ? [order] : Self.candidateOrders
        // Drop seasonal lags the training part cannot support (fewer than ~3 rows per coefficient).
        let y = data.target
        while !seasonLengths.isEmpty && y.count < 3 * (lagSet(order: orders.min()!).count + 1) + lagSet(order: orders.min()!).last! {
            seasonLengths.removeLast()
        }
        orders = orders.filter { y.count >= lagSet(order: $0).last! + 3 * (lagSet(order: $0).count + 1) }
        guard !orders.isEmpty else { throw ForecastError.seriesTooShort(needed: minimumFitCount, got: y.count) }
        mean = y.reduce(0, +) / Double(y.count)
        let centred = y.map { $0 - mean }
        var best: (bic: Double, lags: [Int], coefficients: [Double])?
        for p in orders {
            let lagList = lagSet(order: p)
            guard let (coefficients, sse, rows) = Self.regress(centred, lags: lagList) else { continue }
            let k = Double(lagList.count + 1)
            let bic = Double(rows) * _log(max(sse / Double(rows), 1e-300)) + k * _log(Double(rows))
            if best == nil || bic < best!.bic { best = (bic, lagList, coefficients) }
        }
        guard let chosen = best else { throw ForecastError.invalidInput("autoregression is singular on this series") }
        lags = chosen.lags
        coefficients = chosen.coefficients
        if order == 0 { order = lags.filter { $0 <= Self.candidateOrders.last! && !isSeasonal($0) }.max() ?? 1 }
    }

    private func isSeasonal(_ lag: Int) -> Bool {
        seasonLengths.contains { m in (1...max(seasonalOrder, 1)).contains { k in lag == k * m || lag == k * m + 1 } }
    }

    /// Returns coefficients (intercept first), the residual sum of squares and the row count.
    static func regress(_ y: [Double], lags: [Int]) -> ([Double], Double, Int)? {
        let start = lags.last!
        let n = lags.count + 1
        var gram = [Double](repeating: 0, count: n * n)
        var moment = [Double](repeating: 0, count: n)
        var row = [Double](repeating: 0, count: n)
        for t in start..<y.count {
            row[0] = 1
            for (j, lag) in lags.enumerated() { row[j + 1] = y[t - lag] }
            for i in 0..<n {
                moment[i] += row[i] * y[t]
                let ri = row[i]
                for j in i..<n { gram[i * n + j] += ri * row[j] }
            }
        }
        for i in 0..<n { for j in 0..<i { gram[i * n + j] = gram[j * n + i] } }
        guard let b = solveNormalEquations(gram: gram, moment: moment, ridge: 1e-8) else { return nil }
        var sse = 0.0
        for t in start..<y.count {
            var f = b[0]
            for (j, lag) in lags.enumerated() { f += b[j + 1] * y[t - lag] }
            sse += (y[t] - f) * (y[t] - f)
        }
        return (b, sse, y.count - start)
    }

    /// Recursive forecasts; with less history than the largest lag, the last value.
    public func forecast(_ data: SeriesData, origin: Int, horizon: Int) -> [Double] {
        precondition(origin >= 1 && origin <= data.count && horizon >= 1)
        precondition(!coefficients.isEmpty, "fit before forecasting")
        guard origin >= lags.last! else { return Array(repeating: data.target[origin - 1], count: horizon) }
        var out = [Double](repeating: 0, count: horizon)
        for h in 0..<horizon {
            var f = coefficients[0]
            for (j, lag) in lags.enumerated() {
                let index = origin + h - lag
                let value = index < origin ? data.target[index] - mean : out[index - origin] - mean
                f += coefficients[j + 1] * value
            }
            out[h] = f + mean
        }
        return out
    }
}
