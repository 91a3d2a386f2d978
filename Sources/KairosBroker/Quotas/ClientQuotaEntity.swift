/// Who a client quota applies to, as Kafka names it: a user (the authenticated principal), a client id, or both;
/// each part either a name or that type's `<default>` (every user / client id without a quota of its own).
public struct ClientQuotaEntity: Hashable, Sendable, CustomStringConvertible {
    /// One part's name: a given name, or the type's default entity.
    public enum Name: Hashable, Sendable {
        /// A named user or client id.
        case named(String)
        /// `<default>`: applies to those without a more specific quota.
        case `default`

        /// The name as Kafka's protocol carries it: nil for the default.
        public var wireName: String? {
            if case .named(let name) = self { return name }
            return nil
        }

        /// The protocol's form back: nil is the default.
        public init(wireName: String?) {
            self = wireName.map(Name.named) ?? .default
        }
    }

    /// The entity type names Kafka uses in DescribeClientQuotas / AlterClientQuotas.
    public static let userType = "user"
    /// See `userType`.
    public static let clientIdType = "client-id"

    /// The user part, or nil when the entity does not name a user.
    public var user: Name?
    /// The client-id part, or nil when the entity does not name a client id.
    public var clientId: Name?

    /// An entity; at least one part should be given.
    public init(user: Name? = nil, clientId: Name? = nil) {
        self.user = user
        self.clientId = clientId
    }

    /// Kafka's eight levels for a request of `user` and `clientId`, most specific first: the quota of a kind
    /// that applies is the one of the first level that sets that kind.
    ///
    ///     user/client-id, user/<default client-id>, user,
    ///     <default user>/client-id, <default user>/<default client-id>, <default user>,
    ///     client-id, <default client-id>
    public static func precedence(user: String, clientId: String) -> [ClientQuotaEntity] {
        let u = Name.named(user), c = Name.named(clientId)
        return [
            .init(user: u, clientId: c), .init(user: u, clientId: .default), .init(user: u),
            .init(user: .default, clientId: c), .init(user: .default, clientId: .default), .init(user: .default),
            .init(clientId: c), .init(clientId: .default),
        ]
    }

    /// `user=alice,client-id=<default>`: for logs and error messages.
    public var description: String {
        var parts: [String] = []
        if let user { parts.append("user=\(user.wireName ?? "<default>")") }
        if let clientId { parts.append("client-id=\(clientId.wireName ?? "<default>")") }
        return parts.isEmpty ? "(no entity)" : parts.joined(separator: ",")
    }
}
