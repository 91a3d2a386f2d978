/// What one strategy did over a dynamic run: k chosen before each interval, the model evaluated at the actual load.
public struct DynamicResult: Sendable, Equatable, Codable {
    /// Row label: the strategy key, with the predictor for forecast-driven rows, e.g. "lstm[last]".
    public var label: String
    /// Intervals scored (after warm-up).
    public var steps: Int
    /// Intervals where the strategy was down.
    public var crashes: Int
    /// Crashes that a larger k (up to the most producers available) would have survived: under-prediction's cost.
    public var avoidableCrashes: Int
    /// Transactions arriving in intervals where the strategy was down.
    public var lostTx: Double
    /// Share of intervals that were up yet ran more producers than the fewest that cope, in %.
    public var wastePct: Double
    /// Mean over intervals of `100·T/(E·k)` when up and 0 when down: eq 13 with r the up share, in "%".
    public var efficiencyPct: Double
    /// Mean energy per interval (0 while down, as docs/paper-model.md §2.9 counts it), in J.
    public var avgEnergyJ: Double
    /// Mean producers run per interval, counting down intervals.
    public var avgProducers: Double
    /// Share of intervals whose k equals the one the actual load calls for under the same rule, in %.
    public var decisionAccuracyPct: Double
    /// Intervals that ran fewer producers than the actual load calls for.
    public var underProvisioned: Int
    /// Intervals that ran more producers than the actual load calls for.
    public var overProvisioned: Int
    /// Mean absolute forecast error in tx (0 for strategies that do not forecast).
    public var meanAbsErrorTx: Double
}

/// The full dynamic run: the workload and each strategy's result.
public struct DynamicRun: Sendable {
    /// Total load of every interval, including warm-up.
    public let totalsTx: [Double]
    /// Forecasts of the predictor for the scored intervals.
    public let forecastsTx: [Double]
    /// k the forecast-driven strategy chose for each scored interval.
    public let forecastProducers: [Int]
    /// Intervals fed as history before scoring starts.
    public let warmupSteps: Int
    /// One result per row: original, ipooa, sampling, lstm[oracle], lstm[predictor] (the last only if not the oracle).
    public let results: [DynamicResult]
}

extension PaperModel {
    /// Runs every strategy over `totalsTx`, the LSTM rule's k taken from `predictor`'s forecast of each interval.
    ///
    /// Static strategies ignore the forecast. An oracle row (k from the actual load, as in the paper) is always
    /// included so the cost of forecasting errors is visible next to it.
    public func dynamicRun(totalsTx: [Double], predictor: some LoadPredictor, warmupSteps: Int) -> DynamicRun {
        precondition(warmupSteps >= 0 && warmupSteps <= totalsTx.count, "warm-up must fit in the series")
        var predictor = predictor
        let scored = warmupSteps..<totalsTx.count
        let forecasts = scored.map { predictor.predictNext(history: Array(totalsTx[..<$0])) }
        let lstm = PaperStrategy.paper(.lstm, parameters)
        let chosen = forecasts.map { lstm.rule.producers(forLoad: max(0, $0)) }
        let actualLoads = Array(totalsTx[scored])

        var results = PaperStrategy.all(parameters).filter { $0.key != .lstm }.map { strategy in
            score(label: strategy.key.rawValue, strategy: strategy, loads: actualLoads,
                  producers: actualLoads.map { strategy.rule.producers(forLoad: $0) }, forecasts: nil)
        }
        results.append(score(label: "lstm[oracle]", strategy: lstm, loads: actualLoads,
                             producers: actualLoads.map { lstm.rule.producers(forLoad: $0) }, forecasts: nil))
        if predictor.name != "oracle" {
            results.append(score(label: "lstm[\(predictor.name)]", strategy: lstm, loads: actualLoads,
                                 producers: chosen, forecasts: forecasts))
        }
        return DynamicRun(totalsTx: totalsTx, forecastsTx: forecasts, forecastProducers: chosen,
                          warmupSteps: warmupSteps, results: results)
    }

    /// Scores one strategy that ran `producers[i]` producers at actual load `loads[i]`.
    func score(label: String, strategy: PaperStrategy, loads: [Double], producers: [Int],
               forecasts: [Double]?) -> DynamicResult {
        let e = parameters.energyJPerS
        let kMax = parameters.maxProducers
        var result = DynamicResult(label: label, steps: loads.count, crashes: 0, avoidableCrashes: 0, lostTx: 0,
                                   wastePct: 0, efficiencyPct: 0, avgEnergyJ: 0, avgProducers: 0,
                                   decisionAccuracyPct: 0, underProvisioned: 0, overProvisioned: 0,
                                   meanAbsErrorTx: 0)
        guard !loads.isEmpty else { return result }
        var wasteful = 0, agreeing = 0
        var efficiency = 0.0, energy = 0.0, producerSum = 0.0
        for (load, k) in zip(loads, producers) {
            let point = evaluate(loadTx: load, producers: k, partitions: strategy.partitions)
            let ideal = strategy.rule.producers(forLoad: load)
            if k == ideal { agreeing += 1 } else if k < ideal { result.underProvisioned += 1 } else {
                result.overProvisioned += 1
            }
            producerSum += Double(k)
            let fewest = minimumProducers(loadTx: load, partitions: strategy.partitions, limit: kMax)
            if point.up {
                efficiency += 100 * point.throughputKBps / (e * Double(k))
                energy += point.energyJ
                if let fewest, fewest < k { wasteful += 1 }
            } else {
                result.crashes += 1
                result.lostTx += load
                if fewest != nil { result.avoidableCrashes += 1 }
            }
        }
        let n = Double(loads.count)
        result.wastePct = 100 * Double(wasteful) / n
        result.efficiencyPct = efficiency / n
        result.avgEnergyJ = energy / n
        result.avgProducers = producerSum / n
        result.decisionAccuracyPct = 100 * Double(agreeing) / n
        if let forecasts {
            result.meanAbsErrorTx = zip(forecasts, loads).map { abs($0 - $1) }.reduce(0, +) / n
        }
        return result
    }
}
