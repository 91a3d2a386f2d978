import KairosConfig

/// Kafka's security protocols: what a listener speaks on its port.
public enum SecurityProtocol: String, Sendable, Equatable, CaseIterable {
    case plaintext = "PLAINTEXT"
    case ssl = "SSL"
    case saslPlaintext = "SASL_PLAINTEXT"
    case saslSsl = "SASL_SSL"
}

/// One entry of `listeners` or `advertised.listeners`: `NAME://host:port`, before its name is resolved to a
/// security protocol (that needs `listener.security.protocol.map`, which may come later in the file).
public struct ListenerEntry: Sendable, Equatable {
    /// The listener's name, upper-cased as Kafka compares them (`PLAINTEXT`, `CLIENT`, ...).
    public var name: String
    /// The host and port.
    public var address: ListenerAddress

    /// Makes one.
    public init(name: String, address: ListenerAddress) {
        self.name = name
        self.address = address
    }

    /// The embedded default: open plaintext on the loopback interface only.
    public static let defaultListeners = [ListenerEntry(name: "PLAINTEXT", address: ListenerAddress(host: "127.0.0.1", port: 9092))]

    /// Reads a comma-separated listener list; names must be unique, and so must non-zero ports.
    public static let listFormat = ConfigValueFormat<[ListenerEntry]>(
        type: .list, validValues: "NAME://host:port,...",
        parse: { value in
            let entries = try value.split(separator: ",").map { String($0).trimmingConfigSpaces() }.filter { !$0.isEmpty }
                .map(ListenerEntry.parse)
            guard !entries.isEmpty else { throw InvalidConfigValue("no listener in '\(value)'") }
            var names = Set<String>()
            var ports = Set<Int>()
            for entry in entries {
                guard names.insert(entry.name).inserted else {
                    throw InvalidConfigValue("listener name '\(entry.name)' appears twice")
                }
                guard entry.address.port == 0 || ports.insert(entry.address.port).inserted else {
                    throw InvalidConfigValue("port \(entry.address.port) is given to two listeners")
                }
            }
            return entries
        },
        format: { $0.map(\.text).joined(separator: ",") })

    /// `NAME://host:port`, with `[v6]` hosts bracketed.
    public var text: String {
        let host = address.host.contains(":") ? "[\(address.host)]" : address.host
        return "\(name)://\(host):\(address.port)"
    }

    static func parse(_ text: String) throws -> ListenerEntry {
        guard let schemeEnd = text.range(of: "://") else {
            throw InvalidConfigValue("expected NAME://host:port, got '\(text)'")
        }
        let name = text[..<schemeEnd.lowerBound].uppercased()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw InvalidConfigValue("bad listener name in '\(text)'")
        }
        let address = text[schemeEnd.upperBound...]
        guard let colon = address.lastIndex(of: ":") else { throw InvalidConfigValue("missing port in '\(text)'") }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
            throw InvalidConfigValue("bad port in '\(text)'")
        }
        return ListenerEntry(name: name, address: ListenerAddress(host: host, port: port))
    }
}

/// `listener.security.protocol.map`: `NAME:PROTOCOL,...`.
struct SecurityProtocolMap: Sendable, Equatable {
    var protocols: [String: SecurityProtocol]

    /// Kafka's default: each protocol's own name maps to itself.
    static let kafkaDefault = SecurityProtocolMap(
        protocols: Dictionary(uniqueKeysWithValues: SecurityProtocol.allCases.map { ($0.rawValue, $0) }))

    static let format = ConfigValueFormat<SecurityProtocolMap>(
        type: .list, validValues: "NAME:PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL,...",
        parse: { value in
            var protocols: [String: SecurityProtocol] = [:]
            for pair in value.split(separator: ",").map({ String($0).trimmingConfigSpaces() }) where !pair.isEmpty {
                let parts = pair.split(separator: ":", maxSplits: 1).map { String($0).trimmingConfigSpaces() }
                guard parts.count == 2, !parts[0].isEmpty else { throw InvalidConfigValue("expected NAME:PROTOCOL, got '\(pair)'") }
                guard let proto = SecurityProtocol(rawValue: parts[1].uppercased()) else {
                    throw InvalidConfigValue(
                        "unknown security protocol '\(parts[1])' for \(parts[0]) (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)")
                }
                guard protocols.updateValue(proto, forKey: parts[0].uppercased()) == nil else {
                    throw InvalidConfigValue("listener name '\(parts[0])' is mapped twice")
                }
            }
            return SecurityProtocolMap(protocols: protocols)
        },
        format: { $0.protocols.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.rawValue)" }.joined(separator: ",") })
}

/// A listener the server binds: its name, what it speaks, where it binds and what clients connecting through it
/// are told (Metadata, FindCoordinator and DescribeCluster answer with the listener a client came in by).
public struct Listener: Sendable, Equatable {
    /// The listener's name (`PLAINTEXT`, `CLIENT`, ...).
    public var name: String
    /// What it speaks.
    public var securityProtocol: SecurityProtocol
    /// Host to bind ("0.0.0.0" for every interface).
    public var host: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// The address advertised to its clients; a port of 0 means "the port actually bound".
    public var advertised: ListenerAddress
}

extension ServerConfig {
    /// The old plaintext names Kairos accepted before it read `listener.security.protocol.map`; without a map they
    /// stay plaintext, so existing files keep working.
    static let legacyPlaintextNames: Set<String> = ["BROKER", "CLIENT", "EXTERNAL", "INTERNAL"]

    /// Resolves `listeners`, `advertised.listeners` and `listener.security.protocol.map` into the listeners to bind,
    /// skipping KRaft controller listeners (`controller.listener.names`), which a single Kairos node has no use for.
    /// Throws `ConfigError` naming the property at fault.
    static func resolveListeners(
        _ entries: [ListenerEntry], advertised: [ListenerEntry]?, map: SecurityProtocolMap?, controllerNames: Set<String>
    ) throws -> [Listener] {
        var listeners: [Listener] = []
        for entry in entries where !controllerNames.contains(entry.name) {
            let proto: SecurityProtocol
            if let mapped = map?.protocols[entry.name] ?? SecurityProtocolMap.kafkaDefault.protocols[entry.name] {
                proto = mapped
            } else if map == nil && legacyPlaintextNames.contains(entry.name) {
                proto = .plaintext
            } else {
                throw ConfigError(
                    key: map == nil ? "listeners" : "listener.security.protocol.map",
                    reason: "listener '\(entry.name)' has no security protocol: map it in listener.security.protocol.map "
                        + "(for example \(entry.name):SASL_SSL)")
            }
            let host = entry.address.host.isEmpty ? "0.0.0.0" : entry.address.host
            let ownHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
            listeners.append(
                Listener(name: entry.name, securityProtocol: proto, host: host, port: entry.address.port,
                         advertised: ListenerAddress(host: ownHost, port: entry.address.port)))
        }
        guard !listeners.isEmpty else {
            throw ConfigError(key: "listeners", reason: "every listener is a controller listener: nothing for clients")
        }
        for entry in advertised ?? [] where !controllerNames.contains(entry.name) {
            // One listener and one advertised entry pair up whatever their names (as Kairos always did).
            let index = listeners.count == 1 && (advertised ?? []).count == 1
                ? 0 : listeners.firstIndex { $0.name == entry.name }
            guard let index else {
                throw ConfigError(
                    key: "advertised.listeners", reason: "'\(entry.name)' is not one of the listeners (\(listeners.map(\.name)))")
            }
            listeners[index].advertised = ListenerAddress(
                host: entry.address.host.isEmpty ? "127.0.0.1" : entry.address.host, port: entry.address.port)
        }
        return listeners
    }
}
