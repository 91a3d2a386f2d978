import ArgumentParser

/// The flags of `kairos experiment run`.
public struct ExperimentFlags: ParsableArguments {
    @Option(help: "paper (the paper's three users) or trace:FILE.csv[:column] (time-compressed).") var workload: String = "paper"
    @Option(help: "Comma-separated: original, ipooa, sampling, autopilot, reactive.")
    var strategies: String = "original,ipooa,sampling,autopilot,reactive"
    @Option(help: "Directory for results.json and report.html.") var out: String
    @Option(name: .customLong("bootstrap-server"), help: "HOST:PORT of a broker with client quotas (default: an embedded broker).")
    var bootstrapServer: String?
    @Flag(help: "Short intervals and few of them (under 2 minutes), for CI.") var quick = false
    @Option(name: .customLong("peak-load"), help: "Records per interval the workload's peak is mapped to (3 producers' capacity).")
    var peakLoad: Double = 150
    @Flag(help: "Print results.json's object on stdout.") public var json = false

    public init() {}

    public func validate() throws {
        do { _ = try ExperimentStrategy.parseList(strategies) } catch let error as PerfError { throw ValidationError(error.description) }
        guard peakLoad.isFinite && peakLoad >= 3 else { throw ValidationError("--peak-load must be a number >= 3") }
    }

    /// Runs the experiment, writes the report and prints the results; returns them. Throws, after writing, when an
    /// acknowledged record was not consumed back.
    @discardableResult
    func run(output: PerfOutput) async throws -> ExperimentResults {
        let options = ExperimentOptions(
            workload: workload, strategies: try ExperimentStrategy.parseList(strategies), outDir: out,
            bootstrap: bootstrapServer, quick: quick, peakLoad: peakLoad)
        let results = try await ExperimentRun.run(options)
        try ExperimentReport.write(results, to: out)
        output.result(json ? try PerfOutput.jsonLine(results) : Self.text(results, out: out))
        let lost = results.strategies.filter { $0.recordsLost > 0 }
        if !lost.isEmpty {
            throw PerfError("acked records not consumed back: " + lost.map { "\($0.strategy) \($0.recordsLost)" }.joined(separator: ", "))
        }
        return results
    }

    /// Runs with the results on stdout.
    public func run() async throws { try await run(output: .standard(json: json)) }

    /// One line per strategy.
    static func text(_ r: ExperimentResults, out: String) -> String {
        var lines = ["\(r.workload): \(r.intervals) intervals of \(r.intervalMs) ms; capacity by \(r.capacityEnforcement)"]
        for s in r.strategies {
            lines.append(String(format: "%-9@ P=%d  %.1f rec/s  p50 %.2f ms  p99 %.2f ms  exhausted %d  lost %d  producer-s %.1f (oracle %.1f)  under %d/%d  W %@  waste %.1f %%",
                                s.strategy, s.partitions, s.throughput, s.latencyP50Ms, s.latencyP99Ms, s.bufferExhausted,
                                s.recordsLost, s.producerSeconds, s.oracleProducerSeconds, s.underProvisionedIntervals,
                                s.intervals, s.efficiency.map { String(format: "%.4f", $0) } ?? "n/a", 100 * s.waste))
        }
        lines.append("wrote \(out)/results.json and \(out)/report.html")
        return lines.joined(separator: "\n")
    }
}
