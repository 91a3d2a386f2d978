import KairosConfig

/// Reading client properties through a registry, with the client's error type.
extension ConfigRegistry {
    /// Applies `properties` to `config`; a bad value becomes `KafkaClientError.invalidConfiguration` naming the
    /// property. Returns the keys this registry does not know and those it accepts without acting on.
    func readClient(_ properties: [String: String], into config: inout Config) throws -> ConfigReadReport {
        do {
            return try apply(properties, to: &config)
        } catch let error as ConfigError {
            throw KafkaClientError.invalidConfiguration("\(error.key)=\(properties[error.key] ?? ""): \(error.reason)")
        }
    }
}

/// Properties every client accepts without acting on, shared by the producer's and consumer's registries.
enum ClientIgnoredProperties {
    static let common: [ConfigProperty<ClientConfig>] = [
        .ignored("security.protocol", .oneOf(["PLAINTEXT"], caseInsensitive: true), default: "PLAINTEXT",
                 because: "Kairos speaks PLAINTEXT only", doc: "The protocol to reach brokers with."),
        .ignored("client.dns.lookup", .oneOf(["use_all_dns_ips", "resolve_canonical_bootstrap_servers_only"]),
                 default: "use_all_dns_ips", because: "the resolver's first address is used", doc: "How bootstrap names resolve."),
        .ignored("send.buffer.bytes", .int(-1...Int(Int32.max)), default: 131_072, because: "the OS default is used",
                 doc: "SO_SNDBUF of client sockets."),
        .ignored("receive.buffer.bytes", .int(-1...Int(Int32.max)), default: 65_536, because: "the OS default is used",
                 doc: "SO_RCVBUF of client sockets."),
        .ignored("reconnect.backoff.ms", .long(0...Int64.max), default: 50, because: "retry.backoff.ms paces reconnects",
                 doc: "Pause before reconnecting to a broker."),
        .ignored("reconnect.backoff.max.ms", .long(0...Int64.max), default: 1000, because: "retry.backoff.ms paces reconnects",
                 doc: "Longest pause before reconnecting."),
        .ignored("connections.max.idle.ms", .long(-1...Int64.max), default: 540_000, because: "connections stay open",
                 doc: "Close connections idle this long."),
    ]
}

extension ClientConfig {
    /// The connection properties every client reads.
    public static let registry = ConfigRegistry<ClientConfig>(scope: "client", [
        .value("bootstrap.servers", \.bootstrapServers, bootstrapFormat,
               default: [BrokerAddress(host: "127.0.0.1", port: 9092)],
               doc: "Brokers to ask for the cluster's metadata first."),
        .value("client.id", \.clientId, .string(), default: "kairos", doc: "The name sent in every request header."),
        .value("request.timeout.ms", \.requestTimeoutMs, .int(1...Int(Int32.max)), default: 30_000,
               doc: "How long to wait for any one answer."),
        .value("retries", \.retries, .int(0...Int(Int32.max)), default: Int(Int32.max),
               doc: "How many times a retriable failure is tried again (bounded by the deadlines)."),
        .value("retry.backoff.ms", \.retryBackoffMs, .int(0...Int(Int32.max)), default: 100, doc: "The pause before a retry."),
        .value("metadata.max.age.ms", \.metadataMaxAgeMs, .int(0...Int(Int32.max)), default: 300_000,
               doc: "Metadata older than this is refreshed before use."),
        .value("default.api.timeout.ms", \.defaultApiTimeoutMs, .int(1...Int(Int32.max)), default: 60_000,
               doc: "The overall deadline of an admin or metadata call, retries included."),
        .value("socket.connection.setup.timeout.ms", \.connectTimeoutMs, .int(1...Int(Int32.max)), default: 10_000,
               doc: "How long a TCP connect may take."),
    ] + ClientIgnoredProperties.common)

    /// `bootstrap.servers`: a comma-separated list of host:port.
    static let bootstrapFormat = ConfigValueFormat<[BrokerAddress]>(
        type: .list, validValues: "host:port,...",
        parse: { try BrokerAddress.parseList($0) },
        format: { $0.map(\.description).joined(separator: ",") })
}
