import KairosClient
import KairosServer

/// A real Kairos broker on 127.0.0.1 (KairosServer's `EmbeddedBroker`) and a client configuration that reaches it.
final class TestBroker: @unchecked Sendable {
    private let embedded: EmbeddedBroker

    static func start(properties: [String: String] = [:]) async throws -> TestBroker {
        TestBroker(embedded: try await EmbeddedBroker.start(properties: properties, label: "perf-test-broker"))
    }

    private init(embedded: EmbeddedBroker) {
        self.embedded = embedded
    }

    var server: KafkaServer { embedded.server }

    var address: BrokerAddress { BrokerAddress(host: "127.0.0.1", port: embedded.port) }

    var clientConfig: ClientConfig {
        var config = ClientConfig()
        config.bootstrapServers = [address]
        config.clientId = "kairos-perf-test"
        config.requestTimeoutMs = 10_000
        config.defaultApiTimeoutMs = 10_000
        config.retryBackoffMs = 20
        return config
    }

    func stop() async {
        await embedded.stop()
    }
}
