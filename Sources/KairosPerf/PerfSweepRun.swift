import Foundation
import KairosClient

/// What one `perf sweep` does.
struct PerfSweepOptions: Sendable {
    /// Client and producer properties every point starts from; the point's settings override them.
    var properties: [String: String]
    var points: [PerfSweepPoint]
    /// Each point sends this many records, or for `durationSec` seconds, whichever ends first.
    var numRecords: Int
    var durationSec: Double?
    var recordSizeBytes: Int
    /// A fixed send rate per point (nil: as fast as possible).
    var throughputPerSec: Double?
    var latencyBudgetMs: Double?
    var throughputTolerancePct: Double = 0
    var topicPrefix: String
    var keepTopics: Bool = false
}

/// The outcome of a sweep: every point measured, the Pareto front and the recommendation.
struct PerfSweepReport: Codable, Sendable {
    var results: [PerfSweepResult]
    /// Indices into `results` of the Pareto-optimal points.
    var pareto: [Int]
    var latencyBudgetMs: Double?
    /// Throughputs within this percentage of the best one that fits the budget count as equal (lowest p99 wins).
    var throughputTolerancePct: Double = 0
    /// Index into `results` of the recommended point, nil without a budget or when none fits it.
    var recommended: Int?

    /// The table (highest throughput first, `*` marks the Pareto front) and the recommendation, as text lines.
    var textLines: [String] {
        // Padding by hand: Foundation on Linux ignores field widths on %@.
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var lines = ["  " + pad("records/s", 12) + pad("MB/s", 10) + pad("p50 ms", 10) + pad("p99 ms", 10) + "  configuration"]
        let front = Set(pareto)
        for i in PerfPareto.sortedByThroughput(results) {
            let r = results[i]
            let mark = r.failedRecords > 0 ? "!" : (front.contains(i) ? "*" : "")
            lines.append((mark.isEmpty ? " " : mark) + " " + String(format: "%12.1f%10.2f%10.2f%10.2f", r.recordsPerSec, r.mbPerSec,
                                                                     r.p50Ms, r.p99Ms) + "  " + r.point.text)
        }
        lines.append("*: Pareto-optimal, no other point has both more throughput and a lower p99"
                     + (results.contains { $0.failedRecords > 0 } ? "; !: had failed records" : ""))
        if let budget = latencyBudgetMs {
            if let chosen = recommended {
                let tolerance = throughputTolerancePct > 0 ? String(format: " (throughputs within %.1f%% count as equal)", throughputTolerancePct) : ""
                let r = results[chosen]
                lines.append(String(format: "recommended for p99 <= %.2f ms: ", budget) + r.point.text
                             + String(format: " (%.1f records/s, p99 %.2f ms)", r.recordsPerSec, r.p99Ms) + tolerance)
            } else {
                lines.append(String(format: "no point meets p99 <= %.2f ms", budget))
            }
        }
        return lines
    }
}

/// Runs `perf sweep`: one short `perf produce` per grid point, each against a fresh topic with the point's partitions.
enum PerfSweepRun {
    static func run(_ options: PerfSweepOptions, output: PerfOutput) async throws -> PerfSweepReport {
        let config: ClientConfig
        do { config = try ClientConfig(properties: options.properties) } catch let error as KafkaClientError {
            throw PerfError("\(error)")
        }
        let admin = KafkaAdmin(config: config)
        var results: [PerfSweepResult] = []
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        do {
            for (index, point) in options.points.enumerated() {
                let topic = "\(options.topicPrefix)-\(suffix)-\(index)"
                try await admin.createTopic(topic, partitions: Int32(point.partitions))
                var properties = options.properties
                properties.merge(point.producerProperties) { _, new in new }
                let produce = PerfProduceOptions(
                    properties: properties, topic: topic, numRecords: options.numRecords, recordSizeBytes: options.recordSizeBytes,
                    throughputPerSec: options.throughputPerSec, durationSec: options.durationSec, reportingIntervalMs: 0)
                let summary = try await PerfProduceRun.run(produce, output: output)
                let result = PerfSweepResult(point: point, recordsPerSec: summary.recordsPerSec, mbPerSec: summary.mbPerSec,
                                             p99Ms: summary.latencyMs.p99, p50Ms: summary.latencyMs.p50,
                                             failedRecords: summary.failedRecords + summary.unsentRecords)
                results.append(result)
                output.progress("point \(index + 1)/\(options.points.count): \(point.text) -> "
                                + String(format: "%.1f records/s, p99 %.2f ms", result.recordsPerSec, result.p99Ms)
                                + (result.failedRecords > 0 ? ", \(result.failedRecords) failed" : ""))
                if !options.keepTopics { try? await admin.deleteTopics([topic]) }
            }
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
        return PerfSweepReport(
            results: results, pareto: PerfPareto.front(results), latencyBudgetMs: options.latencyBudgetMs,
            throughputTolerancePct: options.throughputTolerancePct,
            recommended: options.latencyBudgetMs.flatMap {
                PerfPareto.recommend(results, latencyBudgetMs: $0, throughputTolerancePct: options.throughputTolerancePct)
            })
    }
}
