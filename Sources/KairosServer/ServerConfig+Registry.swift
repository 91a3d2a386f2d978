import KairosBroker
import KairosConfig

extension ServerConfig {
    /// The transport's own properties (listeners, frame limit, threads, metrics endpoint).
    public static let transportRegistry = ConfigRegistry<ServerConfig>(scope: "broker", [
        .custom(
            "listeners", ListenerEntry.listFormat, default: ListenerEntry.defaultListeners,
            doc: "The listeners to bind, NAME://host:port,... (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL or a name from "
                + "listener.security.protocol.map); an empty host binds every interface, port 0 picks a free one.",
            set: { config, entries in config.listenerEntries = entries },
            get: { $0.listenerEntries }),
        .optional(
            "advertised.listeners", \.advertisedEntries, ListenerEntry.listFormat, default: nil,
            doc: "What clients of each listener are told to connect to, NAME://host:port,... (default: the listener's own)."),
        .optional(
            "listener.security.protocol.map", \.securityProtocolMap, SecurityProtocolMap.format, default: nil,
            doc: "The security protocol of each listener name, NAME:PROTOCOL,... (default: each protocol's own name)."),
        .value("socket.request.max.bytes", \.socketRequestMaxBytes, .int(1...Int(Int32.max)), default: 104_857_600,
               doc: "A request frame larger than this closes the connection."),
        ConfigProperty(
            name: "num.network.threads", kind: .actedOn, type: .int, validValues: "[1,...,256]", defaultValue: nil,
            isDynamic: false, doc: "Event-loop threads (default: one per core).",
            apply: { config, text in config.networkThreads = try ConfigValueFormat<Int>.int(1...256).parse(text) },
            read: { String($0.networkThreads) }),
        .custom(
            "metrics.listener", MetricsListener.format, default: nil,
            doc: "host:port of the Prometheus endpoint (GET /metrics); empty or absent turns it off.",
            set: { config, listener in config.metricsListener = listener.address.map { ($0.host, $0.port) } },
            get: { config in config.metricsListener.map { MetricsListener(address: ListenerAddress(host: $0.host, port: $0.port)) } }),
        ConfigProperty(
            name: "sasl.enabled.mechanisms", kind: .actedOn, type: .list, validValues: "PLAIN", defaultValue: "PLAIN",
            isDynamic: false,
            doc: "The SASL mechanisms a SASL listener offers. Per listener: listener.name.<listener>.sasl.enabled.mechanisms.",
            apply: { config, text in config.saslEnabledMechanisms = text }, read: { $0.saslEnabledMechanisms }),
        ConfigProperty(
            name: "sasl.jaas.config", kind: .actedOn, type: .password, validValues: "", defaultValue: nil, isDynamic: false,
            doc: "PLAIN's users in Kafka's JAAS form: org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "user_<name>=\"<password>\"; Per listener: listener.name.<listener>.plain.sasl.jaas.config.",
            apply: { config, text in config.saslJaasConfig = text }, read: { $0.saslJaasConfig }),
    ] + SSLSettings.registryProperties())

    /// Every property a `server.properties` file may hold: the transport's, then the broker's.
    public static let registry = ConfigRegistry<ServerConfig>(
        scope: "broker", transportRegistry.properties + BrokerConfig.registry.lifted(\.broker))
}

/// A host and port, as `listeners` and `advertised.listeners` give them.
public struct ListenerAddress: Sendable, Equatable {
    /// The host; empty binds every interface.
    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int

    /// Makes one.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// `metrics.listener`: `host:port` (an `http://` prefix is allowed), or empty for none.
struct MetricsListener: Sendable, Equatable {
    var address: ListenerAddress?

    static let format = ConfigValueFormat<MetricsListener>(
        type: .string, validValues: "host:port or empty",
        parse: { raw in
            guard !raw.isEmpty else { return MetricsListener(address: nil) }
            var address = raw
            if address.hasPrefix("http://") { address.removeFirst(7) }
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                  (0...65535).contains(port)
            else { throw InvalidConfigValue("expected host:port, got '\(raw)'") }
            return MetricsListener(address: ListenerAddress(host: String(address[..<colon]), port: port))
        },
        format: { $0.address.map { "\($0.host):\($0.port)" } ?? "" })
}

extension ServerConfig {
    /// One line per given property that Kairos accepts without acting on: `name (reason)`, to log at start.
    public var ignoredKeyNotes: [String] {
        ignoredKeys.map { key in
            if case .acceptedIgnored(let reason)? = ServerConfig.registry[key]?.kind { return "\(key) (\(reason))" }
            return key
        }
    }
}
