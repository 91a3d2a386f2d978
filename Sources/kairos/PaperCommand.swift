import ArgumentParser

/// `kairos paper`: the paper's analytic model, its four-strategy comparison, figures and a dynamic run.
struct PaperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paper",
        abstract: "Reproduce the paper's four-strategy comparison (Zhou et al.) from its analytic model.",
        discussion: """
        The model is the closed-form reading in docs/paper-model.md: per-second throughput, latency, buffer, \
        energy, usage, efficiency and waste for Kafka original (k=1, P=20), IPOOA (k=1, P=25), sampling \
        (k=3) and the LSTM rule (k from the load: 1 below 50 tx, 2 below 100, else 3). Every parameter can be \
        overridden. No broker is needed.
        """,
        subcommands: [PaperTableCommand.self, PaperFiguresCommand.self, PaperDynamicCommand.self],
        defaultSubcommand: PaperTableCommand.self
    )
}
