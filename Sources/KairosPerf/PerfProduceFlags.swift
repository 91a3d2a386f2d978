import ArgumentParser

/// The flags of `kairos perf produce`, with kafka-producer-perf-test's names accepted beside Kairos's own:
/// `--num-records`, `--record-size`, `--throughput`, `--producer-props k=v k=v...`, `--producer.config FILE`,
/// `--reporting-interval`.
public struct PerfProduceFlags: ParsableArguments {
    @OptionGroup var client: ClientOptions
    @Option(help: "The topic.") var topic: String
    @Option(name: .customLong("num-records"), help: "Records to send.") var numRecords: Int = 1_000_000
    @Option(name: .customLong("record-size"), help: "Value bytes per record.") var recordSize: Int = 100
    // Unconditional: Kafka's tool is run with `--throughput -1`, which would otherwise read as an option.
    @Option(parsing: .unconditional, help: "Records per second on a fixed schedule; <= 0 or absent: as fast as possible.")
    var throughput: Double?
    @Option(name: .customLong("producer-property"), help: "A producer property key=value; repeatable.")
    var producerProperty: [String] = []
    @Option(name: .customLong("producer-props"), parsing: .upToNextOption,
            help: "Producer properties key=value ... (kafka-producer-perf-test's form).")
    var producerProps: [String] = []
    @Option(name: .customLong("producer.config"), help: "A producer properties file; the key=value flags override it.")
    var producerConfig: String?
    @Flag(name: .customLong("text-values"),
          help: "Values are slices of the seeded 8 MiB text pool bench/rdkafka-loadgen uses (compress like log text).")
    var textValues = false
    @Option(name: [.customLong("reporting-interval-ms"), .customLong("reporting-interval")],
            help: "Progress line interval in ms (shown on a terminal only); 0 for none.")
    var reportingIntervalMs = 5_000
    @Flag(help: "Print the summary as one JSON object (no progress lines).") public var json = false

    public init() {}

    public func validate() throws {
        guard numRecords >= 0 else { throw ValidationError("--num-records must be >= 0") }
        guard recordSize >= 0 else { throw ValidationError("--record-size must be >= 0") }
        if textValues && recordSize >= PerfTextPool.poolBytes {
            throw ValidationError("--record-size must be below \(PerfTextPool.poolBytes) with --text-values")
        }
        guard reportingIntervalMs >= 0 else { throw ValidationError("--reporting-interval-ms must be >= 0") }
    }

    /// The run these flags describe: properties from --bootstrap-server, the file, --command-property,
    /// --producer-props and --producer-property, later ones winning.
    func options() throws -> PerfProduceOptions {
        let file = try PerfPropertiesFile.read(producerConfig, flag: "--producer.config")
        return PerfProduceOptions(
            properties: try client.properties(base: file, extra: producerProps + producerProperty), topic: topic,
            numRecords: numRecords, recordSizeBytes: recordSize, throughputPerSec: throughput, durationSec: nil,
            reportingIntervalMs: reportingIntervalMs, values: textValues ? .textPool : .patterns)
    }

    /// Runs and prints the summary on `output`; returns it. Throws, after printing, when a record failed.
    @discardableResult
    func run(output: PerfOutput) async throws -> PerfProduceSummary {
        let summary = try await PerfProduceRun.run(try options(), output: output)
        output.result(json ? try PerfOutput.jsonLine(summary) : summary.text)
        if let failure = summary.failureText { throw PerfError(failure) }
        return summary
    }

    /// Runs with the summary on stdout and progress on a terminal's stderr.
    public func run() async throws { try await run(output: .standard(json: json)) }
}
