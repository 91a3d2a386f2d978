import Foundation
import KafkaProtocol
import KairosBroker
import KairosServer
import KairosStorage
import Logging

/// A Kairos broker inside the experiment's process, on 127.0.0.1 at a port picked at run time and a temporary log
/// directory that `stop()` removes: what `kairos experiment run` uses when no bootstrap server is given.
final class EmbeddedBroker: @unchecked Sendable {
    private let server: KafkaServer
    private let task: Task<Void, Error>
    private let directory: String

    /// Starts the broker and waits until it listens; throws if it does not bind.
    static func start() async throws -> EmbeddedBroker {
        let directory = NSTemporaryDirectory() + "kairos-experiment-\(UInt64.random(in: 0...UInt64.max))"
        // Short quota windows, so that a producer over its quota is throttled within the first seconds of a short run.
        let config = try ServerConfig(properties: [
            "listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": directory,
            "quota.window.num": "2", "quota.window.size.seconds": "1",
        ])
        var logger = Logger(label: "kairos.experiment.broker")
        logger.logLevel = .critical
        let factory = try DiskLogFactory(directory: directory, defaultConfig: config.broker.log, logger: logger)
        let broker = try Broker(
            config: config.broker, logFactory: factory, logger: logger,
            clock: { Int64(Date().timeIntervalSince1970 * 1000) },
            randomId: { KafkaUUID(high: UInt64.random(in: 1...UInt64.max), low: UInt64.random(in: 1...UInt64.max)) })
        let server = KafkaServer(config: config, broker: broker, logger: logger)
        let task = Task { try await server.run() }
        for _ in 0..<500 where server.port == 0 { try await Task.sleep(nanoseconds: 10_000_000) }
        guard server.port != 0 else {
            server.shutdown()
            throw PerfError("the embedded broker did not bind to 127.0.0.1")
        }
        return EmbeddedBroker(server: server, task: task, directory: directory)
    }

    private init(server: KafkaServer, task: Task<Void, Error>, directory: String) {
        self.server = server
        self.task = task
        self.directory = directory
    }

    /// `127.0.0.1:port`.
    var bootstrap: String { "127.0.0.1:\(server.port)" }

    /// Stops the broker and removes its log directory.
    func stop() async {
        server.shutdown()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}
