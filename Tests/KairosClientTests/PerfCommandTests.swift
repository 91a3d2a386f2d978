import Foundation
import KairosClient
import XCTest

@testable import kairos

/// One short run of each `kairos perf` command, parsed from its flags, against an in-process broker.
final class PerfCommandTests: XCTestCase {
    /// Collects what a command prints.
    private final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [String] = []
        private var progress: [String] = []
        var output: PerfOutput {
            PerfOutput(result: { line in self.lock.withLock { self.results.append(line) } },
                       progress: { line in self.lock.withLock { self.progress.append(line) } })
        }
        var resultLines: [String] { lock.withLock { results } }
        var progressLines: [String] { lock.withLock { progress } }
        func json() throws -> [String: Any] {
            let lines = resultLines
            XCTAssertEqual(lines.count, 1, "one JSON object: \(lines)")
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        }
    }

    private func parse<C: ParsableCommandForTest>(_ type: C.Type, _ arguments: [String]) throws -> C {
        try XCTUnwrap(try PerfCommand.parseAsRoot(arguments) as? C, "\(arguments) parses as \(C.self)")
    }

    func testProduceThenConsumeWithAndWithoutAGroup() async throws {
        let broker = try await TestBroker.start(properties: ["group.initial.rebalance.delay.ms": "0"])
        let server = "127.0.0.1:\(broker.address.port)"
        do {
            let produce = try parse(PerfProduceCommand.self, [
                "produce", "--bootstrap-server", server, "--topic", "perf", "--num-records", "2000", "--record-size", "50",
                "--throughput", "5000", "--reporting-interval-ms", "100", "--producer-property", "linger.ms=1", "--json"])
            let produced = Lines()
            let summary = try await produce.run(output: produced.output)
            let object = try produced.json()
            XCTAssertEqual(Set(object.keys), ["records", "recordsPerSec", "mbPerSec", "latencyMs"])
            XCTAssertEqual(object["records"] as? Int, 2_000)
            let latency = try XCTUnwrap(object["latencyMs"] as? [String: Double])
            XCTAssertEqual(Set(latency.keys), ["p50", "p95", "p99", "p999", "max"])
            XCTAssertGreaterThan(latency["p50"] ?? 0, 0)
            XCTAssertLessThanOrEqual(latency["p50"] ?? 0, latency["p99"] ?? 0)
            XCTAssertLessThanOrEqual(latency["p999"] ?? 0, latency["max"] ?? 0)
            // 2000 records at 5000/s take about 0.4 s: the fixed schedule caps the rate.
            XCTAssertLessThan(summary.recordsPerSec, 5_500)
            XCTAssertFalse(produced.progressLines.isEmpty, "progress lines every 100 ms")
            XCTAssertTrue(produced.progressLines.allSatisfy { $0.contains("records sent") && $0.contains("ms max latency") })

            let consume = try parse(PerfConsumeCommand.self, [
                "consume", "--bootstrap-server", server, "--topic", "perf", "--messages", "2000", "--timeout-ms", "5000", "--json"])
            let consumed = Lines()
            try await consume.run(output: consumed.output)
            let read = try consumed.json()
            XCTAssertEqual(read["records"] as? Int, 2_000)
            XCTAssertEqual(read["bytes"] as? Int, 100_000)

            let grouped = try parse(PerfConsumeCommand.self, [
                "consume", "--bootstrap-server", server, "--topic", "perf", "--messages", "2000", "--group", "perf-group"])
            let groupLines = Lines()
            let groupSummary = try await grouped.run(output: groupLines.output)
            XCTAssertEqual(groupSummary.records, 2_000)
            XCTAssertTrue(groupLines.resultLines.first?.hasPrefix("2000 records read") ?? false, "\(groupLines.resultLines)")
            let committed = try await KafkaAdmin(config: broker.clientConfig)
                .describeGroups(["perf-group"]).first?.groupId
            XCTAssertEqual(committed, "perf-group", "the group existed on the broker")

            // Asking for more than the topic holds fails after the timeout, with what did arrive.
            let tooMany = try parse(PerfConsumeCommand.self, [
                "consume", "--bootstrap-server", server, "--topic", "perf", "--messages", "2001", "--timeout-ms", "300"])
            do {
                try await tooMany.run(output: Lines().output)
                XCTFail("2001 of 2000 records cannot arrive")
            } catch let error as CLIError {
                XCTAssertTrue(error.description.contains("only 2000 of 2001"), error.description)
            }
        } catch {
            await broker.stop()
            throw error
        }
        await broker.stop()
    }

    func testEndToEndLatencyAtAFixedRate() async throws {
        let broker = try await TestBroker.start()
        do {
            let e2e = try parse(PerfE2ECommand.self, [
                "e2e", "--bootstrap-server", "127.0.0.1:\(broker.address.port)", "--topic", "e2e", "--rate", "1000",
                "--duration", "0.5", "--partitions", "2", "--record-size", "32", "--drain-timeout-ms", "5000",
                "--consumer-property", "fetch.max.wait.ms=20", "--json"])
            let lines = Lines()
            let summary = try await e2e.run(output: lines.output)
            let object = try lines.json()
            XCTAssertEqual(object["records"] as? Int, 500)
            XCTAssertEqual(object["sent"] as? Int, 500)
            XCTAssertEqual(object["lost"] as? Int, 0)
            XCTAssertGreaterThan(summary.latencyMs.p50, 0)
            XCTAssertLessThanOrEqual(summary.latencyMs.p99, summary.latencyMs.max)
            XCTAssertLessThan(summary.latencyMs.max, 5_000, "every record arrived within the drain timeout")
            let partitions = try await KafkaAdmin(config: broker.clientConfig).describeTopics(["e2e"])[0].partitions.count
            XCTAssertEqual(partitions, 2, "the topic was created with --partitions")
        } catch {
            await broker.stop()
            throw error
        }
        await broker.stop()
    }

    func testSweepMeasuresEveryPointAndRecommendsOne() async throws {
        let broker = try await TestBroker.start()
        do {
            let sweep = try parse(PerfSweepCommand.self, [
                "sweep", "--bootstrap-server", "127.0.0.1:\(broker.address.port)", "--batch-size", "4096,16384",
                "--linger-ms", "0", "--compression", "none,lz4", "--acks", "1", "--partitions", "1,2",
                "--num-records", "300", "--record-size", "64", "--latency-budget-ms", "60000", "--topic-prefix", "swp", "--json"])
            let lines = Lines()
            let report = try await sweep.run(output: lines.output)
            XCTAssertEqual(report.results.count, 8)
            XCTAssertEqual(Set(report.results.map(\.point)).count, 8)
            XCTAssertTrue(report.results.allSatisfy { $0.failedRecords == 0 && $0.recordsPerSec > 0 && $0.p99Ms > 0 })
            XCTAssertFalse(report.pareto.isEmpty)
            XCTAssertEqual(report.pareto, PerfPareto.front(report.results))
            let recommended = try XCTUnwrap(report.recommended, "a 60 s budget fits every point")
            XCTAssertEqual(report.results[recommended].recordsPerSec, report.results.map(\.recordsPerSec).max())
            XCTAssertEqual(lines.progressLines.count, 8, "one line per point")
            let object = try lines.json()
            XCTAssertEqual((object["results"] as? [Any])?.count, 8)
            let topics = try await KafkaAdmin(config: broker.clientConfig).listTopics()
            XCTAssertFalse(topics.contains { $0.hasPrefix("swp") }, "each point's topic is deleted: \(topics)")

            // The text form: a header, one row per point, the legend and the recommendation.
            let text = PerfSweepReport(results: report.results, pareto: report.pareto, latencyBudgetMs: 0.000_001, recommended: nil).textLines
            XCTAssertEqual(text.count, 1 + 8 + 2)
            XCTAssertEqual(text.filter { $0.hasPrefix("* ") }.count, report.pareto.count)
            XCTAssertTrue(text.last?.hasPrefix("no point meets p99") ?? false)
        } catch {
            await broker.stop()
            throw error
        }
        await broker.stop()
    }

    func testBadFlagsAreUsageErrors() {
        XCTAssertThrowsError(try PerfCommand.parseAsRoot(["e2e", "--topic", "t", "--record-size", "8"]))
        XCTAssertThrowsError(try PerfCommand.parseAsRoot(["produce", "--topic", "t", "--num-records", "-1"]))
        XCTAssertThrowsError(try (PerfCommand.parseAsRoot(["sweep", "--compression", "brotli"]) as? PerfSweepCommand)?.options())
        XCTAssertThrowsError(try (PerfCommand.parseAsRoot(["sweep", "--batch-size", "16k"]) as? PerfSweepCommand)?.options())
    }
}

/// The commands the tests parse.
protocol ParsableCommandForTest {}
extension PerfProduceCommand: ParsableCommandForTest {}
extension PerfConsumeCommand: ParsableCommandForTest {}
extension PerfE2ECommand: ParsableCommandForTest {}
extension PerfSweepCommand: ParsableCommandForTest {}
