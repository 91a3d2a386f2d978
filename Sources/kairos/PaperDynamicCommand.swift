import ArgumentParser
import KairosSim

/// `kairos paper dynamic`: k chosen from a forecast, the model evaluated at the actual load.
struct PaperDynamicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dynamic",
        abstract: "Run the strategies over a seeded workload with k from a predictor: crashes, waste, efficiency.",
        discussion: """
        The workload is the paper's (Table 2): per interval, member volumes uniform in 3-100, 19-25 and 15-45 tx. \
        Before each interval the predictor forecasts its total from the earlier totals; the LSTM rule picks k \
        from the forecast, and the model is evaluated at the actual total. The oracle row is the paper's setting.
        Predictors: oracle, last, mean, ma:N (moving average of N), q:Q:N (quantile Q of the last N).
        """
    )

    @OptionGroup var model: PaperModelOptions

    @Option(help: "oracle | last | mean | ma:N | q:Q:N | model:NAME[:upper] (a KairosForecast model: naive, snaive, ma, ses, hw, ar, lstm, auto)")
    var predictor: String = "last"

    @Option(help: "With model:NAME, intervals of training data, generated with seed+1 (held out from the run).")
    var trainSteps: Int = 2000

    @Option(help: "Multiply the forecast by this factor (headroom), e.g. 1.2.")
    var headroom: Double = 1

    @Option(help: "Intervals to generate (including warm-up).")
    var steps: Int = 1000

    @Option(help: "Intervals fed as history before scoring starts.")
    var warmup: Int = 10

    @Option(help: "Seed of the workload generator (same seed, same run).")
    var seed: UInt64 = 1

    @Option(name: .customLong("member"),
            help: "A member's range lo-hi in tx per interval (repeatable; default the paper's 3-100, 19-25, 15-45).")
    var members: [String] = []

    @Flag(help: "Print the results as JSON.")
    var json = false

    func run() throws {
        let model = try model.model()
        guard steps >= 1, steps <= 10_000_000 else { throw ValidationError("--steps must be in 1...10000000") }
        guard warmup >= 0, warmup < steps else { throw ValidationError("--warmup must be in 0..<steps") }
        guard headroom > 0, headroom.isFinite else { throw ValidationError("--headroom must be > 0") }
        let workload = try members.isEmpty ? PaperWorkload.paper : PaperWorkload(memberRangesTx: members.map(parseRange))
        do { try workload.validate() } catch let error as PaperModelError { throw ValidationError(error.description) }
        let totals = workload.totals(steps: steps, seed: seed)
        var chosen = try makePredictor(predictor, actual: totals)
        if headroom != 1 { chosen = AnyLoadPredictor(HeadroomPredictor(base: chosen, factor: headroom)) }
        let run = model.dynamicRun(totalsTx: totals, predictor: chosen, warmupSteps: warmup)
        if json {
            print(try PaperJSON.encode(run.results))
            return
        }
        let ranges = workload.memberRangesTx.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ", ")
        print(PaperTableText.describe(model.parameters))
        print("Workload: members \(ranges) tx/interval, seed \(seed), \(steps) intervals (\(warmup) warm-up); "
            + "predictor \(chosen.name)")
        print("")
        print(PaperTableText.dynamic(run.results))
        print("crashes: intervals down; avoidable: a larger k would have survived; waste: up with more producers "
            + "than needed; W: mean of 100·T/(E·k) over intervals, 0 when down; k right: k equals the rule at the "
            + "actual load; under/over: k below/above it; MAE: mean absolute forecast error.")
    }

    private func parseRange(_ text: String) throws -> ClosedRange<Int> {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let lo = Int(parts[0]), let hi = Int(parts[1]), lo <= hi else {
            throw ValidationError("--member '\(text)': expected lo-hi, e.g. 3-100")
        }
        return lo...hi
    }

    private func makePredictor(_ spec: String, actual: [Double]) throws -> AnyLoadPredictor {
        let parts = spec.split(separator: ":").map(String.init)
        switch parts.first ?? "" {
        case "oracle" where parts.count == 1: return AnyLoadPredictor(OraclePredictor(actual: actual))
        case "last" where parts.count == 1: return AnyLoadPredictor(LastValuePredictor())
        case "mean" where parts.count == 1: return AnyLoadPredictor(HistoricalMeanPredictor())
        case "ma" where parts.count == 2:
            if let window = Int(parts[1]), window >= 1 { return AnyLoadPredictor(MovingAveragePredictor(window: window)) }
        case "model" where parts.count == 2 || (parts.count == 3 && parts[2] == "upper"):
            guard trainSteps >= 50, trainSteps <= 1_000_000 else { throw ValidationError("--train-steps must be in 50...1000000") }
            let workload = try members.isEmpty ? PaperWorkload.paper : PaperWorkload(memberRangesTx: members.map(parseRange))
            let training = workload.totals(steps: trainSteps, seed: seed &+ 1)
            do {
                return AnyLoadPredictor(try ForecastModelPredictor(
                    modelName: parts[1], trainingTotals: training, useUpperQuantile: parts.count == 3))
            } catch {
                throw ValidationError("--predictor '\(spec)': \(error)")
            }
        case "q" where parts.count == 3:
            if let q = Double(parts[1]), (0...1).contains(q), let window = Int(parts[2]), window >= 1 {
                return AnyLoadPredictor(QuantilePredictor(quantile: q, window: window))
            }
        default: break
        }
        throw ValidationError("--predictor '\(spec)': expected oracle, last, mean, ma:N, q:Q:N or model:NAME[:upper]")
    }
}
