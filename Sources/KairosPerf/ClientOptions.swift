import ArgumentParser

/// Options every client command shares, named as Kafka's tools name them.
public struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-server"), help: "host:port[,host:port...] of the cluster.")
    public var bootstrapServer: String = "127.0.0.1:9092"

    @Option(name: .customLong("command-property"), help: "key=value client property (client.id, request.timeout.ms...); repeatable.")
    public var commandProperty: [String] = []

    public init() {}

    /// The client properties these options give, with `extra` (key=value strings) on top.
    public func properties(extra: [String] = []) throws -> [String: String] {
        try properties(base: [:], extra: extra)
    }

    /// The client properties: `--bootstrap-server` and the client id, then `base` (a properties file), then
    /// `--command-property`, then `extra` (key=value strings), later ones winning as in Kafka's tools.
    public func properties(base: [String: String], extra: [String] = []) throws -> [String: String] {
        var properties = ["bootstrap.servers": bootstrapServer, "client.id": "kairos-cli"]
        properties.merge(base) { _, new in new }
        for pair in commandProperty + extra {
            let (key, value) = try Self.split(pair)
            properties[key] = value
        }
        return properties
    }

    /// Splits `key=value`; throws a usage error otherwise.
    public static func split(_ pair: String) throws -> (String, String) {
        guard let equals = pair.firstIndex(of: "=") else {
            throw ValidationError("'\(pair)' is not key=value")
        }
        return (String(pair[..<equals]).trimmingCharacters(in: .whitespaces), String(pair[pair.index(after: equals)...]))
    }
}
