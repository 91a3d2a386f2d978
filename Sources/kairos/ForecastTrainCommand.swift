import ArgumentParser
import Foundation
import KairosForecast

/// `kairos forecast train`: fit one model on a whole series and save it as a versioned JSON file.
struct ForecastTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a CSV series and save it (with its quantile calibration) as JSON."
    )

    @OptionGroup var input: ForecastInputOptions
    @OptionGroup var options: ForecastModelOptions

    @Option(help: "Model: \(ModelCatalog.names.joined(separator: ", ")).")
    var model: String = "auto"

    @Option(help: "Producer thresholds t1,t2,... to store (default: 33rd and 66th percentiles of the series).")
    var thresholds: String?

    @Option(help: "Where to write the model file.")
    var out: String

    func run() async throws {
        let data = try input.load()
        try data.validate()
        let settings = try options.settings(seasons: try input.seasonLengths(trainingPart: data.target))
        let policy = try thresholds.map { try ProducerPolicy.validated(try parseNumberList($0, option: "--thresholds")) }
            ?? ProducerPolicy.tertiles(of: data.target)
        let fitted: CalibratedModel
        var chosen = ""
        switch try options.quantileChoice() {
        case let .fixed(q):
            fitted = try CalibratedModel.fit(model, data: data, settings: settings, quantile: q)
        case let .target(target):
            let result = try CalibratedModel.fit(model, data: data, settings: settings, underProvisionTarget: target, policy: policy)
            fitted = result.model
            chosen = " (chosen for under-provisioning <= \(target) on the validation tail: \(String(format: "%.2f", 100 * result.provisioning.decisions.underProvisionRate)) % there"
                + (result.provisioning.met ? ")" : ", target not met)")
        }
        let file = ModelFile(series: data.name, covariates: data.covariateNames, settings: settings,
                             thresholds: policy.thresholds, trainPoints: data.count, model: fitted)
        try file.jsonData().write(to: URL(fileURLWithPath: out))
        var what = fitted.model.name
        if case let .auto(auto) = fitted.model { what += " = \(auto.choice)" }
        print("trained \(what) on \(data.count) points of \(data.name); seasons \(settings.seasonLengths); "
              + "P\(quantileLabel(fitted.calibration.quantile))\(chosen) \(fitted.calibration.mode.rawValue) offsets \(fitted.calibration.offsets); wrote \(out)")
    }
}
