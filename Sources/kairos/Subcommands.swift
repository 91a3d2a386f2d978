import ArgumentParser

/// Every subcommand, in the order `kairos --help` lists them. Add new ones here.
enum KairosSubcommands {
    static let all: [any ParsableCommand.Type] = [
        ServerCommand.self, ConfigReferenceCommand.self,
        TopicsCommand.self, ProduceCommand.self, ConsumeCommand.self,
        PerfCommand.self,
        ForecastCommand.self, PaperCommand.self, AutopilotCommand.self,
    ]
}
