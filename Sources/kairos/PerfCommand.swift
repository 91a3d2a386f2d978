import ArgumentParser

/// `kairos perf`: measurement tools for producers, consumers, end-to-end latency and configuration sweeps.
struct PerfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perf",
        abstract: "Measure throughput and latency (produce, consume, e2e) and sweep producer configurations.",
        subcommands: [PerfProduceCommand.self, PerfConsumeCommand.self, PerfE2ECommand.self, PerfSweepCommand.self])
}
