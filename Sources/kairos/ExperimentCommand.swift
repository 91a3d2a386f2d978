import ArgumentParser
import KairosPerf

/// `kairos experiment`: the paper's strategies compared live on a real broker.
struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Compare the paper's producer strategies live on a real broker.",
        subcommands: [ExperimentRunCommand.self])
}

/// `kairos experiment run`.
struct ExperimentRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run each strategy on its own topic with the same arrival process; write results.json and report.html.",
        discussion: """
            Example:
              kairos experiment run --workload paper --quick --out /tmp/exp \\
                --strategies original,autopilot,reactive

            Without --bootstrap-server an embedded broker is started. Each
            pool member's capacity is a producer_byte_rate client quota on
            its client.id (a third of --peak-load per interval); see
            docs/experiment.md.
            """)

    @OptionGroup var flags: ExperimentFlags

    func run() async throws {
        do { try await flags.run() } catch let error as PerfError { throw CLIError(error.description) }
    }
}
