import ArgumentParser
import Foundation

/// The flags of `kairos autopilot replay`.
public struct AutopilotReplayFlags: ParsableArguments {
    @OptionGroup var client: ClientOptions
    @Option(help: "The trace: CSV with a header, one row per interval.") var trace: String
    @Option(help: "The trace's volume column (default: the last numeric one).") var column: String?
    @Option(name: .customLong("interval-ms"), help: "Milliseconds one trace row is replayed in (time compression).")
    var intervalMs: Int64 = 200
    @Option(name: .customLong("rate-scale"), help: "Records sent per unit of the trace's value.") var rateScale: Double = 1
    @Option(help: "Share of the trace, from its start, that trains the autopilot and is not replayed, in [0, 1).")
    var warmup: Double = 0.5
    @Option(help: "The topic records are sent to.") var topic: String
    @Option(help: "autopilot, reactive (the last interval's needed k), or fixed:K for K producers throughout.")
    var strategy: String = "autopilot"
    @Option(name: .customLong("property"),
            help: "key=value: an autopilot.* property or a producer property (acks, linger.ms...); repeatable.")
    var property: [String] = []
    @Option(name: .customLong("record-size"), help: "Value bytes per record.") var recordSize: Int = 100
    @Option(name: .customLong("max-intervals"), help: "Replay only this many rows after the warm-up.") var maxIntervals: Int?
    @Option(name: .customLong("connect-timeout-ms"), help: "How long an unreachable broker is retried before giving up.")
    var connectTimeoutMs: Int = 30_000
    @Option(help: "Append each decision as one JSON line to this file.") var decisions: String?
    @Flag(help: "Print the summary as one JSON object.") public var json = false

    public init() {}

    public func validate() throws {
        guard intervalMs >= 1 else { throw ValidationError("--interval-ms must be at least 1") }
        guard rateScale.isFinite && rateScale > 0 else { throw ValidationError("--rate-scale must be a positive number") }
        guard warmup >= 0 && warmup < 1 else { throw ValidationError("--warmup must be in [0, 1)") }
        guard recordSize >= 0 else { throw ValidationError("--record-size must be >= 0") }
        if let maxIntervals, maxIntervals < 1 { throw ValidationError("--max-intervals must be at least 1") }
        do { _ = try ReplayStrategy(parsing: strategy) } catch let error as PerfError { throw ValidationError(error.description) }
        for pair in property { _ = try ClientOptions.split(pair) }
    }

    /// The replay these flags describe.
    func options(decisionSink: (@Sendable (String) -> Void)? = nil) throws -> AutopilotReplayOptions {
        AutopilotReplayOptions(
            tracePath: trace, column: column, intervalMs: intervalMs, rateScale: rateScale, warmupFraction: warmup,
            topic: topic, strategy: try ReplayStrategy(parsing: strategy),
            properties: try client.properties(extra: property), recordSizeBytes: recordSize,
            connectTimeoutMs: connectTimeoutMs, maxIntervals: maxIntervals, decisionSink: decisionSink)
    }

    /// Runs and prints the summary on `output`; returns it. Throws, after printing, when a record was lost.
    @discardableResult
    func run(output: PerfOutput) async throws -> AutopilotReplaySummary {
        var sink: (@Sendable (String) -> Void)?
        if let decisions {
            let file = try DecisionFile(path: decisions)
            sink = { line in file.append(line) }
        }
        let summary = try await AutopilotReplayRun.run(try options(decisionSink: sink))
        output.result(json ? try PerfOutput.jsonLine(summary) : Self.text(summary))
        if summary.recordsFailed > 0 || summary.recordsUnsent > 0 {
            throw PerfError("\(summary.recordsFailed) records failed and \(summary.recordsUnsent) were not sent; first error: "
                            + (summary.firstError ?? "none reported"))
        }
        return summary
    }

    /// Runs with the summary on stdout.
    public func run() async throws { try await run(output: .standard(json: json)) }

    /// The human form: the headline numbers on a few lines.
    static func text(_ s: AutopilotReplaySummary) -> String {
        String(format: """
            %@ on %@: %d intervals of %d ms, %d records sent, %d acked, %d failed, %d unsent (%d buffer exhausted)
            under-provisioned intervals %d (%.1f %%), producer-seconds %.1f vs oracle %.1f (%.2fx), %d resizes
            latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms; at peaks p99 %@
            """, s.strategy, s.trace, s.intervals, Int(s.intervalMs), s.recordsSent, s.recordsAcked, s.recordsFailed,
            s.recordsUnsent, s.bufferExhausted, s.underProvisionedIntervals,
            s.intervals > 0 ? 100 * Double(s.underProvisionedIntervals) / Double(s.intervals) : 0,
            s.producerSeconds, s.oracleProducerSeconds, s.producerSecondsRatio ?? 0, s.resizes,
            s.latencyMs.p50, s.latencyMs.p99, s.latencyMs.p999, s.peakLatencyMs.map { String(format: "%.2f ms", $0.p99) } ?? "n/a")
    }
}

/// A file decisions are appended to, one JSON line each.
final class DecisionFile: Sendable {
    private let handle: FileHandle

    /// Opens (creating) `path` for appending; the error names the file.
    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw PerfError("--decisions \(path): cannot create the file")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw PerfError("--decisions \(path): cannot open for writing") }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    /// Appends one line.
    func append(_ line: String) { handle.write(Data((line + "\n").utf8)) }
}
