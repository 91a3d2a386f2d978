import ArgumentParser
import Foundation
import KairosClient
import KairosHTTP
import KairosPerf
import Logging
import NIOPosix
import ServiceLifecycle

/// `kairos gateway`: the REST ingest gateway (Confluent REST Proxy's produce API) in front of a cluster.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Take records over HTTP the way Confluent REST Proxy does and produce them to the cluster.",
        discussion: """
            Endpoints:
              POST /topics/{topic}            v2; Content-Type application/vnd.kafka.json.v2+json or
                                              application/vnd.kafka.binary.v2+json; {"records":[{"key":..,"value":..,"partition":..}]}
              POST /v3/clusters/{id}/topics/{topic}/records   v3; application/json, one object per record
              GET  /topics, /v3/clusters      topic names; this cluster
              GET  /v1/sources                records and bytes per source per interval
            The source of a record is the X-Kairos-Source header, else the topic. A record is answered as written
            only after the broker acknowledged it as acks says. Errors come as REST Proxy gives them: 400/422 bad
            body, 404 (40401) unknown topic, 413 too large, 415 content type, 429 (Retry-After) producer buffer
            full, 503 (Retry-After) cluster unreachable.
            Example:
              kairos gateway --bootstrap-server 127.0.0.1:9092 --listen 127.0.0.1:8082 --producer-property linger.ms=5
            Prints "kairos gateway listening on http://HOST:PORT" once it serves (--listen HOST:0 picks a port).
            SIGINT or SIGTERM stops it: requests in progress are answered, then the producer drains.
            """)

    @OptionGroup var client: ClientOptions

    @Option(help: "HOST:PORT to serve HTTP on (port 0: any free port).")
    var listen: String = "127.0.0.1:8082"

    @Option(name: .customLong("producer-property"), help: "A producer property key=value (acks, linger.ms, buffer.memory...); repeatable.")
    var producerProperty: [String] = []

    @Option(name: .customLong("max-request-bytes"), help: "The largest request body taken; larger ones get 413.")
    var maxRequestBytes: Int = 16 * 1024 * 1024

    @Option(name: .customLong("metadata-timeout-ms"), help: "How long a topic lookup may wait for the cluster before the request gets 503.")
    var metadataTimeoutMs: Int = 10_000

    @Option(name: .customLong("volume-interval-ms"), help: "The interval of the per-source volumes (GET /v1/sources).")
    var volumeIntervalMs: Int = 1000

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard maxRequestBytes > 0 else { throw ValidationError("--max-request-bytes must be positive") }
        guard metadataTimeoutMs > 0 else { throw ValidationError("--metadata-timeout-ms must be positive") }
        guard volumeIntervalMs > 0 else { throw ValidationError("--volume-interval-ms must be positive") }
        _ = try Self.hostPort(listen)
    }

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        let (host, port) = try Self.hostPort(listen)
        let config: ProducerConfig
        do {
            config = try ProducerConfig(properties: try client.properties(extra: producerProperty))
        } catch let error as KafkaClientError {
            throw CLIError("\(error)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "kairos.gateway")
        for key in config.unknownKeys { logger.warning("ignoring unknown producer property \(key)") }

        // One cluster view for the producer and the gateway's topic lookups, on one event loop as the producer
        // makes its own: what the gateway learns about a topic the producer then knows too.
        let cluster = KafkaCluster(config: config.client, group: MultiThreadedEventLoopGroup.singleton.next(), logger: logger)
        // The producers share the cluster view and do not own it: a replaced producer must not close it.
        let makeProducer: @Sendable () throws -> KafkaProducer = {
            try KafkaProducer(config: config, cluster: cluster, ownsCluster: false, logger: logger)
        }
        let sink: KafkaProducerSink
        do {
            sink = KafkaProducerSink(producer: try makeProducer(), remake: makeProducer)
        } catch let error as KafkaClientError {
            throw CLIError("\(error)")
        }
        var settings = IngestGateway.Settings()
        settings.requestBytesMax = maxRequestBytes
        settings.metadataTimeoutMs = metadataTimeoutMs
        settings.volumeIntervalMs = Int64(volumeIntervalMs)
        let gateway = IngestGateway(sink: sink, cluster: cluster, settings: settings, nowMs: WallClock.nowMs, logger: logger)
        let server = KairosHTTPServer(host: host, port: port, routes: [GatewayRoutes(gateway: gateway)], logger: logger) { host, port in
            // Unbuffered, so a script reading the pipe learns the port at once.
            FileHandle.standardOutput.write(Data("kairos gateway listening on http://\(host):\(port)\n".utf8))
        }
        // Shut down in reverse order: the server first (answering what is in progress), then the producer drains.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: RecordSinkService(sink: sink)), .init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        await cluster.close()
    }

    /// Splits `HOST:PORT` (the host may be a bracketed IPv6 address).
    static func hostPort(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw ValidationError("--listen expects HOST:PORT, got '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--listen expects HOST:PORT, got '\(text)'") }
        return (host, port)
    }
}
