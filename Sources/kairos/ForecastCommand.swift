import ArgumentParser

/// `kairos forecast`: backtest, train and apply load forecasting models.
struct ForecastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Forecast interval volumes and judge models by held-out backtests.",
        subcommands: [
            ForecastBacktestCommand.self, ForecastTrainCommand.self, ForecastPredictCommand.self,
            ForecastGenerateCommand.self, ForecastBenchCommand.self, ForecastExportLSTMCommand.self,
        ]
    )
}
