import KafkaProtocol
import KairosClient
import NIOConcurrencyHelpers
import NIOCore

/// What one `perf e2e` run does.
struct PerfE2EOptions: Sendable {
    /// Client properties shared by both sides, plus the producer's and the consumer's own.
    var producerProperties: [String: String]
    var consumerProperties: [String: String]
    var topic: String
    /// Partitions when the topic has to be created.
    var partitions: Int
    var ratePerSec: Double
    var durationSec: Double
    /// Value bytes per record, at least the 16-byte stamp.
    var recordSizeBytes: Int
    /// How long to wait for stragglers after the last send.
    var drainTimeoutMs: Int = 10_000
    var reportingIntervalMs: Int = 5_000
}

/// The summary of a `perf e2e` run.
struct PerfE2ESummary: Codable, Sendable {
    /// Records received (and measured).
    var records: Int
    /// Records sent.
    var sent: Int
    /// Sent but not received within the drain timeout.
    var lost: Int
    /// The target rate and what was received per second of the run.
    var targetPerSec: Double
    var recordsPerSec: Double
    /// Due time (on the fixed schedule) to receipt by the consumer.
    var latencyMs: PerfLatencySummary

    /// The text form.
    var text: String {
        String(format: "%d of %d records received (%d lost) at %.1f records/sec (target %.1f), end-to-end ",
               records, sent, lost, recordsPerSec, targetPerSec) + latencyMs.text + "."
    }
}

/// Runs `perf e2e`: a producer on a fixed schedule stamps each record's due time into its value; a consumer in the
/// same process (assigned every partition, from the end) measures receipt minus due time. Because the stamp is
/// the schedule's time, not the send's, a stall anywhere shows up in the latency (no coordinated omission).
enum PerfE2ERun {
    /// Stamp layout: due time (monotonic ns, big endian), then this run's id, then padding.
    static let stampBytes = 16

    static func run(_ options: PerfE2EOptions, output: PerfOutput) async throws -> PerfE2ESummary {
        precondition(options.ratePerSec > 0 && options.durationSec > 0 && options.recordSizeBytes >= stampBytes,
                     "validated by the command")
        let producerConfig: ProducerConfig, consumerConfig: ConsumerConfig
        var consumerProperties = options.consumerProperties
        consumerProperties.removeValue(forKey: "group.id")
        consumerProperties["enable.auto.commit"] = "false"
        do {
            producerConfig = try ProducerConfig(properties: options.producerProperties)
            consumerConfig = try ConsumerConfig(properties: consumerProperties)
        } catch let error as KafkaClientError {
            throw PerfError("\(error)")
        }
        let consumer = KafkaConsumer(config: consumerConfig)
        let admin = KafkaAdmin(cluster: consumer.cluster)
        do {
            try await admin.createTopic(options.topic, partitions: Int32(options.partitions))
        } catch let error as KafkaClientError where error.errorCode == .topicAlreadyExists {}
        let partitions = try await admin.describeTopics([options.topic])[0].partitions
            .map { TopicPartition(topic: options.topic, partition: $0.id) }
        try await consumer.assign(partitions)
        try await consumer.seek(partitions, to: .latest)

        let runId = UInt64.random(in: 1...UInt64.max)
        let total = Int((options.ratePerSec * options.durationSec).rounded())
        let drainDeadline = NIOLockedValueBox<UInt64>(0)
        let recorder = PerfRecorder(startNanos: perfNowNanos())
        let receiving = Task { () -> (PerfLatencyHistogram, Int) in
            var histogram = PerfLatencyHistogram()
            var received = 0
            while received < total && !Task.isCancelled {
                let deadline = drainDeadline.withLockedValue { $0 }
                if deadline != 0 && perfNowNanos() >= deadline { break }
                let records = try await consumer.poll(timeoutMs: 100)
                let now = perfNowNanos()
                for record in records {
                    guard var value = record.value, value.readableBytes >= stampBytes,
                          let due = value.readInteger(as: UInt64.self), value.readInteger(as: UInt64.self) == runId
                    else { continue }
                    let latency = now &- due
                    histogram.record(nanos: latency)
                    recorder.recordSuccess(latencyNanos: latency, bytes: record.value?.readableBytes ?? 0)
                    received += 1
                }
            }
            return (histogram, received)
        }
        let progress = perfProgressTask(recorder: recorder, intervalMs: options.reportingIntervalMs, output: output, verb: "received")
        let producer: KafkaProducer
        do {
            producer = try KafkaProducer(config: producerConfig)
        } catch {
            receiving.cancel(); progress?.cancel()
            await consumer.close(autoCommit: false)
            throw error
        }
        let failed = NIOLockedValueBox(0)
        let padding = ByteBuffer(repeating: UInt8(ascii: "x"), count: options.recordSizeBytes - stampBytes)
        let startNanos = perfNowNanos()
        let schedule = PerfSchedule(ratePerSec: options.ratePerSec, startNanos: startNanos, totalRecords: total)
        var sent = 0
        do {
            _ = try await producer.partitionCount(of: options.topic)
            while sent < total {
                let now = perfNowNanos()
                let due = schedule.dueCount(atNanos: now)
                if due <= sent {
                    try await Task.sleep(nanoseconds: schedule.dueNanos(sent) - now)
                    continue
                }
                while sent < due {
                    var value = ByteBuffer()
                    value.reserveCapacity(options.recordSizeBytes)
                    value.writeInteger(schedule.dueNanos(sent))
                    value.writeInteger(runId)
                    value.writeImmutableBuffer(padding)
                    try await producer.send(ProducerRecord(topic: options.topic, value: value)) { report in
                        if case .failure = report { failed.withLockedValue { $0 += 1 } }
                    }
                    sent += 1
                }
            }
            await producer.flush()
        } catch {
            receiving.cancel(); progress?.cancel()
            await producer.close()
            await consumer.close(autoCommit: false)
            throw error
        }
        await producer.close()
        drainDeadline.withLockedValue { $0 = perfNowNanos() + UInt64(options.drainTimeoutMs) * 1_000_000 }
        let outcome = await receiving.result
        let seconds = max(Double(perfNowNanos() - startNanos) / 1e9, 1e-9)
        progress?.cancel()
        await consumer.close(autoCommit: false)
        let (histogram, received) = try outcome.get()
        let failedCount = failed.withLockedValue { $0 }
        if failedCount > 0 { output.progress("\(failedCount) records failed to send") }
        return PerfE2ESummary(records: received, sent: sent, lost: sent - received, targetPerSec: options.ratePerSec,
                              recordsPerSec: Double(received) / seconds, latencyMs: PerfLatencySummary(histogram: histogram))
    }
}
