import ArgumentParser

/// `kairos perf consume`: consumer throughput, as kafka-consumer-perf-test reports it.
struct PerfConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Consumer throughput (like kafka-consumer-perf-test.sh).",
        discussion: """
            Reads --messages records of --topic from the beginning: with --group as a member of that group
            (subscribe), otherwise by assigning every partition. Stops early when nothing arrives for --timeout-ms.
            """)

    @OptionGroup var client: ClientOptions
    @Option(help: "The topic.") var topic: String
    @Option(help: "Records to read.") var messages: Int = 1_000_000
    @Option(help: "Consumer group id; absent: assign every partition, no group.") var group: String?
    @Option(name: .customLong("consumer-property"), help: "A consumer property key=value; repeatable.")
    var consumerProperty: [String] = []
    @Option(name: .customLong("timeout-ms"), help: "Give up after this long without a record.") var timeoutMs = 10_000
    @Option(name: .customLong("reporting-interval-ms"), help: "Progress line interval; 0 for none.") var reportingIntervalMs = 5_000
    @Flag(help: "Print the summary as one JSON object (progress lines go to stderr).") var json = false

    func validate() throws {
        guard messages >= 0 else { throw ValidationError("--messages must be >= 0") }
        guard timeoutMs > 0 else { throw ValidationError("--timeout-ms must be > 0") }
        guard reportingIntervalMs >= 0 else { throw ValidationError("--reporting-interval-ms must be >= 0") }
    }

    /// The run these flags describe.
    func options() throws -> PerfConsumeOptions {
        PerfConsumeOptions(properties: try client.properties(extra: consumerProperty), topic: topic, messages: messages,
                           group: group, timeoutMs: timeoutMs, reportingIntervalMs: reportingIntervalMs)
    }

    /// Runs and prints the summary on `output`; returns it.
    @discardableResult
    func run(output: PerfOutput) async throws -> PerfConsumeSummary {
        let summary = try await PerfConsumeRun.run(try options(), output: output)
        output.result(json ? try PerfOutput.jsonLine(summary) : summary.text)
        if summary.records < messages { throw CLIError("only \(summary.records) of \(messages) records arrived") }
        return summary
    }

    func run() async throws { try await run(output: .standard(json: json)) }
}
