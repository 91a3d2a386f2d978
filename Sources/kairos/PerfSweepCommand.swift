import ArgumentParser
import KairosPerf

/// `kairos perf sweep`: measures a grid of producer configurations and recommends one for a latency budget.
struct PerfSweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run perf produce over a grid of batch.size, linger.ms, compression.type, acks and partitions.",
        discussion: """
            Example:
              kairos perf sweep --bootstrap-server 127.0.0.1:9092 --batch-size 16384,65536 --linger-ms 0,5,20 \\
                  --compression none,lz4 --acks 1,all --partitions 1,8 --num-records 200000 --latency-budget-ms 20
            Each point sends to a fresh topic created with the point's partition count (deleted afterwards unless
            --keep-topics). Prints the table by throughput with the Pareto front (max throughput, min p99) marked,
            and with --latency-budget-ms the highest-throughput point whose p99 fits. --grid FILE reads the grid
            from JSON instead, e.g. {"batch.size": [16384, 65536], "linger.ms": [0, 5], "acks": ["1", "all"]}.
            --sample K runs K points drawn from the grid with --seed, for grids too large to run whole.
            """)

    @OptionGroup var flags: PerfSweepFlags

    func run() async throws {
        do { try await flags.run() } catch let error as PerfError { throw CLIError(error.description) }
    }
}
