/// The paper's producer-count rule (eq 28): with ascending thresholds t1 < t2 < ..., a
/// volume below t1 needs 1 producer, below t2 needs 2, and so on.
///
/// The one home of this rule: the simulator (KairosSim) and the autopilot (KairosControl) call it.
/// It lives here rather than in KairosControl because the backtests of this target score decisions
/// with it, and KairosForecast cannot import KairosControl (Control imports Forecast).
public struct ProducerPolicy: Codable, Sendable, Equatable {
    /// Ascending volume thresholds.
    public var thresholds: [Double]

    /// The paper's thresholds: 50 and 100 transactions per interval.
    public static let paper = ProducerPolicy(thresholds: [50, 100])

    /// Creates a policy; thresholds must be finite and strictly ascending.
    public init(thresholds: [Double]) {
        precondition(thresholds.allSatisfy(\.isFinite) && zip(thresholds, thresholds.dropFirst()).allSatisfy { $0 < $1 },
                     "thresholds must be finite and strictly ascending")
        self.thresholds = thresholds
    }

    /// Validating initialiser for user input.
    public static func validated(_ thresholds: [Double]) throws -> ProducerPolicy {
        guard thresholds.allSatisfy(\.isFinite), zip(thresholds, thresholds.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw ForecastError.invalidConfiguration("thresholds must be finite and strictly ascending")
        }
        return ProducerPolicy(thresholds: thresholds)
    }

    /// Thresholds at the 33rd and 66th percentiles of `values` (the default when none are given).
    public static func tertiles(of values: [Double]) -> ProducerPolicy {
        let low = empiricalQuantile(values, 0.33), high = empiricalQuantile(values, 0.66)
        return ProducerPolicy(thresholds: high > low ? [low, high] : [low])
    }

    /// Producers needed for `volume`.
    public func producers(for volume: Double) -> Int {
        1 + thresholds.reduce(0) { $0 + (volume >= $1 ? 1 : 0) }
    }
}

/// How good the producer counts chosen from a forecast are, against the counts the actual
/// volumes needed.
public struct DecisionMetrics: Codable, Sendable, Equatable {
    /// Fraction of intervals where the chosen k equals the needed k.
    public var kAccuracy: Double
    /// Fraction of intervals with fewer producers than needed (buffers at risk).
    public var underProvisionRate: Double
    /// Fraction of intervals with more producers than needed (energy wasted).
    public var overProvisionRate: Double
    /// Σ chosen k.
    public var producerIntervals: Int
    /// Σ needed k (what a perfect forecast would use).
    public var perfectProducerIntervals: Int

    /// Σ max(chosen k − needed k, 0): producer-intervals paid for beyond what the actual volume
    /// needed (the over-provisioning cost; times the interval length, producer-seconds).
    public var overProvisionedProducerIntervals: Int = 0
    /// Σ max(needed k − chosen k, 0): producer-intervals missing where the volume needed more.
    public var underProvisionedProducerIntervals: Int = 0

    /// `producerIntervals / perfectProducerIntervals − 1`: the net extra capacity paid for
    /// (over-provisioned minus under-provisioned producer-intervals, relative to a perfect forecast).
    public var extraProducerFraction: Double { Double(producerIntervals) / Double(max(perfectProducerIntervals, 1)) - 1 }

    /// `overProvisionedProducerIntervals / perfectProducerIntervals`: the over-provisioning cost
    /// relative to what a perfect forecast would use (not offset by intervals that ran short).
    public var overProvisionCostFraction: Double { Double(overProvisionedProducerIntervals) / Double(max(perfectProducerIntervals, 1)) }

    /// Compares k(decisionForecast) with k(actual) interval by interval.
    public init(actual: [Double], decisionForecast: [Double], policy: ProducerPolicy) {
        precondition(actual.count == decisionForecast.count && !actual.isEmpty)
        var exact = 0, under = 0, over = 0, used = 0, needed = 0, extra = 0, missing = 0
        for (a, f) in zip(actual, decisionForecast) {
            let kNeeded = policy.producers(for: a), kChosen = policy.producers(for: f)
            if kChosen == kNeeded { exact += 1 } else if kChosen < kNeeded { under += 1 } else { over += 1 }
            used += kChosen
            needed += kNeeded
            extra += max(kChosen - kNeeded, 0)
            missing += max(kNeeded - kChosen, 0)
        }
        let n = Double(actual.count)
        kAccuracy = Double(exact) / n
        underProvisionRate = Double(under) / n
        overProvisionRate = Double(over) / n
        producerIntervals = used
        perfectProducerIntervals = needed
        overProvisionedProducerIntervals = extra
        underProvisionedProducerIntervals = missing
    }

    private enum CodingKeys: String, CodingKey {
        case kAccuracy, underProvisionRate, overProvisionRate, producerIntervals, perfectProducerIntervals
        case overProvisionedProducerIntervals, underProvisionedProducerIntervals
    }

    /// Decodes; the over- and under-provisioned counts default to 0 when absent (older JSON).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kAccuracy = try c.decode(Double.self, forKey: .kAccuracy)
        underProvisionRate = try c.decode(Double.self, forKey: .underProvisionRate)
        overProvisionRate = try c.decode(Double.self, forKey: .overProvisionRate)
        producerIntervals = try c.decode(Int.self, forKey: .producerIntervals)
        perfectProducerIntervals = try c.decode(Int.self, forKey: .perfectProducerIntervals)
        overProvisionedProducerIntervals = try c.decodeIfPresent(Int.self, forKey: .overProvisionedProducerIntervals) ?? 0
        underProvisionedProducerIntervals = try c.decodeIfPresent(Int.self, forKey: .underProvisionedProducerIntervals) ?? 0
    }
}
