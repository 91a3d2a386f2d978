import ArgumentParser
import Foundation
import XCTest

@testable import KairosPerf

/// `kairos experiment run`: a quick live run on an embedded broker, the metric formulas against hand-worked
/// numbers, and bad input that must leave no report behind.
final class ExperimentTests: XCTestCase {
    private final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
        var output: PerfOutput { PerfOutput(result: { self.append($0) }, progress: { _ in }) }
    }

    private func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "kairos-experiment-test-\(UInt64.random(in: 0...UInt64.max))"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    // MARK: The CI smoke run

    func testQuickRunWritesTheReportAndConsumesBackEveryAckedRecord() async throws {
        let out = temporaryDirectory()
        let flags = try ExperimentFlags.parse(["--workload", "paper", "--strategies", "original,autopilot,reactive",
                                               "--quick", "--out", out, "--json"])
        let lines = Lines()
        let results = try await flags.run(output: lines.output)
        XCTAssertEqual(lines.all.count, 1)
        let printed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: Any])
        let fileData = try Data(contentsOf: URL(fileURLWithPath: out + "/results.json"))
        let written = try XCTUnwrap(JSONSerialization.jsonObject(with: fileData) as? [String: Any])
        XCTAssertEqual(NSDictionary(dictionary: printed), NSDictionary(dictionary: written), "--json prints results.json's object")
        XCTAssertTrue((written["capacityEnforcement"] as? String ?? "").contains("producer_byte_rate"),
                      "the embedded broker takes client quotas")
        let strategies = try XCTUnwrap(written["strategies"] as? [[String: Any]])
        XCTAssertEqual(strategies.compactMap { $0["strategy"] as? String }, ["original", "autopilot", "reactive"])
        for row in strategies {
            for key in ["throughput", "latencyP50Ms", "latencyP99Ms", "bufferExhausted", "recordsLost", "producerSeconds",
                        "oracleProducerSeconds", "underProvisionedIntervals", "intervals", "waste", "energyJ"] {
                XCTAssertNotNil(row[key], "\(row["strategy"] ?? "?"): field \(key)")
            }
        }
        for s in results.strategies {
            XCTAssertGreaterThan(s.recordsAcked, 0, s.strategy)
            XCTAssertEqual(s.recordsAcked, s.recordsConsumed, "\(s.strategy): acked == consumed")
            XCTAssertEqual(s.recordsLost, 0, s.strategy)
            XCTAssertEqual(s.intervals, 24, s.strategy)
            XCTAssertEqual(s.energyJ, s.producerSeconds * 65, accuracy: 1e-9)
        }
        // The fixed strategy ran one producer in every interval: 24 × 0.25 s.
        XCTAssertEqual(results.strategies[0].producerSeconds, 6, accuracy: 1e-9)
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<table id=\"strategies\">"))
        for name in ["original", "autopilot", "reactive"] { XCTAssertTrue(html.contains("<td>\(name)</td>"), name) }
        let left = try FileManager.default.contentsOfDirectory(atPath: out)
        XCTAssertEqual(Set(left), ["results.json", "report.html"], "no temporary file is left")
    }

    // MARK: Bad input

    func testUnknownStrategyIsRefusedByName() {
        XCTAssertThrowsError(try ExperimentFlags.parse(["--strategies", "original,fastest", "--out", "/nonexistent"])) { error in
            XCTAssertTrue(ExperimentFlags.message(for: error).contains("fastest"), ExperimentFlags.message(for: error))
        }
    }

    func testUnreadableTraceNamesTheFileAndWritesNothing() async throws {
        let out = temporaryDirectory()
        let flags = try ExperimentFlags.parse(["--workload", "trace:/nonexistent/calls.csv:calls", "--strategies", "original",
                                               "--quick", "--out", out])
        do {
            try await flags.run(output: Lines().output)
            XCTFail("an unreadable trace must fail")
        } catch let error as PerfError {
            XCTAssertTrue(error.description.contains("/nonexistent/calls.csv"), error.description)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/results.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/report.html"))
    }

    func testUnreachableBrokerIsNamedAndWritesNothing() async throws {
        let out = temporaryDirectory()
        var options = ExperimentOptions(workload: "paper", strategies: [.original], outDir: out,
                                        bootstrap: "127.0.0.1:1", quick: true)
        options.connectTimeoutMs = 1_500
        do {
            _ = try await ExperimentRun.run(options)
            XCTFail("an unreachable broker must fail")
        } catch let error as PerfError {
            XCTAssertTrue(error.description.contains("127.0.0.1:1") && error.description.contains("unreachable"), error.description)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    // MARK: Workload and strategies

    func testWorkloadParsing() throws {
        let paper = try ExperimentWorkload(parsing: "paper", peakLoad: 150, steps: 40)
        let values = paper.csvText.split(separator: "\n").dropFirst().compactMap { Double($0) }
        XCTAssertEqual(values.count, 40)
        XCTAssertEqual(paper.rateScale * values.max()!, 150, accuracy: 1e-9, "the paper's peak maps to --peak-load")
        XCTAssertThrowsError(try ExperimentWorkload(parsing: "poisson", peakLoad: 150, steps: 4))
        XCTAssertEqual(try ExperimentStrategy.parseList("sampling, ipooa,sampling"), [.sampling, .ipooa])
        XCTAssertEqual(ExperimentStrategy.ipooa.partitions, 25)
        XCTAssertEqual(ExperimentStrategy.ipooa.producerProperties["partitioner"], "ipooa")
        XCTAssertEqual(ExperimentStrategy.sampling.replayStrategy, .fixed(3))
        XCTAssertEqual(ExperimentStrategy.reactive.replayStrategy, .reactive)
    }

    func testTraceWorkloadReadsTheFileAndItsColumn() throws {
        let path = temporaryDirectory() + ".csv"
        try "t,calls\n0,10\n1,20\n2,40\n3,30\n".write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        let trace = try ExperimentWorkload(parsing: "trace:\(path):calls", peakLoad: 120, steps: 0)
        XCTAssertEqual(trace.column, "calls")
        XCTAssertEqual(trace.rateScale, 3, accuracy: 1e-9, "peak 40 maps to 120")
    }

    // MARK: Metrics, against hand-worked numbers

    func testMetricFormulas() {
        XCTAssertEqual(ExperimentMetrics.energyJoules(producerSeconds: 10), 650, accuracy: 1e-9)
        XCTAssertEqual(ExperimentMetrics.upShare(underProvisionedIntervals: 2, intervals: 8), 0.75, accuracy: 1e-12)
        // W = r·T/(E·k) = 0.75 × 20 / (65 × 2) = 15 / 130.
        XCTAssertEqual(ExperimentMetrics.efficiency(upShare: 0.75, throughputKBps: 20, meanProducers: 2)!, 15.0 / 130, accuracy: 1e-12)
        XCTAssertNil(ExperimentMetrics.efficiency(upShare: 1, throughputKBps: 20, meanProducers: 0))
        XCTAssertEqual(ExperimentMetrics.waste(overProvisionedIntervals: 3, intervals: 12), 0.25, accuracy: 1e-12)
        XCTAssertEqual(ExperimentMetrics.waste(overProvisionedIntervals: 0, intervals: 0), 0)
    }

    func testStrategyRowFromAReplaySummary() throws {
        // 10 intervals of 250 ms = 2.5 s (drained by 4 s, not counted); 500 acked → 200 records/s = 20 kB/s at
        // 100 bytes; 5 producer-s over 2.5 s → mean k 2; 2 under-provisioned → r 0.8; W = 0.8 × 20 / (65 × 2);
        // 3 over-provisioned → waste 0.3; 498 consumed → 2 lost.
        let latency = try JSONDecoder().decode(
            PerfLatencySummary.self, from: Data(#"{"p50":3,"p95":5,"p99":9,"p999":12,"max":14}"#.utf8))
        let summary = AutopilotReplaySummary(
            strategy: "autopilot", trace: "paper", intervalMs: 250, warmupIntervals: 10, recordsOffered: 510,
            recordsSent: 505, recordsAcked: 500, recordsFailed: 5, recordsUnsent: 5, bufferExhausted: 4, intervals: 10,
            underProvisionedIntervals: 2, overProvisionedIntervals: 3, producerSeconds: 5, oracleProducerSeconds: 4.5,
            producerSecondsRatio: 5 / 4.5, latencyMs: latency, peakLatencyMs: nil, capacityRecordsPerSec: nil, resizes: 4,
            seconds: 4, firstError: nil, timeline: [])
        let row = ExperimentRun.result(strategy: .autopilot, topic: "t", summary: summary, consumed: 498, recordSizeBytes: 100)
        XCTAssertEqual(row.throughput, 200, accuracy: 1e-9)
        XCTAssertEqual(row.throughputKBps, 20, accuracy: 1e-9)
        XCTAssertEqual(row.energyJ, 325, accuracy: 1e-9)
        XCTAssertEqual(row.efficiency!, 0.8 * 20 / 130, accuracy: 1e-12)
        XCTAssertEqual(row.waste, 0.3, accuracy: 1e-12)
        XCTAssertEqual(row.recordsLost, 2)
        XCTAssertEqual(row.latencyP99Ms, 9)
        XCTAssertEqual(row.bufferExhausted, 4)
        XCTAssertNil(row.capacity)
    }
}
