import ArgumentParser
import KairosPerf

/// `kairos perf produce`: producer throughput and latency percentiles, as kafka-producer-perf-test reports them.
struct PerfProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Producer throughput and latency percentiles (like kafka-producer-perf-test.sh).",
        discussion: """
            Example:
              kairos perf produce --bootstrap-server 127.0.0.1:9092 --topic bench --num-records 1000000 \\
                  --record-size 100 --throughput 50000 --producer-props acks=1 linger.ms=5 --json
            kafka-producer-perf-test's flags work as they are (--num-records, --record-size, --throughput,
            --producer-props, --producer.config, --reporting-interval). A record counts as sent only when its
            acknowledgement came back; a run with any failed record says how many and the first error, and exits
            non-zero. Latency is from each record's send call to its acknowledgement; with --throughput the send
            times come from a fixed schedule, so a stalled producer shows as latency instead of hiding it.
            """)

    @OptionGroup var flags: PerfProduceFlags

    func run() async throws {
        do { try await flags.run() } catch let error as PerfError { throw CLIError(error.description) }
    }
}
