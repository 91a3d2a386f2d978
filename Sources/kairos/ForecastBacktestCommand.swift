import ArgumentParser
import Foundation
import KairosForecast
import KairosPerf

/// `kairos forecast backtest`: every model on held-out data, with error and decision metrics.
struct ForecastBacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest forecasting models on a CSV series (chronological split, rolling origins)."
    )

    @OptionGroup var input: ForecastInputOptions
    @OptionGroup var model: ForecastModelOptions

    @Option(help: "Comma-separated models: \(ModelCatalog.names.joined(separator: ",")).")
    var models: String = ModelCatalog.names.joined(separator: ",")

    @Option(help: "Producer thresholds t1,t2,... (default: 33rd and 66th percentiles of the training part).")
    var thresholds: String?

    @Option(help: "Fraction of the series held out for testing, at its end.")
    var testFraction: Double = 0.2

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    /// One model's line in the JSON output.
    struct ModelLine: Encodable {
        var name: String
        var rmse: Double, mae: Double, smape: Double
        var kAccuracy: Double, underProvisionRate: Double, overProvisionRate: Double
        var producerIntervals: Int, perfectProducerIntervals: Int, extraProducerFraction: Double
        var pointKAccuracy: Double, pointUnderProvisionRate: Double
        var coverage: Double, validationRmse: Double, calibration: String
        var quantile: Double
        var overProvisionedProducerIntervals: Int, underProvisionedProducerIntervals: Int, overProvisionCost: Double
        var validationUnderProvisionRate: Double?, validationOverProvisionCost: Double?, targetMet: Bool?
        var detail: String?
        var seconds: Double
    }

    /// The JSON output.
    struct Output: Encodable {
        var series: String
        var testPoints: Int
        var trainPoints: Int
        var horizon: Int
        var quantile: Double
        var underProvisionTarget: Double?
        var seasons: [Int]
        var thresholds: [Double]
        var models: [ModelLine]
        var skipped: [String: String]
        var best: String
    }

    func run() async throws {
        let data = try input.load()
        guard testFraction > 0 && testFraction < 1 else { throw ValidationError("--test-fraction must be in (0, 1)") }
        let trainCount = data.count - Int((Double(data.count) * testFraction).rounded())
        let seasons = try input.seasonLengths(trainingPart: Array(data.target.prefix(max(trainCount, 0))))
        var config = BacktestConfig()
        config.models = models.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        config.settings = try model.settings(seasons: seasons)
        switch try model.quantileChoice() {
        case let .fixed(q): config.quantile = q
        case let .target(t): config.underProvisionTarget = t
        }
        config.testFraction = testFraction
        config.thresholds = try thresholds.map { try parseNumberList($0, option: "--thresholds") }
        let clock = ContinuousClock()
        let origin = clock.now
        config.stopwatch = { (clock.now - origin).seconds }
        // The backtest reports nothing until it ends (minutes with the LSTM): a person at a terminal sees it is alive.
        let modelCount = config.models.count, series = data.name
        let report = try TerminalProgress.ticking(json: json, status: { elapsed in
            "backtest of \(modelCount) models on \(series): \(Int(elapsed)) s so far"
        }) { try Backtest.run(data, config: config) }
        if json {
            print(try jsonLine(output(report, seasons: seasons)))
        } else {
            printTable(report, seasons: seasons)
        }
    }

    private func output(_ r: BacktestReport, seasons: [Int]) -> Output {
        Output(series: r.series, testPoints: r.testPoints, trainPoints: r.trainPoints, horizon: r.horizon, quantile: r.quantile,
               underProvisionTarget: r.underProvisionTarget, seasons: seasons, thresholds: r.thresholds, models: r.models.map { m in
                   ModelLine(name: m.name, rmse: m.metrics.rmse, mae: m.metrics.mae, smape: m.metrics.smape,
                             kAccuracy: m.decisions.kAccuracy, underProvisionRate: m.decisions.underProvisionRate,
                             overProvisionRate: m.decisions.overProvisionRate, producerIntervals: m.decisions.producerIntervals,
                             perfectProducerIntervals: m.decisions.perfectProducerIntervals,
                             extraProducerFraction: m.decisions.extraProducerFraction,
                             pointKAccuracy: m.pointDecisions.kAccuracy, pointUnderProvisionRate: m.pointDecisions.underProvisionRate,
                             coverage: m.coverage, validationRmse: m.validationRMSE,
                             calibration: "\(m.calibration.mode.rawValue) \(m.calibration.offsets.map { String(format: "%.4g", $0) }.joined(separator: ","))",
                             quantile: m.calibration.quantile,
                             overProvisionedProducerIntervals: m.decisions.overProvisionedProducerIntervals,
                             underProvisionedProducerIntervals: m.decisions.underProvisionedProducerIntervals,
                             overProvisionCost: m.decisions.overProvisionCostFraction,
                             validationUnderProvisionRate: m.provisioning?.decisions.underProvisionRate,
                             validationOverProvisionCost: m.provisioning?.decisions.overProvisionCostFraction,
                             targetMet: m.provisioning?.met, detail: m.detail, seconds: m.seconds)
               }, skipped: r.skipped, best: r.best)
    }

    private func printTable(_ r: BacktestReport, seasons: [Int]) {
        print("series \(r.series): \(r.trainPoints) training points, \(r.testPoints) test origins, horizon \(r.horizon), seasons \(seasons.isEmpty ? "none" : seasons.map(String.init).joined(separator: ","))")
        let decisions = r.underProvisionTarget.map { "each model's quantile chosen for under-provisioning <= \($0) on its validation tail" }
            ?? "decisions from the P\(quantileLabel(r.quantile)) upper forecast"
        print("thresholds \(r.thresholds.map { String(format: "%.4g", $0) }.joined(separator: ", ")); \(decisions)")
        print("under% / over%: intervals with too few / too many producers; overK%: over-provisioned producer-intervals (the")
        print("over-provisioning cost) and extraK%: net extra producer-intervals, both relative to a perfect forecast")
        print(cell("model", width: 8) + "     rmse      mae  smape%  kAcc%  under%   over%   overK%  extraK%      q  cover%     secs  detail")
        for m in r.models {
            let d = m.decisions
            print(cell(m.name, width: 8) + cell(m.metrics.rmse, decimals: 2) + cell(m.metrics.mae, decimals: 2)
                  + cell(m.metrics.smape, decimals: 2, width: 8) + cell(100 * d.kAccuracy, decimals: 1, width: 7)
                  + cell(100 * d.underProvisionRate, decimals: 2, width: 8) + cell(100 * d.overProvisionRate, decimals: 2, width: 8)
                  + cell(100 * d.overProvisionCostFraction, decimals: 2, width: 9)
                  + cell(100 * d.extraProducerFraction, decimals: 2, width: 9) + cell(m.calibration.quantile, decimals: 3, width: 7)
                  + cell(100 * m.coverage, decimals: 1, width: 8)
                  + cell(m.seconds, decimals: 2) + "  " + (m.detail ?? ""))
        }
        for (name, why) in r.skipped.sorted(by: { $0.key < $1.key }) { print("skipped \(name): \(why)") }
        print("best: \(r.best)")
    }
}

/// A quantile level as a percentile label: 0.9 -> "90", 0.995 -> "99.5".
func quantileLabel(_ q: Double) -> String {
    let percent = (q * 1000).rounded() / 10
    return percent == percent.rounded() ? String(Int(percent)) : String(percent)
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
