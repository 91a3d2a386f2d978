import ArgumentParser

/// `kairos autopilot`: forecast-driven producer scaling, replayed on a trace or run against a cluster.
struct AutopilotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autopilot",
        abstract: "Forecast-driven producer scaling: replay a trace against a broker, or watch a cluster and publish k.",
        subcommands: [AutopilotReplayCommand.self, AutopilotRunCommand.self])
}
