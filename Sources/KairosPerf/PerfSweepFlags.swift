import ArgumentParser
import Foundation

/// The flags of `kairos perf sweep`: measures a grid of producer configurations and recommends one for a latency budget.
public struct PerfSweepFlags: ParsableArguments {
    @OptionGroup var client: ClientOptions
    @Option(name: .customLong("batch-size"), help: "batch.size values, comma-separated.") var batchSize = "16384"
    @Option(name: .customLong("linger-ms"), help: "linger.ms values.") var lingerMs = "5"
    @Option(help: "compression.type values (none, gzip, snappy, lz4, zstd).") var compression = "none"
    @Option(help: "acks values (0, 1, all).") var acks = "1"
    @Option(help: "Partition counts of the topics.") var partitions = "1"
    @Option(help: "A JSON grid file; replaces the five flags above.") var grid: String?
    @Option(help: "Run only this many points, sampled from the grid.") var sample: Int?
    @Option(help: "Seed of --sample.") var seed: UInt64 = 1
    @Option(name: .customLong("num-records"), help: "Records per point.") var numRecords = 100_000
    @Option(name: .customLong("duration"), help: "Seconds per point at most.") var durationSec: Double?
    @Option(name: .customLong("record-size"), help: "Value bytes per record.") var recordSize = 100
    @Option(help: "Records per second on a fixed schedule per point; absent: as fast as possible.") var throughput: Double?
    @Option(name: .customLong("latency-budget-ms"), help: "Recommend the fastest point with p99 within this.")
    var latencyBudgetMs: Double?
    @Option(name: .customLong("throughput-tolerance-pct"),
            help: "For the recommendation, throughputs within this percentage of the best count as equal; lowest p99 wins.")
    var throughputTolerancePct: Double = 0
    @Option(name: .customLong("topic-prefix"), help: "Prefix of the sweep's topics.") var topicPrefix = "kairos-sweep"
    @Flag(name: .customLong("keep-topics"), help: "Keep each point's topic.") var keepTopics = false
    @Option(name: .customLong("producer-property"), help: "A producer property key=value every point starts from.")
    var producerProperty: [String] = []
    @Flag(help: "Print the report as one JSON object (no progress lines).") public var json = false

    public init() {}

    public func validate() throws {
        guard numRecords > 0 else { throw ValidationError("--num-records must be > 0") }
        guard recordSize >= 0 else { throw ValidationError("--record-size must be >= 0") }
        if let sample, sample <= 0 { throw ValidationError("--sample must be > 0") }
        if let durationSec, durationSec <= 0 { throw ValidationError("--duration must be > 0") }
        guard throughputTolerancePct >= 0 && throughputTolerancePct < 100 else {
            throw ValidationError("--throughput-tolerance-pct must be in 0..<100")
        }
    }

    /// The grid from --grid or from the five list flags.
    func makeGrid() throws -> PerfSweepGrid {
        do {
            if let path = grid {
                guard let data = FileManager.default.contents(atPath: path) else { throw PerfError("cannot read \(path)") }
                return try PerfSweepGrid.parse(json: data)
            }
            let result = PerfSweepGrid(
                batchSizeBytes: try PerfSweepGrid.integers(batchSize, name: "batch.size"),
                lingerMs: try PerfSweepGrid.integers(lingerMs, name: "linger.ms"),
                compression: PerfSweepGrid.list(compression), acks: PerfSweepGrid.list(acks),
                partitions: try PerfSweepGrid.integers(partitions, name: "partitions"))
            try result.validate()
            return result
        } catch let error as PerfSweepGridError {
            throw ValidationError(error.description)
        }
    }

    /// The sweep these flags describe.
    func options() throws -> PerfSweepOptions {
        let grid = try makeGrid()
        return PerfSweepOptions(
            properties: try client.properties(extra: producerProperty),
            points: sample.map { grid.sampledPoints(count: $0, seed: seed) } ?? grid.points,
            numRecords: numRecords, durationSec: durationSec, recordSizeBytes: recordSize, throughputPerSec: throughput,
            latencyBudgetMs: latencyBudgetMs, throughputTolerancePct: throughputTolerancePct, topicPrefix: topicPrefix, keepTopics: keepTopics)
    }

    /// Runs and prints the report on `output`; returns it.
    @discardableResult
    func run(output: PerfOutput) async throws -> PerfSweepReport {
        let report = try await PerfSweepRun.run(try options(), output: output)
        if json {
            output.result(try PerfOutput.jsonLine(report))
        } else {
            for line in report.textLines { output.result(line) }
        }
        return report
    }

    /// Runs with the summary on stdout and progress on a terminal's stderr.
    public func run() async throws { try await run(output: .standard(json: json)) }
}
