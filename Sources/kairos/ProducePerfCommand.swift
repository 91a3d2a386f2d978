import ArgumentParser
import Foundation
import KairosClient
import NIOConcurrencyHelpers
import NIOCore

/// `kairos produce-perf`: the Swift producer's throughput, as kafka-producer-perf-test.sh measures it.
struct ProducePerfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce-perf",
        abstract: "Measure the Swift producer (like kafka-producer-perf-test.sh).",
        discussion: """
            Example:
              kairos produce-perf --bootstrap-server 127.0.0.1:9092 --topic bench --num-records 1000000 \\
                  --record-size 100 --producer-property acks=1 --producer-property compression.type=lz4
            Prints records/s, MB/s, average and maximum latency (send to acknowledgement), and the CPU seconds
            this process used per million records.
            """)

    @OptionGroup var client: ClientOptions
    @Option(help: "The topic.") var topic: String
    @Option(name: .customLong("num-records")) var numRecords: Int = 1_000_000
    @Option(name: .customLong("record-size"), help: "Value bytes per record.") var recordSize: Int = 100
    @Option(name: .customLong("producer-property"), help: "A producer property key=value; repeatable.")
    var producerProperty: [String] = []

    func run() async throws {
        let config: ProducerConfig
        do {
            config = try ProducerConfig(properties: try client.properties(extra: producerProperty))
        } catch let error as KafkaClientError {
            throw CLIError("\(error)")
        }
        let producer = try KafkaProducer(config: config)
        _ = try await producer.partitionCount(of: topic)
        // Values vary a little so compression has realistic work, and are made once up front.
        var payloads: [ByteBuffer] = []
        for i in 0..<64 {
            var buffer = ByteBuffer()
            for j in 0..<recordSize { buffer.writeInteger(UInt8(truncatingIfNeeded: 65 + (i * 7 + j * 13) % 26)) }
            payloads.append(buffer)
        }
        struct Stats { var acked = 0; var failed = 0; var latencySumNanos: UInt64 = 0; var latencyMaxNanos: UInt64 = 0 }
        let stats = NIOLockedValueBox(Stats())
        let cpuBefore = Self.cpuSeconds()
        let started = NIODeadline.now()
        for i in 0..<numRecords {
            let sentAt = NIODeadline.now().uptimeNanoseconds
            let record = ProducerRecord(topic: topic, value: payloads[i & 63])
            // Latency is sampled (1 in 64) so that timing does not dominate the measurement.
            if i & 63 == 0 {
                try await producer.send(record) { report in
                    let latency = NIODeadline.now().uptimeNanoseconds &- sentAt
                    stats.withLockedValue { s in
                        if case .success = report { s.latencySumNanos += latency; s.latencyMaxNanos = max(s.latencyMaxNanos, latency); s.acked += 1 } else { s.failed += 1 }
                    }
                }
            } else {
                try await producer.send(record, onDelivery: nil)
            }
        }
        await producer.flush()
        let seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        let cpu = Self.cpuSeconds() - cpuBefore
        let metrics = producer.metrics.snapshot()
        await producer.close()
        let s = stats.withLockedValue { $0 }
        let rate = Double(numRecords) / seconds
        print(String(format: "%d records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %.3f CPU s per million records",
                     numRecords, rate, rate * Double(recordSize) / 1_048_576, s.acked > 0 ? Double(s.latencySumNanos) / Double(s.acked) / 1e6 : 0,
                     Double(s.latencyMaxNanos) / 1e6, cpu / Double(numRecords) * 1e6))
        print(String(format: "batch-size-avg %.0f, compression-rate-avg %.3f, record-queue-time-avg %.2f ms, request-latency-avg %.2f ms, record-error-rate %.2f",
                     metrics["batch-size-avg"] ?? 0, metrics["compression-rate-avg"] ?? 0, metrics["record-queue-time-avg"] ?? 0,
                     metrics["request-latency-avg"] ?? 0, metrics["record-error-rate"] ?? 0))
        if s.failed > 0 { throw CLIError("\(s.failed) sampled records failed") }
    }

    /// User plus system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
