import Foundation
import KairosBroker
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

    /// Keys the transport reads.
    public static let serverKeys: Set<String> = [
        "listeners", "advertised.listeners", "socket.request.max.bytes", "num.network.threads", "metrics.listener",
        "listener.security.protocol.map", "inter.broker.listener.name", "process.roles", "controller.listener.names",
        "controller.quorum.voters", "num.io.threads", "socket.send.buffer.bytes", "socket.receive.buffer.bytes",
        "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr", "group.initial.rebalance.delay.ms", "num.recovery.threads.per.data.dir",
        "zookeeper.connect",
    ]

    /// Builds the configuration; throws `ConfigError` naming the bad key.
    public init(properties: [String: String]) throws {
        broker = try BrokerConfig(properties: properties)
        if let listeners = properties["listeners"] {
            let (host, port) = try ServerConfig.parseListener(listeners, key: "listeners")
            self.host = host.isEmpty ? "0.0.0.0" : host
            self.port = port
        }
        var advertisedHost = host == "0.0.0.0" ? "127.0.0.1" : host
        var advertisedPort = port
        if let advertised = properties["advertised.listeners"] {
            (advertisedHost, advertisedPort) = try ServerConfig.parseListener(advertised, key: "advertised.listeners")
            if advertisedHost.isEmpty { advertisedHost = "127.0.0.1" }
        }
        broker.advertisedHost = advertisedHost
        broker.advertisedPort = Int32(advertisedPort)
        if let raw = properties["socket.request.max.bytes"] {
            guard let v = Int(raw.trimmingCharacters(in: .whitespaces)), v > 0 else {
                throw ConfigError(key: "socket.request.max.bytes", reason: "'\(raw)' is not a positive integer")
            }
            socketRequestMaxBytes = v
        }
        if let raw = properties["num.network.threads"] {
            guard let v = Int(raw.trimmingCharacters(in: .whitespaces)), v > 0, v <= 256 else {
                throw ConfigError(key: "num.network.threads", reason: "'\(raw)' is not an integer in 1...256")
            }
            networkThreads = v
        }
        if let raw = properties["metrics.listener"], !raw.isEmpty {
            var address = raw.trimmingCharacters(in: .whitespaces)
            if address.hasPrefix("http://") { address.removeFirst(7) }
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                  (0...65535).contains(port)
            else { throw ConfigError(key: "metrics.listener", reason: "expected host:port, got '\(raw)'") }
            metricsListener = (String(address[..<colon]), port)
        }
        unknownKeys = properties.keys.filter {
            !ServerConfig.serverKeys.contains($0) && !BrokerConfig.knownKeys.contains($0) && !GroupConfig.knownKeys.contains($0)
        }.sorted()
    }

    /// Parses the first entry of a listener list: `PLAINTEXT://host:port` (or `NAME://host:port`).
    static func parseListener(_ value: String, key: String) throws -> (String, Int) {
        let first = value.split(separator: ",").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        guard let schemeEnd = first.range(of: "://") else {
            throw ConfigError(key: key, reason: "expected PLAINTEXT://host:port, got '\(value)'")
        }
        let scheme = first[..<schemeEnd.lowerBound]
        guard scheme == "PLAINTEXT" || scheme == "BROKER" || scheme == "CLIENT" || scheme == "EXTERNAL" || scheme == "INTERNAL" else {
            throw ConfigError(key: key, reason: "listener '\(scheme)' is not supported: Kairos speaks PLAINTEXT only")
        }
        let address = first[schemeEnd.upperBound...]
        guard let colon = address.lastIndex(of: ":") else {
            throw ConfigError(key: key, reason: "missing port in '\(first)'")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigError(key: key, reason: "bad port in '\(first)'")
        }
        return (host, port)
    }
}


extension System {
    /// One event loop per core, at least one.
    static var coreCountForServer: Int { max(System.coreCount, 1) }
}
