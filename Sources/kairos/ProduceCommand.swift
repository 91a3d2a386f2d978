import ArgumentParser
import Foundation
import KairosClient
import KairosPerf
import NIOConcurrencyHelpers
import NIOCore

/// `kairos produce`: one record per line of standard input, as kafka-console-producer.sh does.
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Send each line of standard input as a record (like kafka-console-producer.sh).",
        discussion: """
            Examples:
              seq 10 | kairos produce --bootstrap-server 127.0.0.1:9092 --topic orders
              printf 'k1:v1\\nk2:v2\\n' | kairos produce --bootstrap-server 127.0.0.1:9092 --topic orders \\
                  --property parse.key=true --property key.separator=:
              kairos produce --bootstrap-server 127.0.0.1:9092 --topic orders --producer-property acks=1 \\
                  --producer-property compression.type=lz4
            Exits non-zero if any record failed.
            """)

    @OptionGroup var client: ClientOptions

    @Option(help: "The topic.") var topic: String
    @Option(help: "parse.key=true|false, key.separator=S (default a tab), ignore.error=true|false; repeatable.")
    var property: [String] = []
    @Option(name: .customLong("producer-property"), help: "A producer property key=value (acks, linger.ms...); repeatable.")
    var producerProperty: [String] = []

    func run() async throws {
        var parseKey = false
        var separator = "\t"
        var ignoreError = false
        for pair in property {
            let (key, value) = try ClientOptions.split(pair)
            switch key {
            case "parse.key": parseKey = value.lowercased() == "true"
            case "key.separator": separator = value
            case "ignore.error": ignoreError = value.lowercased() == "true"
            default: printError("ignoring unknown --property \(key)")
            }
        }
        guard !separator.isEmpty else { throw ValidationError("key.separator must not be empty") }
        let config: ProducerConfig
        do {
            config = try ProducerConfig(properties: try client.properties(extra: producerProperty))
        } catch let error as KafkaClientError {
            throw CLIError("\(error)")
        }
        for key in config.unknownKeys { printError("ignoring unknown producer property \(key)") }
        for key in config.ignoredKeys { printError("accepted but not acted on by Kairos: producer property \(key)") }
        let producer = try KafkaProducer(config: config)
        let failures = NIOLockedValueBox(0)
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            var key: String?
            var value = line
            if parseKey {
                guard let range = line.range(of: separator) else {
                    let message = "line \(lineNumber): no key separator '\(separator)'"
                    if ignoreError { printError(message); continue }
                    await producer.close()
                    throw CLIError(message)
                }
                key = String(line[..<range.lowerBound])
                value = String(line[range.upperBound...])
            }
            do {
                try await producer.send(ProducerRecord(topic: topic, key: key, value: value)) { report in
                    if case .failure(let error) = report {
                        failures.withLockedValue { $0 += 1 }
                        printError("error sending record: \(error)")
                    }
                }
            } catch {
                failures.withLockedValue { $0 += 1 }
                printError("error sending record: \(error)")
                if !ignoreError, let error = error as? KafkaClientError, !error.isRetriable, !error.isBufferExhausted {
                    break
                }
            }
        }
        await producer.flush()
        await producer.close()
        let failed = failures.withLockedValue { $0 }
        if failed > 0 { throw CLIError("\(failed) record(s) were not delivered") }
    }
}
