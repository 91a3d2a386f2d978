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
}

/// The summary of a `perf produce` run, whose JSON form is the issue's
/// `{"records", "recordsPerSec", "mbPerSec", "latencyMs": {"p50", "p95", "p99", "p999", "max"}}`.
struct PerfProduceSummary: Codable, Sendable {
    /// Records acknowledged.
    var records: Int
    var recordsPerSec: Double
    var mbPerSec: Double
    var latencyMs: PerfLatencySummary
    /// Records that failed (not part of the JSON object; a run with failures exits non-zero).
    var failedRecords: Int = 0
    var firstError: String?

    private enum CodingKeys: String, CodingKey { case records, recordsPerSec, mbPerSec, latencyMs }

    /// The text form, kafka-producer-perf-test's final line plus the percentiles it prints.
    var text: String {
        String(format: "%d records sent, %.1f records/sec (%.2f MB/sec), ", records, recordsPerSec, mbPerSec) + latencyMs.text + "."
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
            throw CLIError("\(error)")
        }
        let producer = try KafkaProducer(config: config)
        do {
            _ = try await producer.partitionCount(of: options.topic)
        } catch {
            await producer.close()
            throw error
        }
        let payloads = makePayloads(sizeBytes: options.recordSizeBytes)
        let recordBytes = options.recordSizeBytes
        let startNanos = perfNowNanos()
        let schedule = PerfSchedule(ratePerSec: options.throughputPerSec, startNanos: startNanos, totalRecords: options.numRecords)
        let stopNanos = options.durationSec.map { startNanos + UInt64(max($0, 0) * 1e9) }
        let recorder = PerfRecorder(startNanos: startNanos)
        let progress = perfProgressTask(recorder: recorder, intervalMs: options.reportingIntervalMs, output: output)
        let throttled = schedule.ratePerSec != nil
        var sent = 0
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
                    let record = ProducerRecord(topic: options.topic, value: payloads[sent & 63])
                    try await producer.send(record) { report in
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
            await producer.flush()
        } catch {
            progress?.cancel()
            await producer.close()
            throw error
        }
        let seconds = max(Double(perfNowNanos() - startNanos) / 1e9, 1e-9)
        progress?.cancel()
        await producer.close()
        let totals = recorder.totals()
        return PerfProduceSummary(
            records: totals.acked, recordsPerSec: Double(totals.acked) / seconds,
            mbPerSec: Double(totals.ackedBytes) / seconds / 1_048_576,
            latencyMs: PerfLatencySummary(histogram: totals.histogram),
            failedRecords: totals.failed + (sent - totals.acked - totals.failed), firstError: totals.firstError)
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
