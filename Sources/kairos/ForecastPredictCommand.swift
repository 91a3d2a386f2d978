import ArgumentParser
import Foundation
import KairosForecast

/// `kairos forecast predict`: load a saved model and forecast the intervals after a CSV's last row.
struct ForecastPredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Forecast the next intervals after the input's last row with a saved model."
    )

    @Option(help: "Model file written by `kairos forecast train`.")
    var model: String

    @Option(help: "CSV with the recent history (oldest first).")
    var input: String

    @Option(help: "Column holding the volume (default: the last numeric column).")
    var column: String?

    @Option(help: "Steps to forecast (default: the model's horizon).")
    var horizon: Int?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    /// One forecast step.
    struct Step: Encodable {
        var step: Int
        var forecast: Double
        var upper: Double
        var producers: Int
    }

    /// The JSON output.
    struct Output: Encodable {
        var model: String
        var quantile: Double
        var thresholds: [Double]
        var steps: [Step]
    }

    func run() async throws {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        } catch {
            throw ValidationError("cannot read \(model): \(error.localizedDescription)")
        }
        let file = try ModelFile.decode(jsonData: bytes)
        let text: String
        do {
            text = try String(contentsOfFile: input, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read \(input): \(error.localizedDescription)")
        }
        let data = try CSVSeries.parse(text, name: "input", column: column, covariateColumns: file.covariates)
        try data.validate()
        let steps = horizon ?? file.settings.horizon
        guard steps >= 1 else { throw ValidationError("--horizon must be at least 1") }
        guard data.count >= file.model.model.minimumHistory else {
            throw ForecastError.seriesTooShort(needed: file.model.model.minimumHistory, got: data.count)
        }
        let policy = try ProducerPolicy.validated(file.thresholds)
        let (point, upper) = file.model.forecast(data, origin: data.count, horizon: steps)
        let rows = (0..<steps).map { Step(step: $0 + 1, forecast: point[$0], upper: upper[$0], producers: policy.producers(for: upper[$0])) }
        if json {
            print(try jsonLine(Output(model: file.model.model.name, quantile: file.model.calibration.quantile,
                                      thresholds: file.thresholds, steps: rows)))
        } else {
            print("step  forecast     P\(quantileLabel(file.model.calibration.quantile))  producers")
            for r in rows { print(cell(String(r.step), width: 4) + cell(r.forecast, decimals: 2, width: 10) + cell(r.upper, decimals: 2, width: 10) + "  \(r.producers)") }
        }
    }
}
