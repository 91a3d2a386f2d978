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
            this process used per million records; with --json, one JSON object instead. Record values are
            slices of the same seeded text pool bench/rdkafka-loadgen uses, so lz4 finds the same repeats.
            """)

    @OptionGroup var client: ClientOptions
    @Option(help: "The topic.") var topic: String
    @Option(name: .customLong("num-records")) var numRecords: Int = 1_000_000
    @Option(name: .customLong("record-size"), help: "Value bytes per record.") var recordSize: Int = 100
    @Option(name: .customLong("producer-property"), help: "A producer property key=value; repeatable.")
    var producerProperty: [String] = []
    @Flag(help: "Print one JSON object (records_per_s, mb_per_s, cpu_s, ...) instead of text.") var json = false

    func validate() throws {
        guard numRecords > 0 else { throw ValidationError("--num-records must be positive") }
        guard (1...(1 << 20)).contains(recordSize) else { throw ValidationError("--record-size must be 1...1048576") }
    }

    func run() async throws {
        let config: ProducerConfig
        do {
            config = try ProducerConfig(properties: try client.properties(extra: producerProperty))
        } catch let error as KafkaClientError {
            throw CLIError("\(error)")
        }
        let producer = try KafkaProducer(config: config)
        _ = try await producer.partitionCount(of: topic)
        let pool = PerfTextPool(seed: 42)
        struct Stats { var acked = 0; var failed = 0; var latencySumNanos: UInt64 = 0; var latencyMaxNanos: UInt64 = 0 }
        let stats = NIOLockedValueBox(Stats())
        // Options read once: a property wrapper's getter per record would be measured as producer time.
        let topic = self.topic, numRecords = self.numRecords, recordSize = self.recordSize
        let cpuBefore = Self.cpuSeconds()
        let started = NIODeadline.now()
        for i in 0..<numRecords {
            let record = ProducerRecord(topic: topic, value: pool.slice(sequence: i, bytes: recordSize))
            // Latency is sampled (1 in 64) so that timing does not dominate the measurement.
            if i & 63 == 0 {
                let sentAt = NIODeadline.now().uptimeNanoseconds
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
        let latencyAvgMs = s.acked > 0 ? Double(s.latencySumNanos) / Double(s.acked) / 1e6 : 0
        if json {
            let object: [String: Any] = [
                "mode": "produce", "client": "kairos", "topic": topic, "record_bytes": recordSize, "records": numRecords,
                "elapsed_s": seconds, "records_per_s": rate, "mb_per_s": rate * Double(recordSize) / 1e6,
                "cpu_s": cpu, "cpu_s_per_million": cpu / Double(numRecords) * 1e6,
                "latency_avg_ms": latencyAvgMs, "latency_max_ms": Double(s.latencyMaxNanos) / 1e6,
                "sampled_failures": s.failed, "batch_size_avg": metrics["batch-size-avg"] ?? 0,
                "compression_rate_avg": metrics["compression-rate-avg"] ?? 0,
                "request_latency_avg_ms": metrics["request-latency-avg"] ?? 0,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "%d records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %.3f CPU s per million records",
                         numRecords, rate, rate * Double(recordSize) / 1_048_576, latencyAvgMs,
                         Double(s.latencyMaxNanos) / 1e6, cpu / Double(numRecords) * 1e6))
            print(String(format: "batch-size-avg %.0f, compression-rate-avg %.3f, record-queue-time-avg %.2f ms, request-latency-avg %.2f ms, record-error-rate %.2f",
                         metrics["batch-size-avg"] ?? 0, metrics["compression-rate-avg"] ?? 0, metrics["record-queue-time-avg"] ?? 0,
                         metrics["request-latency-avg"] ?? 0, metrics["record-error-rate"] ?? 0))
        }
        if s.failed > 0 { throw CLIError("\(s.failed) sampled records failed") }
    }

    /// User plus system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// 8 MiB of seeded log-like text (words from a small vocabulary, chosen with a skew), the same bytes
/// bench/rdkafka-loadgen makes for seed 42, so both clients send values that compress alike. Record values are
/// slices of it at scattered offsets: no two neighbouring records are equal, none is copied.
struct PerfTextPool {
    static let poolBytes = 8 << 20
    private let pool: ByteBuffer

    init(seed: UInt64) {
        var x = seed
        func next() -> UInt64 {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            return x
        }
        var words: [[UInt8]] = []
        for _ in 0..<512 {
            let length = 2 + Int(next() % 9)
            var word: [UInt8] = []
            for _ in 0..<length {
                let r = next()
                word.append(r % 7 == 0 ? UInt8(48 + (r >> 8) % 10) : UInt8(97 + (r >> 8) % 26))
            }
            words.append(word)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.poolBytes)
        while bytes.count < Self.poolBytes {
            let r = next()
            let index = Int((((r & 0xffff) * ((r >> 16) & 0xffff)) >> 23) % 512)
            for c in words[index] where bytes.count < Self.poolBytes { bytes.append(c) }
            if bytes.count < Self.poolBytes { bytes.append((r >> 40) % 11 == 0 ? 44 : 32) }
        }
        pool = ByteBuffer(bytes: bytes)
    }

    /// Record `sequence`'s value: `bytes` bytes from a repeatable, scattered offset.
    func slice(sequence: Int, bytes: Int) -> ByteBuffer {
        let h = UInt64(truncatingIfNeeded: sequence) &* 0x9E37_79B9_7F4A_7C15
        let offset = Int((h >> 20) % UInt64(Self.poolBytes - bytes))
        return pool.getSlice(at: offset, length: bytes)!
    }
}
