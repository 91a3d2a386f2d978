/// What every Kairos client (producer, consumer, admin) needs to reach a cluster. Each property documents its
/// Kafka name and default; `init(properties:)` accepts the Kafka names.
public struct ClientConfig: Sendable {
    /// `bootstrap.servers`: brokers to ask for the cluster's metadata first. Default `127.0.0.1:9092`.
    public var bootstrapServers: [BrokerAddress] = [BrokerAddress(host: "127.0.0.1", port: 9092)]
    /// `client.id`: the name sent in every request header. Default `kairos`.
    public var clientId: String = "kairos"
    /// `request.timeout.ms`: how long to wait for any one answer. Default 30000.
    public var requestTimeoutMs: Int = 30_000
    /// `retries`: how many times a retriable failure is tried again. Default Int32.max, bounded by the deadlines.
    public var retries: Int = Int(Int32.max)
    /// `retry.backoff.ms`: the pause before a retry. Default 100.
    public var retryBackoffMs: Int = 100
    /// `metadata.max.age.ms`: metadata older than this is refreshed before use. Default 300000.
    public var metadataMaxAgeMs: Int = 300_000
    /// `socket.connection.setup.timeout.ms`: how long a TCP connect may take. Default 10000.
    public var connectTimeoutMs: Int = 10_000
    /// `default.api.timeout.ms`: the overall deadline of an admin or metadata call, retries included. Default 60000.
    public var defaultApiTimeoutMs: Int = 60_000
    /// Largest response frame accepted (a guard against a hostile peer). Default 100 MiB.
    public var responseFrameBytesMax: Int = 100 * 1024 * 1024

    /// The defaults.
    public init() {}

    /// Reads the Kafka property names above (`ClientConfig.registry`); other keys are ignored here.
    public init(properties: [String: String]) throws {
        _ = try ClientConfig.registry.readClient(properties, into: &self)
    }
}
