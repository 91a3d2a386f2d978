import KairosClient
import NIOCore

/// What one `perf produce` run does: its producer properties, topic and load.
struct PerfProduceOptions: Sendable {
    /// Client and producer properties (bootstrap.servers, acks, batch.size...).
    var properties: [String: String]
    var topic: String
    var numRecords: Int
    var recordSizeBytes: Int
    /// Records per second on a fixed schedule; nil sends as fast as the producer accepts.
    var throughputPerSec: Double?
    /// Stop sending after this many seconds even if fewer than `numRecords` went out (used by sweep).
    var durationSec: Double?
    /// A progress line every this many milliseconds; 0 for none.
    var reportingIntervalMs: Int = 5_000
    /// What the record values hold.
    var values: PerfValues = .patterns
}

/// The record values of a produce run.
enum PerfValues: Sendable {
    /// 64 fixed patterns of the record size, made up front.
    case patterns
    /// Slices of the seeded text pool bench/rdkafka-loadgen uses, so both clients send values that compress alike.
    case textPool
}

/// The summary of a `perf produce` run. Its JSON form is `{"records", "recordsPerSec", "mbPerSec", "latencyMs":
/// {"p50", "p95", "p99", "p999", "max"}, "failedRecords", "unsentRecords", "firstError", "cpuSeconds",
/// "producerMetrics"}`; `records` counts only records whose acknowledgement came back.
struct PerfProduceSummary: Codable, Sendable {
    /// Records acknowledged by the broker.
    var records: Int
    /// Acknowledged records per second of the run, and their value megabytes (2^20 bytes) per second.
    var recordsPerSec: Double
    var mbPerSec: Double
    var latencyMs: PerfLatencySummary
    /// Records handed to the producer whose acknowledgement did not come back (failed or never answered).
    var failedRecords: Int = 0
    /// Records never handed to the producer because a send call threw and the run stopped there.
    var unsentRecords: Int = 0
    /// The first delivery error, or the error that stopped the run.
    var firstError: String?
    /// User plus system CPU seconds this process used during the run.
    var cpuSeconds: Double = 0
    /// The producer's own metrics at the end (Kafka's names: batch-size-avg, compression-rate-avg, ...).
    var producerMetrics: [String: Double] = [:]

    /// The text form: kafka-producer-perf-test's final line plus the percentiles it prints, then the failures.
    var text: String {
        String(format: "%d records sent, %.1f records/sec (%.2f MB/sec), ", records, recordsPerSec, mbPerSec) + latencyMs.text + "."
            + (failureText.map { " " + $0 + "." } ?? "")
    }

    /// Nil when every record was acknowledged; otherwise how many were not and the first error.
    var failureText: String? {
        guard failedRecords > 0 || unsentRecords > 0 else { return nil }
        var parts: [String] = []
        if failedRecords > 0 { parts.append("\(failedRecords) records failed (no acknowledgement)") }
        if unsentRecords > 0 { parts.append("\(unsentRecords) records not sent (the run stopped)") }
        return parts.joined(separator: ", ") + ", first error: " + (firstError ?? "none reported")
    }
}

/// Runs the producer side of `perf produce` and `perf sweep`.
enum PerfProduceRun {
    /// Sends the records, waits for every acknowledgement and returns the summary. Latency per record is from its
    /// due time on the fixed schedule (with a throughput) or from its send call (without) to its acknowledgement.
    static func run(_ options: PerfProduceOptions, output: PerfOutput) async throws -> PerfProduceSummary {
        precondition(options.numRecords >= 0 && options.recordSizeBytes >= 0, "validated by the command")
        let config: ProducerConfig
        do { config = try ProducerConfig(properties: options.properties) } catch let error as KafkaClientError {
            throw PerfError("\(error)")
        }
        let producer = try KafkaProducer(config: config)
        do {
            _ = try await producer.partitionCount(of: options.topic)
        } catch {
            await producer.close()
            throw error
        }
        let payloads = options.values == .patterns ? makePayloads(sizeBytes: options.recordSizeBytes) : []
        let pool = options.values == .textPool ? PerfTextPool(seed: 42) : nil
        let recordBytes = options.recordSizeBytes
        let cpuBefore = processCPUSeconds()
        let startNanos = perfNowNanos()
        let schedule = PerfSchedule(ratePerSec: options.throughputPerSec, startNanos: startNanos, totalRecords: options.numRecords)
        let stopNanos = options.durationSec.map { startNanos + UInt64(max($0, 0) * 1e9) }
        let recorder = PerfRecorder(startNanos: startNanos)
        let progress = perfProgressTask(recorder: recorder, intervalMs: options.reportingIntervalMs, output: output)
        let throttled = schedule.ratePerSec != nil
        var sent = 0
        // A send that throws (producer closed, buffer full past max.block.ms) ends the run; what was sent is still
        // waited for, and the summary counts the rest as not sent.
        var stoppedBy: String?
        do {
            sending: while sent < options.numRecords {
                let now = perfNowNanos()
                if let stop = stopNanos, now >= stop { break }
                let due = schedule.dueCount(atNanos: now)
                if due <= sent {
                    try await Task.sleep(nanoseconds: schedule.dueNanos(sent) - now)
                    continue
                }
                while sent < due {
                    let dueAt = throttled ? schedule.dueNanos(sent) : perfNowNanos()
                    let value = pool?.slice(sequence: sent, bytes: recordBytes) ?? payloads[sent & 63]
                    try await producer.send(ProducerRecord(topic: options.topic, value: value)) { report in
                        switch report {
                        case .success: recorder.recordSuccess(latencyNanos: perfNowNanos() &- dueAt, bytes: recordBytes)
                        case .failure(let error): recorder.recordFailure("\(error)")
                        }
                    }
                    sent += 1
                    // Unthrottled runs re-check the duration now and then rather than per record.
                    if !throttled, sent & 1023 == 0, let stop = stopNanos, perfNowNanos() >= stop { break sending }
                }
            }
        } catch is CancellationError {
            progress?.cancel()
            await producer.close()
            throw CancellationError()
        } catch {
            stoppedBy = "\(error)"
        }
        await producer.flush()
        let seconds = max(Double(perfNowNanos() - startNanos) / 1e9, 1e-9)
        let cpuSeconds = processCPUSeconds() - cpuBefore
        progress?.cancel()
        let metrics = producer.metrics.snapshot()
        await producer.close()
        let totals = recorder.totals()
        let planned = options.durationSec == nil ? options.numRecords : sent
        return PerfProduceSummary(
            records: totals.acked, recordsPerSec: Double(totals.acked) / seconds,
            mbPerSec: Double(totals.ackedBytes) / seconds / 1_048_576,
            latencyMs: PerfLatencySummary(histogram: totals.histogram),
            failedRecords: sent - totals.acked,
            // The record whose send threw was not sent either, also in a run bounded by time rather than count.
            unsentRecords: stoppedBy == nil ? 0 : max(planned - sent, 1),
            firstError: totals.firstError ?? stoppedBy ?? (sent > totals.acked ? "no acknowledgement after flush" : nil),
            cpuSeconds: cpuSeconds, producerMetrics: metrics)
    }

    /// 64 values of `sizeBytes` that differ a little, so compression has realistic work; made once up front.
    static func makePayloads(sizeBytes: Int) -> [ByteBuffer] {
        (0..<64).map { i in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(sizeBytes)
            for j in 0..<sizeBytes { buffer.writeInteger(UInt8(truncatingIfNeeded: 65 + (i * 7 + j * 13) % 26)) }
            return buffer
        }
    }
}
