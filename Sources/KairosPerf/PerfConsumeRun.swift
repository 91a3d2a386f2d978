import Foundation
import KairosClient

/// What one `perf consume` run does.
struct PerfConsumeOptions: Sendable {
    /// Client and consumer properties.
    var properties: [String: String]
    var topic: String
    var messages: Int
    /// Join this group (subscribe) instead of assigning every partition.
    var group: String?
    /// Stop when nothing arrives for this long.
    var timeoutMs: Int
    var reportingIntervalMs: Int = 5_000
}

/// The summary of a `perf consume` run (its JSON keys are the property names).
struct PerfConsumeSummary: Codable, Sendable {
    /// Records read.
    var records: Int
    /// Value bytes read.
    var bytes: Int
    /// From the first poll to the last record.
    var seconds: Double
    var recordsPerSec: Double
    var mbPerSec: Double
    /// From the first poll to the first record: group join (with --group) plus the first fetch.
    var firstRecordMs: Double
    /// User plus system CPU seconds this process used from the first poll to the end.
    var cpuSeconds: Double = 0

    /// The text form.
    var text: String {
        String(format: "%d records read, %.1f records/sec (%.2f MB/sec), %.2f MB in %.2f s, first record after %.1f ms",
               records, recordsPerSec, mbPerSec, Double(bytes) / 1_048_576, seconds, firstRecordMs)
    }
}

/// Runs `perf consume`.
enum PerfConsumeRun {
    /// Reads up to `messages` records from the beginning of the topic and returns the throughput.
    static func run(_ options: PerfConsumeOptions, output: PerfOutput) async throws -> PerfConsumeSummary {
        var properties = options.properties
        if properties["auto.offset.reset"] == nil { properties["auto.offset.reset"] = "earliest" }
        if let group = options.group {
            properties["group.id"] = group
        } else {
            properties.removeValue(forKey: "group.id")
            properties["enable.auto.commit"] = "false"
        }
        let config: ConsumerConfig
        do { config = try ConsumerConfig(properties: properties) } catch let error as KafkaClientError {
            throw PerfError("\(error)")
        }
        let consumer = KafkaConsumer(config: config)
        do {
            if options.group != nil {
                try await consumer.subscribe([options.topic])
            } else {
                let partitions = try await KafkaAdmin(cluster: consumer.cluster).describeTopics([options.topic])[0].partitions
                try await consumer.assign(partitions.map { TopicPartition(topic: options.topic, partition: $0.id) })
                try await consumer.seek(partitions.map { TopicPartition(topic: options.topic, partition: $0.id) }, to: .earliest)
            }
            let summary = try await readLoop(consumer, options: options, output: output)
            await consumer.close()
            return summary
        } catch {
            await consumer.close(autoCommit: false)
            throw error
        }
    }

    private static func readLoop(_ consumer: KafkaConsumer, options: PerfConsumeOptions,
                                 output: PerfOutput) async throws -> PerfConsumeSummary {
        let cpuBefore = processCPUSeconds()
        let startNanos = perfNowNanos()
        var count = 0, bytes = 0
        var firstNanos: UInt64?, lastNanos = startNanos, lastRecordNanos = startNanos
        var windowStart = startNanos, windowCount = 0, windowBytes = 0
        let intervalNanos = UInt64(options.reportingIntervalMs) * 1_000_000
        while count < options.messages {
            let records = try await consumer.poll(timeoutMs: min(1_000, options.timeoutMs))
            let now = perfNowNanos()
            if records.isEmpty {
                if now - lastRecordNanos >= UInt64(options.timeoutMs) * 1_000_000 { break }
            } else {
                if firstNanos == nil { firstNanos = now }
                lastRecordNanos = now
                lastNanos = now
                let taken = min(records.count, options.messages - count)
                count += taken
                windowCount += taken
                for record in records.prefix(taken) {
                    let size = record.value?.readableBytes ?? 0
                    bytes += size
                    windowBytes += size
                }
            }
            if intervalNanos > 0 && now - windowStart >= intervalNanos {
                let seconds = Double(now - windowStart) / 1e9
                output.progress(String(format: "%d records read, %.1f records/sec (%.2f MB/sec)", windowCount,
                                       Double(windowCount) / seconds, Double(windowBytes) / seconds / 1_048_576))
                windowStart = now; windowCount = 0; windowBytes = 0
            }
        }
        let seconds = max(Double(lastNanos - startNanos) / 1e9, 1e-9)
        return PerfConsumeSummary(
            records: count, bytes: bytes, seconds: seconds, recordsPerSec: Double(count) / seconds,
            mbPerSec: Double(bytes) / seconds / 1_048_576,
            firstRecordMs: firstNanos.map { Double($0 - startNanos) / 1e6 } ?? 0, cpuSeconds: processCPUSeconds() - cpuBefore)
    }
}
