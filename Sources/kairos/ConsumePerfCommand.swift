import ArgumentParser
import Foundation
import KairosClient
import NIOCore

/// `kairos consume-perf`: the Swift consumer's throughput, as kafka-consumer-perf-test.sh measures it.
struct ConsumePerfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume-perf",
        abstract: "Measure the Swift consumer (like kafka-consumer-perf-test.sh).",
        discussion: """
            Reads --messages records of every partition of --topic from the beginning (no group) and prints
            records/s, MB/s and the CPU seconds used per million records; with --json, one JSON object instead.
            """)

    @OptionGroup var client: ClientOptions
    @Option(help: "The topic.") var topic: String
    @Option(help: "Records to read.") var messages: Int = 1_000_000
    @Option(name: .customLong("consumer-property"), help: "A consumer property key=value; repeatable.")
    var consumerProperty: [String] = []
    @Flag(help: "Print one JSON object (records_per_s, mb_per_s, cpu_s, ...) instead of text.") var json = false

    func run() async throws {
        var properties = try client.properties(extra: consumerProperty)
        properties["auto.offset.reset"] = "earliest"
        properties["enable.auto.commit"] = "false"
        properties.removeValue(forKey: "group.id")
        let consumer = KafkaConsumer(config: try ConsumerConfig(properties: properties))
        let partitions = try await KafkaAdmin(cluster: consumer.cluster).describeTopics([topic])[0].partitions
        try await consumer.assign(partitions.map { TopicPartition(topic: topic, partition: $0.id) })
        let cpuBefore = ProducePerfCommand.cpuSeconds()
        let started = NIODeadline.now()
        var count = 0, bytes = 0, emptyPolls = 0
        while count < messages {
            let records = try await consumer.poll(timeoutMs: 1_000)
            if records.isEmpty {
                emptyPolls += 1
                if emptyPolls >= 10 { break }
                continue
            }
            count += records.count
            for record in records { bytes += record.value?.readableBytes ?? 0 }
        }
        let seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        let cpu = ProducePerfCommand.cpuSeconds() - cpuBefore
        await consumer.close()
        if json {
            let object: [String: Any] = [
                "mode": "consume", "client": "kairos", "topic": topic, "records": count, "bytes": bytes,
                "elapsed_s": seconds, "records_per_s": Double(count) / seconds, "mb_per_s": Double(bytes) / seconds / 1e6,
                "cpu_s": cpu, "cpu_s_per_million": cpu / Double(max(count, 1)) * 1e6,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "%d records read, %.1f records/sec (%.2f MB/sec), %.3f CPU s per million records",
                         count, Double(count) / seconds, Double(bytes) / seconds / 1_048_576, cpu / Double(max(count, 1)) * 1e6))
        }
        if count < messages { throw CLIError("only \(count) of \(messages) records arrived") }
    }
}
