import KairosBroker
import KairosConfig

extension ServerConfig {
    /// The transport's own properties (listeners, frame limit, threads, metrics endpoint).
    public static let transportRegistry = ConfigRegistry<ServerConfig>(scope: "broker", [
        .custom(
            "listeners", ListenerAddress.format, default: ListenerAddress(host: "127.0.0.1", port: 9092),
            doc: "The address to bind, PLAINTEXT://host:port (the first of the list; an empty host binds every interface).",
            set: { config, address in
                config.host = address.host.isEmpty ? "0.0.0.0" : address.host
                config.port = address.port
            },
            get: { ListenerAddress(host: $0.host, port: $0.port) }),
        .optional(
            "advertised.listeners", \.advertisedListener, ListenerAddress.format, default: nil,
            doc: "The address clients are told to connect to (default: the listener's)."),
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
    ])

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

    /// Reads the first entry of a listener list, `PLAINTEXT://host:port` (or `NAME://host:port` for the
    /// plaintext listener names Kairos knows); `[v6]` hosts lose their brackets.
    public static let format = ConfigValueFormat<ListenerAddress>(
        type: .list, validValues: "PLAINTEXT://host:port",
        parse: { value in
            let first = value.split(separator: ",").first.map { String($0).trimmingConfigSpaces() } ?? ""
            guard let schemeEnd = first.range(of: "://") else {
                throw InvalidConfigValue("expected PLAINTEXT://host:port, got '\(value)'")
            }
            let scheme = first[..<schemeEnd.lowerBound]
            guard ["PLAINTEXT", "BROKER", "CLIENT", "EXTERNAL", "INTERNAL"].contains(scheme) else {
                throw InvalidConfigValue("listener '\(scheme)' is not supported: Kairos speaks PLAINTEXT only")
            }
            let address = first[schemeEnd.upperBound...]
            guard let colon = address.lastIndex(of: ":") else { throw InvalidConfigValue("missing port in '\(first)'") }
            var host = String(address[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
                throw InvalidConfigValue("bad port in '\(first)'")
            }
            return ListenerAddress(host: host, port: port)
        },
        format: { "PLAINTEXT://\($0.host.contains(":") ? "[\($0.host)]" : $0.host):\($0.port)" })
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
