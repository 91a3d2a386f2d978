import ArgumentParser
import Foundation
import KairosClient
import KairosControl
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import KairosPerf

/// `kairos autopilot replay` and `kairos autopilot run` against an in-process broker, parsed from their flags.
final class AutopilotLiveTests: XCTestCase {
    private final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
        var output: PerfOutput { PerfOutput(result: { self.append($0) }, progress: { _ in }) }
    }

    private func writeTrace(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "kairos-replay-\(UInt64.random(in: 0...UInt64.max)).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// 16 calm warm-up rows, then 14 replayed rows ramping up to 150 records per 100 ms interval and holding.
    private static let rampRows: [Int] = [10, 14, 12, 9, 11, 13, 10, 12, 15, 11, 10, 12, 14, 9, 13, 11]
        + [12, 30, 60, 90, 120, 150, 150, 150, 150, 150, 150, 150, 150, 150]
    private static var rampTrace: String { "t,value\n" + rampRows.enumerated().map { "\($0.offset),\($0.element)" }.joined(separator: "\n") + "\n" }

    private func replay(_ server: String, trace: String, strategy: String) async throws -> (AutopilotReplaySummary, [String: Any]) {
        let flags = try AutopilotReplayFlags.parse([
            "--trace", trace, "--column", "value", "--interval-ms", "100", "--rate-scale", "1", "--warmup", "0.5",
            "--bootstrap-server", server, "--topic", "replay-\(strategy.replacingOccurrences(of: ":", with: "-"))",
            "--strategy", strategy, "--json",
            // Each producer sends at most 400 records/s = 40 per interval: 150 per interval needs 4.
            "--property", "autopilot.policy=capacity", "--property", "autopilot.capacity.records=400",
            "--property", "autopilot.producers.max=4", "--property", "linger.ms=1"])
        let lines = Lines()
        let summary = try await flags.run(output: lines.output)
        XCTAssertEqual(lines.all.count, 1)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data((lines.all.first ?? "").utf8)) as? [String: Any])
        return (summary, object)
    }

    func testReplayEndToEndAutopilotScalesUpWhereOneProducerFallsBehind() async throws {
        let broker = try await TestBroker.start()
        let server = "127.0.0.1:\(broker.address.port)"
        do {
            let trace = try writeTrace(Self.rampTrace)
            let (auto, object) = try await replay(server, trace: trace, strategy: "autopilot")
            for key in ["recordsSent", "recordsAcked", "recordsFailed", "bufferExhausted", "intervals",
                        "underProvisionedIntervals", "producerSeconds", "oracleProducerSeconds", "latencyMs", "timeline"] {
                XCTAssertNotNil(object[key], "field \(key)")
            }
            let latency = try XCTUnwrap(object["latencyMs"] as? [String: Double])
            XCTAssertTrue(["p50", "p99", "p999"].allSatisfy { latency[$0] != nil })
            let timeline = try XCTUnwrap(object["timeline"] as? [[String: Any]])
            for entry in timeline {
                for key in ["t", "actual", "k", "reason"] { XCTAssertNotNil(entry[key], "timeline \(key)") }
            }
            let replayed = Self.rampRows.count - Self.rampRows.count / 2
            XCTAssertEqual(auto.intervals, replayed)
            XCTAssertEqual(timeline.count, replayed)
            XCTAssertEqual(auto.recordsOffered, Self.rampRows.suffix(replayed).reduce(0, +))
            XCTAssertEqual(auto.recordsSent, auto.recordsOffered)
            XCTAssertEqual(auto.recordsAcked, auto.recordsSent - auto.recordsFailed)
            XCTAssertEqual(auto.recordsFailed, 0)
            XCTAssertEqual(auto.timeline.map(\.actual), Self.rampRows.suffix(replayed).map(Double.init))
            XCTAssertEqual(auto.timeline.last?.neededK, 4, "150 records per interval at 40 per producer")
            XCTAssertGreaterThan(auto.resizes, 0)
            XCTAssertGreaterThanOrEqual(auto.timeline.map(\.k).max() ?? 0, 3, "the autopilot scaled the pool up")
            XCTAssertEqual(auto.producerSeconds, Double(auto.timeline.map(\.k).reduce(0, +)) * 0.1, accuracy: 1e-9)

            let (fixed, _) = try await replay(server, trace: trace, strategy: "fixed:1")
            XCTAssertEqual(fixed.recordsAcked, fixed.recordsOffered)
            XCTAssertEqual(Set(fixed.timeline.map(\.k)), [1])
            XCTAssertTrue(fixed.timeline.allSatisfy { $0.reason == "fixed:1" })
            XCTAssertGreaterThan(fixed.underProvisionedIntervals, auto.underProvisionedIntervals)
            // One producer at 400/s drains the ramp's ~1800 records for seconds: its records wait far longer.
            let autoPeak = try XCTUnwrap(auto.peakLatencyMs?.p99), fixedPeak = try XCTUnwrap(fixed.peakLatencyMs?.p99)
            XCTAssertGreaterThan(fixedPeak, 2 * autoPeak, "p99 at the peaks: fixed:1 \(fixedPeak) ms, autopilot \(autoPeak) ms")
        } catch {
            await broker.stop()
            throw error
        }
        await broker.stop()
    }

    func testReplayBadInputNamesTheLineOrProperty() async throws {
        func failure(_ trace: String, _ extra: [String] = [], strategy: String = "autopilot") async -> String {
            do {
                let flags = try AutopilotReplayFlags.parse([
                    "--trace", trace, "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--strategy", strategy,
                    "--column", "value", "--connect-timeout-ms", "300", "--property", "max.block.ms=200",
                    "--property", "default.api.timeout.ms=300", "--property", "request.timeout.ms=300"] + extra)
                try await flags.run(output: Lines().output)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let missing = await failure("/nonexistent/trace.csv")
        XCTAssertTrue(missing.contains("/nonexistent/trace.csv") && missing.contains("cannot be read"), missing)
        let empty = await failure(try writeTrace("\n\n"))
        XCTAssertTrue(empty.contains("is empty"), empty)
        let bad = await failure(try writeTrace("t,value\n1,10\n2,x\n3,12\n"))
        XCTAssertTrue(bad.contains("line 3") && bad.contains("'x' is not a number"), bad)
        let good = try writeTrace("t,value\n" + (0..<10).map { "\($0),\($0 + 5)" }.joined(separator: "\n"))
        let property = await failure(good, ["--property", "autopilot.producers.max=x"])
        XCTAssertTrue(property.contains("autopilot.producers.max"), property)
        let capacity = await failure(good, ["--property", "autopilot.capacity.records=-3"])
        XCTAssertTrue(capacity.contains("autopilot.capacity.records"), capacity)
        let producer = await failure(good, ["--property", "acks=7"])
        XCTAssertTrue(producer.contains("acks"), producer)
        let strategy = await failure(good, strategy: "fixed:0")
        XCTAssertTrue(strategy.contains("--strategy 'fixed:0'"), strategy)
        let unreachable = await failure(good)
        XCTAssertTrue(unreachable.contains("unreachable"), unreachable)
    }

    private func get(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    func testRunWatchesATopicAndServesScaleAndMetrics() async throws {
        let broker = try await TestBroker.start()
        let server = "127.0.0.1:\(broker.address.port)"
        let admin = KafkaAdmin(config: broker.clientConfig)
        do {
            try await admin.createTopic("watched", partitions: 2)
            let flags = try AutopilotRunFlags.parse([
                "--bootstrap-server", server, "--topics", "watched", "--interval", "200ms", "--listen", "127.0.0.1:0",
                "--property", "autopilot.thresholds=20,60"])
            let decisions = Lines()
            let port = NIOLockedBox<Int?>(nil)
            let running = Task { try await flags.run(sink: { decisions.append($0) }, onListening: { p in port.set(p) }) }
            var bound: Int?
            for _ in 0..<200 where bound == nil {
                try await Task.sleep(nanoseconds: 20_000_000)
                bound = port.get()
            }
            let listen = "http://127.0.0.1:\(try XCTUnwrap(bound))"
            let (before, _) = try await get(listen + "/scale")
            XCTAssertEqual(before, 200)

            var producerConfig = ProducerConfig()
            producerConfig.client = broker.clientConfig
            let producer = try KafkaProducer(config: producerConfig)
            var scale: [String: Any] = [:], metrics = ""
            let deadline = Date().addingTimeInterval(15)
            var sent = 0
            while Date() < deadline {
                for _ in 0..<50 {
                    try await producer.send(ProducerRecord(topic: "watched", key: "k\(sent)", value: "v"), onDelivery: nil)
                    sent += 1
                }
                await producer.flush()
                try await Task.sleep(nanoseconds: 50_000_000)
                let (_, body) = try await get(listen + "/scale")
                scale = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
                metrics = try await get(listen + "/metrics").1
                if (scale["forecastRecords"] as? Double ?? 0) > 0, (scale["desiredProducers"] as? Int ?? 0) >= 2,
                   metrics.contains("kairos_autopilot_observed_records{topic=\"watched\"} "),
                   !metrics.contains("kairos_autopilot_observed_records{topic=\"watched\"} 0\n") { break }
            }
            await producer.close()
            XCTAssertEqual(scale["intervalMs"] as? Int, 200)
            XCTAssertGreaterThan(scale["forecastRecords"] as? Double ?? 0, 0, "\(scale)")
            XCTAssertGreaterThanOrEqual(scale["upperRecords"] as? Double ?? 0, scale["forecastRecords"] as? Double ?? 0)
            XCTAssertGreaterThanOrEqual(scale["desiredProducers"] as? Int ?? 0, 2, "~250 records per 200 ms is above 60: \(scale)")
            XCTAssertTrue(metrics.contains("# TYPE kairos_autopilot_desired_producers gauge"), metrics)
            XCTAssertTrue(metrics.contains("kairos_autopilot_desired_producers \(scale["desiredProducers"] as? Int ?? -1)\n"), metrics)
            XCTAssertTrue(metrics.contains("kairos_autopilot_forecast_upper_records "), metrics)
            XCTAssertFalse(metrics.contains("kairos_autopilot_observed_records{topic=\"watched\"} 0\n"), metrics)
            let (missing, _) = try await get(listen + "/nope")
            XCTAssertEqual(missing, 404)

            let lines = decisions.all
            XCTAssertFalse(lines.isEmpty)
            let decoded = try lines.map { try AutopilotDecision.decode(jsonLine: $0) }
            XCTAssertGreaterThan(decoded.map(\.actual).reduce(0, +), 0)
            XCTAssertLessThanOrEqual(decoded.map(\.actual).reduce(0, +), Double(sent), "no record counted twice")

            running.cancel()
            try await running.value  // a cancelled run stops listening and returns
            // A fresh session: the shared one may hold a kept-alive connection to the stopped listener.
            let fresh = URLSession(configuration: .ephemeral)
            do {
                _ = try await fresh.data(from: URL(string: listen + "/scale")!)
                XCTFail("still listening after the stop")
            } catch {}
        } catch {
            await admin.close()
            await broker.stop()
            throw error
        }
        await admin.close()
        await broker.stop()
    }

    func testRunRejectsBadArguments() throws {
        XCTAssertThrowsError(try AutopilotRunFlags.parse(["--topics", "a", "--interval", "soon"])) { error in
            XCTAssertTrue(AutopilotRunFlags.message(for: error).contains("--interval 'soon'"))
        }
        XCTAssertThrowsError(try AutopilotRunFlags.parse(["--topics", " , "])) { error in
            XCTAssertTrue(AutopilotRunFlags.message(for: error).contains("--topics"))
        }
        XCTAssertThrowsError(try AutopilotRunFlags.parse(["--topics", "a", "--listen", "nowhere"])) { error in
            XCTAssertTrue(AutopilotRunFlags.message(for: error).contains("--listen 'nowhere'"))
        }
        let flags = try AutopilotRunFlags.parse(["--topics", "a,b", "--interval", "1.5s"])
        XCTAssertEqual(try flags.intervalMs(), 1_500)
        XCTAssertEqual(try flags.topicList(), ["a", "b"])
        let options = AutopilotWatchOptions(properties: ["autopilot.policy": "magic"], topics: ["a"], intervalMs: 100,
                                            listenHost: "127.0.0.1", listenPort: 0, decisionSink: { _ in })
        XCTAssertThrowsError(try AutopilotWatchRun.config(options)) { error in
            XCTAssertTrue("\(error)".contains("autopilot.policy"), "\(error)")
        }
    }

    func testOffsetDeltasCountMovementAndTreatResetsAsBaselines() {
        var deltas = TopicOffsetDeltas()
        let a0 = TopicPartition(topic: "a", partition: 0), a1 = TopicPartition(topic: "a", partition: 1)
        XCTAssertEqual(deltas.advance(to: [a0: 100, a1: 5], topics: ["a", "b"]), ["a": 0, "b": 0], "the first reading is a baseline")
        XCTAssertEqual(deltas.advance(to: [a0: 130, a1: 15], topics: ["a", "b"]), ["a": 40, "b": 0])
        XCTAssertEqual(deltas.advance(to: [a0: 3, a1: 20], topics: ["a", "b"]), ["a": 5, "b": 0], "a reset counts nothing")
    }

    func testCapacityGateLetsKMembersSendKTimesTheRate() {
        var gate = ReplayCapacityGate(recordsPerSecond: 1_000, burstSeconds: 0.01)
        var sent = 0
        var now: UInt64 = 1_000_000_000
        for _ in 0..<1_000 {  // one second in 1 ms steps, always wanting more
            sent += gate.take(wanted: 1_000, activeMembers: 2, nowNanos: now)
            now += 1_000_000
        }
        XCTAssertEqual(Double(sent), 2_000, accuracy: 40)
        var open = ReplayCapacityGate(recordsPerSecond: nil)
        XCTAssertEqual(open.take(wanted: 123, activeMembers: 1, nowNanos: 0), 123)
    }

    func testScheduleSpreadsEachIntervalsRecords() {
        let schedule = ReplaySchedule(counts: [4, 0, 2], intervalNanos: 1_000, startNanos: 10_000)
        XCTAssertEqual(schedule.total, 6)
        XCTAssertEqual(schedule.dueCount(atNanos: 9_999), 0)
        XCTAssertEqual(schedule.dueCount(atNanos: 10_000), 1)
        XCTAssertEqual(schedule.dueCount(atNanos: 10_500), 3)
        XCTAssertEqual(schedule.dueCount(atNanos: 11_500), 4)
        XCTAssertEqual(schedule.dueCount(atNanos: 12_000), 5)
        XCTAssertEqual(schedule.dueCount(atNanos: 99_000), 6)
        XCTAssertEqual(schedule.interval(of: 3), 0)
        XCTAssertEqual(schedule.interval(of: 4), 2)
        XCTAssertEqual(schedule.dueNanos(5, interval: 2), 12_500)
    }
}

/// A value behind a lock, for callbacks in tests.
private final class NIOLockedBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func get() -> T { lock.withLock { value } }
    func set(_ new: T) { lock.withLock { value = new } }
}
