import ArgumentParser
import Foundation
import KairosClient
import KairosPerf

/// `kairos consume`: prints records, one per line, as kafka-console-consumer.sh does.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print records of a topic, one per line (like kafka-console-consumer.sh).",
        discussion: """
            Examples:
              kairos consume --bootstrap-server 127.0.0.1:9092 --topic orders --from-beginning --max-messages 10
              kairos consume --bootstrap-server 127.0.0.1:9092 --topic orders --group billing \\
                  --property print.key=true --property key.separator=:
            Without --group every partition is read directly; with it the group assigns partitions and offsets
            are committed. Stops after --max-messages, after --timeout-ms without a record, or on SIGINT.
            """)

    @OptionGroup var client: ClientOptions

    @Option(help: "The topic.") var topic: String
    @Option(help: "A consumer group id: join it and commit offsets.") var group: String?
    @Flag(name: .customLong("from-beginning"), help: "Start at the earliest offset when nothing is committed.")
    var fromBeginning = false
    @Option(name: .customLong("max-messages"), help: "Exit after this many records.") var maxMessages: Int?
    @Option(name: .customLong("timeout-ms"), help: "Exit when no record came for this long.") var timeoutMs: Int?
    @Option(help: "print.key=true|false, print.offset=true|false, print.partition=true|false, key.separator=S; repeatable.")
    var property: [String] = []
    @Option(name: .customLong("consumer-property"), help: "A consumer property key=value; repeatable.")
    var consumerProperty: [String] = []

    func run() async throws {
        var printKey = false, printOffset = false, printPartition = false
        var separator = "\t"
        for pair in property {
            let (key, value) = try ClientOptions.split(pair)
            switch key {
            case "print.key": printKey = value.lowercased() == "true"
            case "print.offset": printOffset = value.lowercased() == "true"
            case "print.partition": printPartition = value.lowercased() == "true"
            case "key.separator": separator = value
            default: printError("ignoring unknown --property \(key)")
            }
        }
        var extra = consumerProperty
        extra.append("auto.offset.reset=\(fromBeginning ? "earliest" : "latest")")
        if let group { extra.append("group.id=\(group)") }
        var properties = try client.properties(extra: extra)
        if group == nil { properties["enable.auto.commit"] = "false" }
        let config: ConsumerConfig
        do {
            config = try ConsumerConfig(properties: properties)
        } catch let error as KafkaClientError {
            throw CLIError("\(error)")
        }
        let consumer = KafkaConsumer(config: config)
        var count = 0
        do {
            if group != nil {
                try await consumer.subscribe([topic])
            } else {
                let described = try await KafkaAdmin(cluster: consumer.cluster).describeTopics([topic])
                try await consumer.assign(described[0].partitions.map { TopicPartition(topic: topic, partition: $0.id) })
            }
            var printed: [TopicPartition: Int64] = [:]
            var lastRecord = ContinuousClock.now
            loop: while maxMessages.map({ count < $0 }) ?? true {
                let records = try await consumer.poll(timeoutMs: 500)
                if records.isEmpty {
                    if let timeoutMs, ContinuousClock.now - lastRecord >= .milliseconds(timeoutMs) { break }
                    continue
                }
                lastRecord = .now
                for record in records {
                    var line = ""
                    if printPartition { line += "Partition:\(record.partition)\(separator)" }
                    if printOffset { line += "Offset:\(record.offset)\(separator)" }
                    if printKey { line += (record.keyString ?? "null") + separator }
                    line += record.valueString ?? "null"
                    print(line)
                    count += 1
                    printed[TopicPartition(topic: record.topic, partition: record.partition)] = record.offset + 1
                    if let maxMessages, count >= maxMessages {
                        // Commit exactly what was printed, not the rest of the batch.
                        if group != nil { try await consumer.commit(printed) }
                        break loop
                    }
                }
                fflush(nil)
            }
            fflush(nil)
        } catch let error as KafkaClientError {
            await consumer.close()
            throw CLIError("\(error)")
        }
        if group != nil, maxMessages != nil {
            // Offsets were committed above for exactly the printed records; a final auto commit would skip ahead.
            await consumer.close(autoCommit: false)
        } else {
            await consumer.close()
        }
        printError("Processed a total of \(count) messages")
    }
}
