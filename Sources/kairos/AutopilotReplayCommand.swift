import ArgumentParser
import KairosPerf

/// `kairos autopilot replay`: a trace's volumes, time-compressed, through a producer pool against a real broker.
struct AutopilotReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a trace's per-interval volumes through a producer pool under the autopilot or a fixed count.",
        discussion: """
            Example:
              kairos autopilot replay --trace calls.csv --column calls \\
                --interval-ms 200 --rate-scale 2 --topic replay \\
                --bootstrap-server 127.0.0.1:9092 --strategy autopilot \\
                --property autopilot.policy=capacity \\
                --property autopilot.capacity.records=1000 --json

            The first --warmup share of the trace trains the autopilot and is
            not sent; every later row is sent in --interval-ms, its records
            spread evenly over it. Paper thresholds default to the warm-up's
            tertiles. autopilot.capacity.records limits each active producer
            to that many records/s (the stand-in for a broker quota per
            producer), so one producer is really overloaded at the peaks.

            \(AutopilotReplayFlags.fieldHelp)
            """)

    @OptionGroup var flags: AutopilotReplayFlags

    func run() async throws {
        do { try await flags.run() } catch let error as PerfError { throw CLIError(error.description) }
    }
}
