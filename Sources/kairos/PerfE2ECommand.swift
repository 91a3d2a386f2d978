import ArgumentParser
import KairosPerf

/// `kairos perf e2e`: end-to-end latency (send schedule to consumer receipt) at a fixed rate.
struct PerfE2ECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "End-to-end latency from send to receipt at a fixed rate, free of coordinated omission.",
        discussion: """
            Example:
              kairos perf e2e --bootstrap-server 127.0.0.1:9092 --topic e2e --rate 10000 --duration 30
            A producer sends --rate records per second for --duration seconds, each stamped with the time its
            schedule says it is due; a consumer in the same process, reading the topic's end, records receipt
            minus due time. The topic is created with --partitions when it does not exist.
            """)

    @OptionGroup var flags: PerfE2EFlags

    func run() async throws {
        do { try await flags.run() } catch let error as PerfError { throw CLIError(error.description) }
    }
}
