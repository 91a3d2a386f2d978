import ArgumentParser

/// Every subcommand, in the order `kairos --help` lists them. Add new ones here.
enum KairosSubcommands {
    static let all: [any ParsableCommand.Type] = [
        ServerCommand.self, ConfigReferenceCommand.self,
        TopicsCommand.self, ConfigsCommand.self, GroupsCommand.self, ProduceCommand.self, ConsumeCommand.self,
        PerfCommand.self, GatewayCommand.self,
        ForecastCommand.self, PaperCommand.self, AutopilotCommand.self, ExperimentCommand.self,
    ]
}
