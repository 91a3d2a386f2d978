import ArgumentParser
import Foundation
import KairosClient
import XCTest

@testable import KairosPerf

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

    /// The flags of one perf command, parsed from `arguments` (without the subcommand's name) and validated.
    private func parse<C: ParsableArguments>(_ type: C.Type, _ arguments: [String]) throws -> C {
        try C.parse(arguments)
    }

    func testProduceThenConsumeWithAndWithoutAGroup() async throws {
        let broker = try await TestBroker.start(properties: ["group.initial.rebalance.delay.ms": "0"])
        let server = "127.0.0.1:\(broker.address.port)"
        do {
            let produce = try parse(PerfProduceFlags.self, [
                "--bootstrap-server", server, "--topic", "perf", "--num-records", "2000", "--record-size", "50",
                "--throughput", "5000", "--reporting-interval-ms", "100", "--producer-property", "linger.ms=1", "--json"])
            let produced = Lines()
            let summary = try await produce.run(output: produced.output)
            let object = try produced.json()
            XCTAssertEqual(Set(object.keys), ["records", "recordsPerSec", "mbPerSec", "latencyMs", "failedRecords",
                                              "unsentRecords", "cpuSeconds", "producerMetrics"], "no firstError: none failed")
            XCTAssertEqual(object["records"] as? Int, 2_000)
            XCTAssertEqual(object["failedRecords"] as? Int, 0)
            XCTAssertGreaterThan(object["cpuSeconds"] as? Double ?? 0, 0)
            XCTAssertNotNil((object["producerMetrics"] as? [String: Double])?["batch-size-avg"])
            let latency = try XCTUnwrap(object["latencyMs"] as? [String: Double])
            XCTAssertEqual(Set(latency.keys), ["p50", "p95", "p99", "p999", "max"])
            XCTAssertGreaterThan(latency["p50"] ?? 0, 0)
            XCTAssertLessThanOrEqual(latency["p50"] ?? 0, latency["p99"] ?? 0)
            XCTAssertLessThanOrEqual(latency["p999"] ?? 0, latency["max"] ?? 0)
            // 2000 records at 5000/s take about 0.4 s: the fixed schedule caps the rate.
            XCTAssertLessThan(summary.recordsPerSec, 5_500)
            XCTAssertFalse(produced.progressLines.isEmpty, "progress lines every 100 ms")
            XCTAssertTrue(produced.progressLines.allSatisfy { $0.contains("records sent") && $0.contains("ms max latency") })

            let consume = try parse(PerfConsumeFlags.self, [
                "--bootstrap-server", server, "--topic", "perf", "--messages", "2000", "--timeout-ms", "5000", "--json"])
            let consumed = Lines()
            try await consume.run(output: consumed.output)
            let read = try consumed.json()
            XCTAssertEqual(read["records"] as? Int, 2_000)
            XCTAssertEqual(read["bytes"] as? Int, 100_000)

            let grouped = try parse(PerfConsumeFlags.self, [
                "--bootstrap-server", server, "--topic", "perf", "--messages", "2000", "--group", "perf-group"])
            let groupLines = Lines()
            let groupSummary = try await grouped.run(output: groupLines.output)
            XCTAssertEqual(groupSummary.records, 2_000)
            XCTAssertTrue(groupLines.resultLines.first?.hasPrefix("2000 records read") ?? false, "\(groupLines.resultLines)")
            let committed = try await KafkaAdmin(config: broker.clientConfig)
                .describeGroups(["perf-group"]).first?.groupId
            XCTAssertEqual(committed, "perf-group", "the group existed on the broker")

            // Asking for more than the topic holds fails after the timeout, with what did arrive.
            let tooMany = try parse(PerfConsumeFlags.self, [
                "--bootstrap-server", server, "--topic", "perf", "--messages", "2001", "--timeout-ms", "300"])
            do {
                try await tooMany.run(output: Lines().output)
                XCTFail("2001 of 2000 records cannot arrive")
            } catch let error as PerfError {
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
            let e2e = try parse(PerfE2EFlags.self, [
                "--bootstrap-server", "127.0.0.1:\(broker.address.port)", "--topic", "e2e", "--rate", "1000",
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
            let sweep = try parse(PerfSweepFlags.self, [
                "--bootstrap-server", "127.0.0.1:\(broker.address.port)", "--batch-size", "4096,16384",
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

    func testKafkaToolFlagNamesGiveTheSameProperties() throws {
        let file = NSTemporaryDirectory() + "perf-flags-\(UInt64.random(in: 0...UInt64.max)).properties"
        try "# a producer.config file\nacks=0\nlinger.ms=3\ncompression.type=lz4\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // kafka-producer-perf-test's form: the file, then --producer-props (several at once) overriding it.
        let produce = try PerfProduceFlags.parse([
            "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records", "7", "--record-size", "9",
            "--throughput", "-1", "--producer.config", file, "--producer-props", "acks=all", "batch.size=1000",
            "--producer-property", "batch.size=2000", "--reporting-interval", "250"]).options()
        XCTAssertEqual(produce.properties["acks"], "all", "--producer-props overrides the file")
        XCTAssertEqual(produce.properties["linger.ms"], "3", "the file's other keys stay")
        XCTAssertEqual(produce.properties["compression.type"], "lz4")
        XCTAssertEqual(produce.properties["batch.size"], "2000", "--producer-property comes last")
        XCTAssertEqual(produce.properties["bootstrap.servers"], "127.0.0.1:1")
        XCTAssertEqual(produce.numRecords, 7)
        XCTAssertEqual(produce.recordSizeBytes, 9)
        XCTAssertEqual(produce.reportingIntervalMs, 250)
        XCTAssertNil(PerfSchedule(ratePerSec: produce.throughputPerSec, startNanos: 0, totalRecords: 7).ratePerSec,
                     "--throughput -1 is unthrottled, as in Kafka's tool")

        // kafka-consumer-perf-test's form.
        let consume = try PerfConsumeFlags.parse([
            "--bootstrap-server", "127.0.0.1:2", "--topic", "t", "--messages", "5", "--group", "g", "--consumer.config", file,
            "--timeout", "1234", "--reporting-interval", "100"]).options()
        XCTAssertEqual(consume.properties["bootstrap.servers"], "127.0.0.1:2")
        XCTAssertEqual(consume.properties["linger.ms"], "3", "the consumer.config file is read")
        XCTAssertEqual(consume.messages, 5)
        XCTAssertEqual(consume.group, "g")
        XCTAssertEqual(consume.timeoutMs, 1234)
        XCTAssertEqual(consume.reportingIntervalMs, 100)
    }

    /// Records whose acknowledgement never comes (the broker stops mid-run) are not counted as sent: the summary
    /// says how many failed and the first error, and the run throws.
    func testRecordsWithoutAnAcknowledgementFailTheRun() async throws {
        let broker = try await TestBroker.start()
        let flags = try PerfProduceFlags.parse([
            "--bootstrap-server", "127.0.0.1:\(broker.address.port)", "--topic", "gone", "--num-records", "3000",
            "--record-size", "20", "--throughput", "2000", "--reporting-interval-ms", "0", "--json",
            "--producer-props", "linger.ms=1", "request.timeout.ms=300", "delivery.timeout.ms=1200",
            "retry.backoff.ms=50", "reconnect.backoff.ms=50", "reconnect.backoff.max.ms=100"])
        // 3000 records at 2000/s take 1.5 s; the broker goes away after about 0.4 s.
        let stopper = Task {
            try await Task.sleep(nanoseconds: 400_000_000)
            await broker.stop()
        }
        let lines = Lines()
        do {
            try await flags.run(output: lines.output)
            XCTFail("a run whose broker stopped cannot succeed")
        } catch let error as PerfError {
            XCTAssertTrue(error.description.contains("records failed") || error.description.contains("not sent"), error.description)
            XCTAssertTrue(error.description.contains("first error: "), error.description)
        }
        try await stopper.value
        let object = try lines.json()
        let acked = try XCTUnwrap(object["records"] as? Int)
        let failed = try XCTUnwrap(object["failedRecords"] as? Int)
        let unsent = try XCTUnwrap(object["unsentRecords"] as? Int)
        XCTAssertGreaterThan(acked, 0, "records before the stop were acknowledged")
        XCTAssertLessThan(acked, 3_000, "records after the stop were not")
        XCTAssertEqual(acked + failed + unsent, 3_000, "every record is acknowledged, failed or not sent")
        XCTAssertNotNil(object["firstError"] as? String)
    }

    /// A topic that does not exist on a broker that does not create topics: the run fails with the broker's error.
    func testAMissingTopicWithoutAutoCreateFails() async throws {
        let broker = try await TestBroker.start(properties: ["auto.create.topics.enable": "false"])
        do {
            let flags = try PerfProduceFlags.parse([
                "--bootstrap-server", "127.0.0.1:\(broker.address.port)", "--topic", "absent", "--num-records", "10",
                "--reporting-interval-ms", "0", "--producer-props", "max.block.ms=1500"])
            let lines = Lines()
            do {
                try await flags.run(output: lines.output)
                XCTFail("no topic, no records")
            } catch {
                XCTAssertTrue("\(error)".lowercased().contains("unknown") || "\(error)".contains("absent"), "\(error)")
            }
            XCTAssertTrue(lines.resultLines.isEmpty || !(lines.resultLines[0].hasPrefix("10 records sent")), "\(lines.resultLines)")
        } catch {
            await broker.stop()
            throw error
        }
        await broker.stop()
    }

    func testTextValuesComeFromTheSeededPool() async throws {
        let broker = try await TestBroker.start()
        do {
            let flags = try PerfProduceFlags.parse([
                "--bootstrap-server", "127.0.0.1:\(broker.address.port)", "--topic", "text", "--num-records", "200",
                "--record-size", "64", "--text-values", "--reporting-interval-ms", "0"])
            let summary = try await flags.run(output: Lines().output)
            XCTAssertEqual(summary.records, 200)
            let consumed = try await PerfConsumeFlags.parse([
                "--bootstrap-server", "127.0.0.1:\(broker.address.port)", "--topic", "text", "--messages", "200",
                "--timeout-ms", "5000"]).run(output: Lines().output)
            XCTAssertEqual(consumed.bytes, 200 * 64)
            XCTAssertGreaterThan(consumed.cpuSeconds, 0)
        } catch {
            await broker.stop()
            throw error
        }
        await broker.stop()
    }

    func testBadFlagsAreUsageErrors() {
        XCTAssertThrowsError(try PerfE2EFlags.parse(["--topic", "t", "--record-size", "8"]))
        XCTAssertThrowsError(try PerfProduceFlags.parse(["--topic", "t", "--num-records", "-1"]))
        XCTAssertThrowsError(try PerfSweepFlags.parse(["--compression", "brotli"]).options())
        XCTAssertThrowsError(try PerfSweepFlags.parse(["--batch-size", "16k"]).options())
        XCTAssertThrowsError(try PerfProduceFlags.parse(["--topic", "t", "--producer-props", "acks"]).options(),
                             "--producer-props takes key=value")
        XCTAssertThrowsError(try PerfProduceFlags.parse(["--topic", "t", "--producer.config", "/nonexistent/p.properties"]).options())
    }
}
