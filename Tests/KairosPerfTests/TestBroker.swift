import Foundation
import KafkaProtocol
import KairosBroker
import KairosClient
import KairosServer
import KairosStorage
import Logging

/// A real Kairos broker on 127.0.0.1 with an ephemeral port and a temporary log directory, for the perf tools' tests (the client tests have their own; test targets cannot share files).
final class TestBroker: @unchecked Sendable {
    let server: KafkaServer
    private let task: Task<Void, Error>
    private let directory: String

    static func start(properties: [String: String] = [:]) async throws -> TestBroker {
        let directory = NSTemporaryDirectory() + "kairos-perf-test-\(UInt64.random(in: 0...UInt64.max))"
        var props = properties
        props["listeners"] = "PLAINTEXT://127.0.0.1:0"
        props["log.dirs"] = directory
        let config = try ServerConfig(properties: props)
        var logger = Logger(label: "perf-test-broker")
        logger.logLevel = .critical
        let factory = try DiskLogFactory(directory: directory, defaultConfig: config.broker.log, logger: logger)
        let broker = try Broker(
            config: config.broker, logFactory: factory, logger: logger,
            clock: { Int64(Date().timeIntervalSince1970 * 1000) },
            randomId: { KafkaUUID(high: UInt64.random(in: 1...UInt64.max), low: UInt64.random(in: 1...UInt64.max)) })
        let server = KafkaServer(config: config, broker: broker, logger: logger)
        let task = Task { try await server.run() }
        for _ in 0..<500 where server.port == 0 { try await Task.sleep(nanoseconds: 10_000_000) }
        guard server.port != 0 else { throw KafkaClientError.connection("test broker did not bind") }
        return TestBroker(server: server, task: task, directory: directory)
    }

    private init(server: KafkaServer, task: Task<Void, Error>, directory: String) {
        self.server = server
        self.task = task
        self.directory = directory
    }

    var address: BrokerAddress { BrokerAddress(host: "127.0.0.1", port: server.port) }

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
        server.shutdown()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}
