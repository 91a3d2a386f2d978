/// Forecasts the next interval's total load from the totals seen so far.
///
/// The paper's LSTM is one such model; the comparison of §2.3 uses the oracle. A KairosForecast model plugs in
/// through an adapter conforming to this protocol. Predictors may keep state, hence `mutating`.
public protocol LoadPredictor: Sendable {
    /// A short name for reports, e.g. "last" or "ma(5)".
    var name: String { get }
    /// The predicted total load of the next interval, in tx, given every earlier interval's total (oldest first).
    mutating func predictNext(history: [Double]) -> Double
}

/// The paper's predictor: it knows the actual series and returns the true next value.
public struct OraclePredictor: LoadPredictor {
    /// The series the run will present, whose element `history.count` is the answer.
    public let actual: [Double]

    /// Creates an oracle that knows `actual`.
    public init(actual: [Double]) {
        self.actual = actual
    }

    /// Always "oracle".
    public var name: String { "oracle" }

    /// Returns `actual[history.count]`, or the last known value past the end of the series.
    public func predictNext(history: [Double]) -> Double {
        history.count < actual.count ? actual[history.count] : (history.last ?? 0)
    }
}

/// Predicts that the next interval repeats the last one (0 with no history).
public struct LastValuePredictor: LoadPredictor {
    /// Creates the predictor.
    public init() {}

    /// Always "last".
    public var name: String { "last" }

    /// Returns the last total, or 0 if there is none.
    public func predictNext(history: [Double]) -> Double {
        history.last ?? 0
    }
}

/// Predicts the mean of the last `window` totals (fewer at the start; 0 with no history).
public struct MovingAveragePredictor: LoadPredictor {
    /// How many recent intervals are averaged.
    public let window: Int

    /// Creates a moving average over `window` intervals.
    public init(window: Int) {
        precondition(window >= 1, "a moving average needs a window of at least 1")
        self.window = window
    }

    /// "ma(window)".
    public var name: String { "ma(\(window))" }

    /// Returns the mean of the last `window` totals.
    public func predictNext(history: [Double]) -> Double {
        mean(Array(history.suffix(window)))
    }
}

/// Predicts the mean of the whole history: the best point forecast when intervals are independent and alike,
/// as in the paper's random workload.
public struct HistoricalMeanPredictor: LoadPredictor {
    /// Creates the predictor.
    public init() {}

    /// Always "mean".
    public var name: String { "mean" }

    /// Returns the mean of every total so far, or 0 with no history.
    public func predictNext(history: [Double]) -> Double {
        mean(history)
    }
}

/// Predicts an upper quantile of the history: provisioning for a bad interval rather than an average one.
public struct QuantilePredictor: LoadPredictor {
    /// The quantile in [0, 1], e.g. 0.9.
    public let quantile: Double
    /// How many recent intervals the quantile is taken over.
    public let window: Int

    /// Creates a predictor returning the `quantile` of the last `window` totals.
    public init(quantile: Double, window: Int) {
        precondition((0...1).contains(quantile), "quantile must be in [0, 1]")
        precondition(window >= 1, "window must be at least 1")
        self.quantile = quantile
        self.window = window
    }

    /// "q(quantile,window)".
    public var name: String { "q(\(formatNumber(quantile, decimals: 3, trimZeros: true)),\(window))" }

    /// Returns the nearest-rank quantile of the last `window` totals, or 0 with no history.
    public func predictNext(history: [Double]) -> Double {
        let recent = history.suffix(window).sorted()
        guard !recent.isEmpty else { return 0 }
        let rank = Int((quantile * Double(recent.count)).rounded(.up)) - 1
        return recent[min(max(rank, 0), recent.count - 1)]
    }
}

/// Scales another predictor's forecast by a safety factor, trading waste for fewer crashes.
public struct HeadroomPredictor<Base: LoadPredictor>: LoadPredictor {
    /// The wrapped predictor.
    public var base: Base
    /// Multiplier applied to the base forecast, e.g. 1.2 for 20 % headroom.
    public let factor: Double

    /// Wraps `base`, multiplying its forecasts by `factor`.
    public init(base: Base, factor: Double) {
        precondition(factor > 0 && factor.isFinite, "headroom factor must be > 0")
        self.base = base
        self.factor = factor
    }

    /// The base name with the factor, e.g. "last×1.2".
    public var name: String { base.name + "×" + formatNumber(factor, decimals: 3, trimZeros: true) }

    /// The base forecast times `factor`.
    public mutating func predictNext(history: [Double]) -> Double {
        factor * base.predictNext(history: history)
    }
}

/// A type-erased predictor, so a run can be handed any predictor chosen at run time.
public struct AnyLoadPredictor: LoadPredictor {
    private var box: any LoadPredictor

    /// Wraps `predictor`.
    public init(_ predictor: some LoadPredictor) {
        box = predictor
    }

    /// The wrapped predictor's name.
    public var name: String { box.name }

    /// Forwards to the wrapped predictor.
    public mutating func predictNext(history: [Double]) -> Double {
        box.predictNext(history: history)
    }
}
