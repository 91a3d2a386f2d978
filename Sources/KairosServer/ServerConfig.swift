import Foundation
import KairosBroker
import KairosConfig
import KairosStorage
import NIOCore
import NIOSSL

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
    /// Every listener to bind, resolved from `listeners`, `advertised.listeners` and
    /// `listener.security.protocol.map`; `host` and `port` are the first one's.
    public var listeners: [Listener] = []
    /// `listeners` as given (default: plaintext on 127.0.0.1:9092).
    var listenerEntries: [ListenerEntry] = ListenerEntry.defaultListeners
    /// `advertised.listeners` as given.
    var advertisedEntries: [ListenerEntry]?
    /// The un-prefixed `ssl.*` properties, which every TLS listener reads unless it has its own.
    public var ssl = SSLSettings()
    /// The TLS context of each SSL / SASL_SSL listener, by name, built at start from its `ssl.*` settings.
    public var tlsContexts: [String: NIOSSLContext] = [:]
    /// The SASL settings of each SASL_PLAINTEXT / SASL_SSL listener, by name.
    public var saslSettings: [String: SaslSettings] = [:]
    /// `sasl.enabled.mechanisms` as given (each SASL listener reads it, or its own prefixed one).
    var saslEnabledMechanisms: String? = "PLAIN"
    /// `sasl.jaas.config` as given.
    var saslJaasConfig: String?
    /// `listener.security.protocol.map` as given.
    var securityProtocolMap: SecurityProtocolMap?

    /// Builds the configuration; throws `ConfigError` naming the bad key.
    public init(properties: [String: String]) throws {
        broker = try BrokerConfig(properties: properties)
        try ServerConfig.transportRegistry.apply(properties, to: &self)
        let controllerNames = Set(
            (properties["controller.listener.names"] ?? "").split(separator: ",")
                .map { String($0).trimmingConfigSpaces().uppercased() })
        listeners = try ServerConfig.resolveListeners(
            listenerEntries, advertised: advertisedEntries, map: securityProtocolMap, controllerNames: controllerNames)
        for listener in listeners where listener.securityProtocol == .saslPlaintext || listener.securityProtocol == .saslSsl {
            saslSettings[listener.name] = try ListenerSasl.settings(listener: listener.name, properties: properties)
        }
        for listener in listeners where listener.securityProtocol == .ssl || listener.securityProtocol == .saslSsl {
            let settings = SSLSettings.forListener(listener.name, base: ssl, properties: properties)
            tlsContexts[listener.name] = try ListenerTLS.makeContext(listener: listener.name, settings: settings, properties: properties)
        }
        host = listeners[0].host
        port = listeners[0].port
        broker.advertisedHost = listeners[0].advertised.host
        broker.advertisedPort = Int32(listeners[0].advertised.port)
        let report = ServerConfig.registry.report(properties)
        // A listener's own `listener.name.<listener>.ssl.*` properties are known to it, though not to the registry.
        let listenerPrefixes = listeners.map { SSLSettings.listenerPrefix($0.name) }
        let listenerKeys = Set(SSLSettings.fields.map { "ssl." + $0.name } + ["sasl.enabled.mechanisms", "plain.sasl.jaas.config"])
        unknownKeys = report.unknownKeys.filter { key in
            !listenerPrefixes.contains { key.hasPrefix($0) && listenerKeys.contains(String(key.dropFirst($0.count))) }
        }
        ignoredKeys = report.ignoredKeys
    }
}

extension System {
    /// One event loop per core, at least one.
    static var coreCountForServer: Int { max(System.coreCount, 1) }
}
