/// Turns point forecasts into an upper-quantile forecast from the errors a model made on
/// held-out data: either an additive offset (`point + Q_q(actual − point)`) or a ratio
/// (`point · Q_q(actual / point)`), per forecast step, whichever had the lower pinball loss on
/// the calibration data. A ratio suits traffic whose errors grow with its level.
public struct QuantileCalibration: Codable, Sendable, Equatable {
    /// How the offset applies.
    public enum Mode: String, Codable, Sendable {
        /// upper = point + offset
        case additive
        /// upper = point × offset
        case multiplicative
    }

    /// The quantile level, such as 0.9 or 0.95.
    public var quantile: Double
    /// Additive or multiplicative.
    public var mode: Mode
    /// One offset per forecast step (step 1 first).
    public var offsets: [Double]

    /// Creates a calibration with explicit offsets.
    public init(quantile: Double, mode: Mode, offsets: [Double]) {
        precondition(quantile > 0 && quantile < 1 && !offsets.isEmpty)
        self.quantile = quantile
        self.mode = mode
        self.offsets = offsets
    }

    /// Fits from rolling forecasts `forecasts[i][h]` of `actuals[i][h]` (same shapes).
    public init(quantile: Double, forecasts: [[Double]], actuals: [[Double]]) throws {
        guard quantile > 0 && quantile < 1 else { throw ForecastError.invalidConfiguration("quantile must be in (0, 1)") }
        guard let first = forecasts.first, !first.isEmpty, forecasts.count == actuals.count else {
            throw ForecastError.seriesTooShort(needed: 1, got: 0)
        }
        let steps = first.count
        var additive: [Double] = [], ratio: [Double] = []
        var additiveLoss = 0.0, ratioLoss = 0.0
        var ratioPossible = true
        for h in 0..<steps {
            let f = forecasts.map { $0[h] }, a = actuals.map { $0[h] }
            let offset = empiricalQuantile(zip(a, f).map { $0 - $1 }, quantile)
            additive.append(offset)
            additiveLoss += pinballLoss(actual: a, quantileForecast: f.map { $0 + offset }, q: quantile)
            if ratioPossible, f.allSatisfy({ $0 > 0 }), a.allSatisfy({ $0 >= 0 }) {
                let r = empiricalQuantile(zip(a, f).map { $0 / $1 }, quantile)
                ratio.append(r)
                ratioLoss += pinballLoss(actual: a, quantileForecast: f.map { $0 * r }, q: quantile)
            } else {
                ratioPossible = false
            }
        }
        self.quantile = quantile
        if ratioPossible && ratioLoss < additiveLoss {
            mode = .multiplicative
            offsets = ratio
        } else {
            mode = .additive
            offsets = additive
        }
    }

    /// The upper quantile for a point forecast at `step` (0-based; later steps reuse the last offset).
    public func upper(point: Double, step: Int) -> Double {
        let offset = offsets[min(step, offsets.count - 1)]
        switch mode {
        case .additive: return point + offset
        case .multiplicative: return point > 0 ? point * offset : point
        }
    }
}
