/// A broker's host and port, as in `bootstrap.servers` or a Metadata answer.
public struct BrokerAddress: Hashable, Sendable, CustomStringConvertible {
    /// Host name or IP address.
    public var host: String
    /// TCP port.
    public var port: Int

    /// Makes an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port` or `PLAINTEXT://host:port`.
    public init(parsing text: String) throws {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        guard let colon = rest.lastIndex(of: ":") else {
            throw KafkaClientError.invalidConfiguration("broker address '\(text)' has no port (expected host:port)")
        }
        var host = rest[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else {
            throw KafkaClientError.invalidConfiguration("broker address '\(text)' is not host:port")
        }
        self.init(host: String(host), port: port)
    }

    /// Parses a comma-separated `bootstrap.servers` list; throws when it is empty or any entry is bad.
    public static func parseList(_ text: String) throws -> [BrokerAddress] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw KafkaClientError.invalidConfiguration("bootstrap.servers is empty") }
        return try parts.map { try BrokerAddress(parsing: $0) }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

import Foundation
