import ArgumentParser
import KairosPerf

/// `kairos perf consume`: consumer throughput, as kafka-consumer-perf-test reports it.
struct PerfConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Consumer throughput (like kafka-consumer-perf-test.sh).",
        discussion: """
            Reads --messages records of --topic from the beginning: with --group as a member of that group
            (subscribe), otherwise by assigning every partition. Stops early when nothing arrives for --timeout-ms.
            kafka-consumer-perf-test's flags work as they are (--bootstrap-server, --topic, --messages, --group,
            --consumer.config, --timeout, --reporting-interval).
            """)

    @OptionGroup var flags: PerfConsumeFlags

    func run() async throws {
        do { try await flags.run() } catch let error as PerfError { throw CLIError(error.description) }
    }
}
