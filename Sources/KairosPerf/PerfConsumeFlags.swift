import ArgumentParser

/// The flags of `kairos perf consume`, with kafka-consumer-perf-test's names accepted beside Kairos's own:
/// `--bootstrap-server`, `--topic`, `--messages`, `--group`, `--consumer.config FILE`, `--timeout`,
/// `--reporting-interval`.
public struct PerfConsumeFlags: ParsableArguments {
    @OptionGroup var client: ClientOptions
    @Option(help: "The topic.") var topic: String
    @Option(help: "Records to read.") var messages: Int = 1_000_000
    @Option(help: "Consumer group id; absent: assign every partition, no group.") var group: String?
    @Option(name: .customLong("consumer-property"), help: "A consumer property key=value; repeatable.")
    var consumerProperty: [String] = []
    @Option(name: .customLong("consumer.config"), help: "A consumer properties file; --consumer-property overrides it.")
    var consumerConfig: String?
    @Option(name: [.customLong("timeout-ms"), .customLong("timeout")], help: "Give up after this many ms without a record.")
    var timeoutMs = 10_000
    @Option(name: [.customLong("reporting-interval-ms"), .customLong("reporting-interval")],
            help: "Progress line interval in ms (shown on a terminal only); 0 for none.")
    var reportingIntervalMs = 5_000
    @Flag(help: "Print the summary as one JSON object (no progress lines).") public var json = false

    public init() {}

    public func validate() throws {
        guard messages >= 0 else { throw ValidationError("--messages must be >= 0") }
        guard timeoutMs > 0 else { throw ValidationError("--timeout-ms must be > 0") }
        guard reportingIntervalMs >= 0 else { throw ValidationError("--reporting-interval-ms must be >= 0") }
    }

    /// The run these flags describe.
    func options() throws -> PerfConsumeOptions {
        let file = try PerfPropertiesFile.read(consumerConfig, flag: "--consumer.config")
        return PerfConsumeOptions(properties: try client.properties(base: file, extra: consumerProperty), topic: topic,
                                  messages: messages, group: group, timeoutMs: timeoutMs, reportingIntervalMs: reportingIntervalMs)
    }

    /// Runs and prints the summary on `output`; returns it. Throws, after printing, when records are missing.
    @discardableResult
    func run(output: PerfOutput) async throws -> PerfConsumeSummary {
        let summary = try await PerfConsumeRun.run(try options(), output: output)
        output.result(json ? try PerfOutput.jsonLine(summary) : summary.text)
        if summary.records < messages { throw PerfError("only \(summary.records) of \(messages) records arrived") }
        return summary
    }

    /// Runs with the summary on stdout and progress on a terminal's stderr.
    public func run() async throws { try await run(output: .standard(json: json)) }
}
