import ArgumentParser

/// `kairos perf produce`: producer throughput and latency percentiles, as kafka-producer-perf-test reports them.
struct PerfProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Producer throughput and latency percentiles (like kafka-producer-perf-test.sh).",
        discussion: """
            Example:
              kairos perf produce --bootstrap-server 127.0.0.1:9092 --topic bench --num-records 1000000 \\
                  --record-size 100 --throughput 50000 --producer-property acks=1 --json
            Latency is from each record's send call to its acknowledgement; with --throughput the send times come
            from a fixed schedule, so a stalled producer shows as latency instead of hiding it.
            """)

    @OptionGroup var client: ClientOptions
    @Option(help: "The topic.") var topic: String
    @Option(name: .customLong("num-records"), help: "Records to send.") var numRecords: Int = 1_000_000
    @Option(name: .customLong("record-size"), help: "Value bytes per record.") var recordSize: Int = 100
    @Option(help: "Records per second on a fixed schedule; <= 0 or absent: as fast as possible.") var throughput: Double?
    @Option(name: .customLong("producer-property"), help: "A producer property key=value; repeatable.")
    var producerProperty: [String] = []
    @Option(name: .customLong("reporting-interval-ms"), help: "Progress line interval; 0 for none.") var reportingIntervalMs = 5_000
    @Flag(help: "Print the summary as one JSON object (progress lines go to stderr).") var json = false

    func validate() throws {
        guard numRecords >= 0 else { throw ValidationError("--num-records must be >= 0") }
        guard recordSize >= 0 else { throw ValidationError("--record-size must be >= 0") }
        guard reportingIntervalMs >= 0 else { throw ValidationError("--reporting-interval-ms must be >= 0") }
    }

    /// The run these flags describe.
    func options() throws -> PerfProduceOptions {
        PerfProduceOptions(
            properties: try client.properties(extra: producerProperty), topic: topic, numRecords: numRecords,
            recordSizeBytes: recordSize, throughputPerSec: throughput, durationSec: nil, reportingIntervalMs: reportingIntervalMs)
    }

    /// Runs and prints the summary on `output`; returns it.
    @discardableResult
    func run(output: PerfOutput) async throws -> PerfProduceSummary {
        let summary = try await PerfProduceRun.run(try options(), output: output)
        output.result(json ? try PerfOutput.jsonLine(summary) : summary.text)
        if summary.failedRecords > 0 {
            throw CLIError("\(summary.failedRecords) records failed" + (summary.firstError.map { ", first: \($0)" } ?? ""))
        }
        return summary
    }

    func run() async throws { try await run(output: .standard(json: json)) }
}
