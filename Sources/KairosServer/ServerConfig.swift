import Foundation
import KairosBroker
import KairosConfig
import KairosStorage
import NIOCore

/// The transport's settings plus the broker's, from Kafka server properties.
public struct ServerConfig: Sendable {
    /// Host to bind (from `listeners`, default 127.0.0.1).
    public var host: String = "127.0.0.1"
    /// Port to bind (from `listeners`, default 9092; 0 picks a free port).
    public var port: Int = 9092
    /// `socket.request.max.bytes`: a request frame larger than this closes the connection. Default 104857600.
    public var socketRequestMaxBytes: Int = 104_857_600
    /// `num.network.threads`: event loop threads (default: one per core).
    public var networkThreads: Int = System.coreCountForServer
    /// `metrics.listener`: host:port of the Prometheus endpoint (GET /metrics); nil turns it off (the default).
    public var metricsListener: (host: String, port: Int)?
    /// The broker's own settings.
    public var broker: BrokerConfig
    /// Hears every fsync of the partition logs (flush rate and latency, exported by the metrics endpoint): hand it
    /// to the log factory (`DiskLogFactory(..., flushObserver:)`), which gives it to every log it opens.
    public let logFlushMetrics = LogFlushMetrics()
    /// Keys that neither the server nor the broker knows (logged as warnings, as Kafka does).
    public var unknownKeys: [String] = []
    /// Keys Kafka has that Kairos accepts without acting on (logged once at start).
    public var ignoredKeys: [String] = []
    /// `advertised.listeners`, when given: the address clients are told to use.
    public var advertisedListener: ListenerAddress?

    /// Builds the configuration; throws `ConfigError` naming the bad key.
    public init(properties: [String: String]) throws {
        broker = try BrokerConfig(properties: properties)
        try ServerConfig.transportRegistry.apply(properties, to: &self)
        var advertisedHost = host == "0.0.0.0" ? "127.0.0.1" : host
        var advertisedPort = port
        if let advertised = advertisedListener {
            advertisedHost = advertised.host.isEmpty ? "127.0.0.1" : advertised.host
            advertisedPort = advertised.port
        }
        broker.advertisedHost = advertisedHost
        broker.advertisedPort = Int32(advertisedPort)
        let report = ServerConfig.registry.report(properties)
        unknownKeys = report.unknownKeys
        ignoredKeys = report.ignoredKeys
    }
}

extension System {
    /// One event loop per core, at least one.
    static var coreCountForServer: Int { max(System.coreCount, 1) }
}
