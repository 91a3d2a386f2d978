import Foundation
import KafkaProtocol
import KairosBroker
import KairosStorage
import Logging

/// A Kairos broker inside the calling process, on 127.0.0.1 at a port picked at run time, with a temporary log
/// directory that `stop()` removes: what `kairos experiment run` starts when no bootstrap server is given, and what
/// the tests run against.
public final class EmbeddedBroker: @unchecked Sendable {
    /// The running transport.
    public let server: KafkaServer
    private let task: Task<Void, Error>
    private let directory: String

    /// Starts a broker with `properties` over its defaults (`listeners` and `log.dirs` are always its own) and waits
    /// until it listens; throws if the properties are bad or it does not bind within 5 s.
    public static func start(properties: [String: String] = [:], label: String = "kairos.embedded") async throws -> EmbeddedBroker {
        let directory = NSTemporaryDirectory() + "kairos-embedded-\(UInt64.random(in: 0...UInt64.max))"
        var props = properties
        props["listeners"] = "PLAINTEXT://127.0.0.1:0"
        props["log.dirs"] = directory
        let config = try ServerConfig(properties: props)
        var logger = Logger(label: label)
        logger.logLevel = .critical
        let factory = try DiskLogFactory(
            directory: directory, defaultConfig: config.broker.log, logger: logger, flushObserver: config.logFlushMetrics)
        let broker = try Broker(
            config: config.broker, logFactory: factory, logger: logger,
            clock: { Int64(Date().timeIntervalSince1970 * 1000) },
            randomId: { KafkaUUID(high: UInt64.random(in: 1...UInt64.max), low: UInt64.random(in: 1...UInt64.max)) })
        let server = KafkaServer(config: config, broker: broker, logger: logger)
        let task = Task { try await server.run() }
        for _ in 0..<500 where server.port == 0 { try await Task.sleep(nanoseconds: 10_000_000) }
        guard server.port != 0 else {
            server.shutdown()
            _ = try? await task.value
            try? FileManager.default.removeItem(atPath: directory)
            throw EmbeddedBrokerError()
        }
        return EmbeddedBroker(server: server, task: task, directory: directory)
    }

    private init(server: KafkaServer, task: Task<Void, Error>, directory: String) {
        self.server = server
        self.task = task
        self.directory = directory
    }

    /// The port it listens on.
    public var port: Int { server.port }

    /// `127.0.0.1:port`.
    public var bootstrap: String { "127.0.0.1:\(port)" }

    /// Stops the broker and removes its log directory.
    public func stop() async {
        server.shutdown()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// The embedded broker did not bind to 127.0.0.1 in time.
public struct EmbeddedBrokerError: Error, CustomStringConvertible, Sendable {
    public var description: String { "the embedded broker did not bind to 127.0.0.1 within 5 s" }
}
