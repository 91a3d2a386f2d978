import ArgumentParser
import Foundation
import KafkaProtocol
import KairosBroker
import KairosServer
import KairosStorage
import Logging
import ServiceLifecycle

/// `kairos server`: the embedded Kafka-compatible broker, configured like kafka-server-start.sh.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the Kairos broker (Kafka wire protocol, durable logs).",
        discussion: """
            Properties use Kafka's names. Examples:
              kairos server
              kairos server --config server.properties
              kairos server --override listeners=PLAINTEXT://127.0.0.1:19092 --override log.dirs=./data
            Defaults: listeners=PLAINTEXT://127.0.0.1:9092, log.dirs=./data, num.partitions=1,
            auto.create.topics.enable=true. SIGINT or SIGTERM stops it cleanly.
            """)

    @Option(name: .long, help: "A Kafka server.properties file.")
    var config: String?

    @Option(name: .long, help: "key=value, overriding the file; repeatable.")
    var override: [String] = []

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        let properties = try loadProperties()
        let serverConfig: ServerConfig
        do {
            serverConfig = try ServerConfig(properties: properties)
        } catch let error as ConfigError {
            throw CLIError("\(error)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "kairos")
        for key in serverConfig.unknownKeys {
            logger.warning("ignoring unknown property \(key)")
        }
        for note in serverConfig.ignoredKeyNotes {
            logger.notice("accepted but not acted on by Kairos: \(note)")
        }
        let broker: Broker
        do {
            let factory = try DiskLogFactory(
                directory: serverConfig.broker.logDir, defaultConfig: serverConfig.broker.log, logger: logger,
                flushObserver: serverConfig.logFlushMetrics)
            broker = try Broker(
                config: serverConfig.broker, logFactory: factory, logger: logger, clock: WallClock.nowMs,
                randomId: RandomIds.topicId)
        } catch {
            throw CLIError("cannot open log.dirs \(serverConfig.broker.logDir): \(error)")
        }
        let server = KafkaServer(config: serverConfig, broker: broker, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    private func loadProperties() throws -> [String: String] {
        var properties: [String: String] = [:]
        if let config {
            guard let data = FileManager.default.contents(atPath: config), let text = String(data: data, encoding: .utf8) else {
                throw CLIError("cannot read --config \(config)")
            }
            do {
                properties = try PropertiesFile.parse(text)
            } catch {
                throw CLIError("\(config): \(error)")
            }
        }
        for item in override {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw CLIError("--override expects key=value, got '\(item)'")
            }
            properties[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        return properties
    }
}

/// A user-facing error: printed as "Error: message", exit code 1, no usage dump.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// The system clock in milliseconds since the epoch.
enum WallClock {
    @Sendable static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// Random topic ids (version-4 UUIDs).
enum RandomIds {
    @Sendable static func topicId() -> KafkaUUID {
        var g = SystemRandomNumberGenerator()
        var high = g.next() as UInt64
        var low = g.next() as UInt64
        high = (high & ~0xF000) | 0x4000
        low = (low & ~(0xC000_0000_0000_0000 as UInt64)) | 0x8000_0000_0000_0000
        return KafkaUUID(high: high, low: low)
    }
}
