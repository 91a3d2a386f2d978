import ArgumentParser

/// The flags of `kairos perf e2e`: end-to-end latency (send schedule to consumer receipt) at a fixed rate.
public struct PerfE2EFlags: ParsableArguments {
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
    @Flag(help: "Print the summary as one JSON object (no progress lines).") public var json = false

    public init() {}

    public func validate() throws {
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
        if summary.lost > 0 { throw PerfError("\(summary.lost) records were not received") }
        return summary
    }

    /// Runs with the summary on stdout and progress on a terminal's stderr.
    public func run() async throws { try await run(output: .standard(json: json)) }
}
