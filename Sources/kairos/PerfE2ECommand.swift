import ArgumentParser

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

    @OptionGroup var client: ClientOptions
    @Option(help: "The topic.") var topic: String
    @Option(help: "Records per second.") var rate: Double = 1_000
    @Option(help: "Seconds of sending.") var duration: Double = 10
    @Option(name: .customLong("record-size"), help: "Value bytes per record (at least 16).") var recordSize: Int = 100
    @Option(help: "Partitions when the topic is created.") var partitions: Int = 1
    @Option(name: .customLong("producer-property"), help: "A producer property key=value; repeatable.")
    var producerProperty: [String] = []
    @Option(name: .customLong("consumer-property"), help: "A consumer property key=value; repeatable.")
    var consumerProperty: [String] = []
    @Option(name: .customLong("drain-timeout-ms"), help: "Wait this long for the last records.") var drainTimeoutMs = 10_000
    @Option(name: .customLong("reporting-interval-ms"), help: "Progress line interval; 0 for none.") var reportingIntervalMs = 5_000
    @Flag(help: "Print the summary as one JSON object (progress lines go to stderr).") var json = false

    func validate() throws {
        guard rate > 0 else { throw ValidationError("--rate must be > 0") }
        guard duration > 0 else { throw ValidationError("--duration must be > 0") }
        guard recordSize >= PerfE2ERun.stampBytes else { throw ValidationError("--record-size must be >= \(PerfE2ERun.stampBytes)") }
        guard partitions > 0 else { throw ValidationError("--partitions must be > 0") }
        guard drainTimeoutMs >= 0, reportingIntervalMs >= 0 else { throw ValidationError("timeouts must be >= 0") }
    }

    /// The run these flags describe.
    func options() throws -> PerfE2EOptions {
        PerfE2EOptions(
            producerProperties: try client.properties(extra: producerProperty),
            consumerProperties: try client.properties(extra: consumerProperty), topic: topic, partitions: partitions,
            ratePerSec: rate, durationSec: duration, recordSizeBytes: recordSize, drainTimeoutMs: drainTimeoutMs,
            reportingIntervalMs: reportingIntervalMs)
    }

    /// Runs and prints the summary on `output`; returns it.
    @discardableResult
    func run(output: PerfOutput) async throws -> PerfE2ESummary {
        let summary = try await PerfE2ERun.run(try options(), output: output)
        output.result(json ? try PerfOutput.jsonLine(summary) : summary.text)
        if summary.lost > 0 { throw CLIError("\(summary.lost) records were not received") }
        return summary
    }

    func run() async throws { try await run(output: .standard(json: json)) }
}
