import ArgumentParser
import KairosClient

/// Options every client command shares, named as Kafka's tools name them.
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-server"), help: "host:port[,host:port...] of the cluster.")
    var bootstrapServer: String = "127.0.0.1:9092"

    @Option(name: .customLong("command-property"), help: "key=value client property (client.id, request.timeout.ms...); repeatable.")
    var commandProperty: [String] = []

    /// The client properties these options give, with `extra` (key=value strings) on top.
    func properties(extra: [String] = []) throws -> [String: String] {
        var properties = ["bootstrap.servers": bootstrapServer, "client.id": "kairos-cli"]
        for pair in commandProperty + extra {
            let (key, value) = try Self.split(pair)
            properties[key] = value
        }
        return properties
    }

    /// Splits `key=value`; throws a usage error otherwise.
    static func split(_ pair: String) throws -> (String, String) {
        guard let equals = pair.firstIndex(of: "=") else {
            throw ValidationError("'\(pair)' is not key=value")
        }
        return (String(pair[..<equals]).trimmingCharacters(in: .whitespaces), String(pair[pair.index(after: equals)...]))
    }

    func clientConfig() throws -> ClientConfig {
        do {
            return try ClientConfig(properties: properties())
        } catch let error as KafkaClientError {
            throw CLIError("\(error)")
        }
    }
}

import Foundation

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
