import KafkaProtocol

/// Who a client quota applies to, in Kafka's terms: a user (the authenticated principal), a client id, or both;
/// each part either a name or that type's `<default>` entity. `kafka-configs.sh --entity-type clients
/// --entity-name X` is `QuotaEntity.client("X")`; `--entity-default` is `QuotaEntity.client(nil)`.
public struct QuotaEntity: Hashable, Sendable, CustomStringConvertible {
    /// One part's name.
    public enum Name: Hashable, Sendable {
        /// A named user or client id.
        case named(String)
        /// `<default>`: every user / client id without a quota of its own.
        case `default`

        /// The protocol's form: nil for the default.
        var wireName: String? {
            if case .named(let name) = self { return name }
            return nil
        }

        init(wireName: String?) { self = wireName.map(Name.named) ?? .default }
    }

    /// The user part, or nil when the entity names no user.
    public var user: Name?
    /// The client-id part, or nil when the entity names no client id.
    public var clientId: Name?

    /// An entity; give at least one part.
    public init(user: Name? = nil, clientId: Name? = nil) {
        self.user = user
        self.clientId = clientId
    }

    /// The client id `id`, or the default client id when `id` is nil.
    public static func client(_ id: String?) -> QuotaEntity { QuotaEntity(clientId: Name(wireName: id)) }

    /// The user `name`, or the default user when `name` is nil.
    public static func user(_ name: String?) -> QuotaEntity { QuotaEntity(user: Name(wireName: name)) }

    /// `user=alice,client-id=<default>`.
    public var description: String {
        var parts: [String] = []
        if let user { parts.append("user=\(user.wireName ?? "<default>")") }
        if let clientId { parts.append("client-id=\(clientId.wireName ?? "<default>")") }
        return parts.joined(separator: ",")
    }

    /// The entity's parts as the protocol lists them (type, name or nil for the default).
    var wireParts: [(type: String, name: String?)] {
        var parts: [(String, String?)] = []
        if let user { parts.append(("user", user.wireName)) }
        if let clientId { parts.append(("client-id", clientId.wireName)) }
        return parts
    }
}

/// One filter component of `describeClientQuotas`: an entity type (`user`, `client-id`) and how it must match.
public struct QuotaFilterComponent: Sendable, Equatable {
    /// How the component matches.
    public enum Match: Sendable, Equatable {
        /// Exactly this name.
        case exact(String)
        /// The type's default entity.
        case defaultEntity
        /// Any entity naming the type (a name or the default).
        case any
    }

    /// `user` or `client-id`.
    public var entityType: String
    /// How it matches.
    public var match: Match

    /// A component.
    public init(entityType: String, match: Match) {
        self.entityType = entityType
        self.match = match
    }

    /// Client ids matching `match`.
    public static func clientId(_ match: Match) -> QuotaFilterComponent { .init(entityType: "client-id", match: match) }

    /// Users matching `match`.
    public static func user(_ match: Match) -> QuotaFilterComponent { .init(entityType: "user", match: match) }
}

/// A change to one entity's quotas for `alterClientQuotas`: values to set and keys to remove.
public struct QuotaAlteration: Sendable, Equatable {
    /// The entity changed.
    public var entity: QuotaEntity
    /// Quotas to set, by key (`producer_byte_rate`, `consumer_byte_rate`, `request_percentage`).
    public var set: [String: Double]
    /// Quota keys to remove.
    public var remove: [String]

    /// A change.
    public init(entity: QuotaEntity, set: [String: Double] = [:], remove: [String] = []) {
        self.entity = entity
        self.set = set
        self.remove = remove
    }
}

extension KafkaAdmin {
    // MARK: Client quotas

    /// The client quotas set on the cluster (DescribeClientQuotas), by entity, each a map from quota key to value.
    /// No components and `strict: false` lists every entity; `[.clientId(.exact("p1"))]` those naming client id
    /// p1 (and, unless `strict`, also a user). Throws the broker's error (INVALID_REQUEST for a bad filter).
    public func describeClientQuotas(
        matching components: [QuotaFilterComponent] = [], strict: Bool = false
    ) async throws -> [QuotaEntity: [String: Double]] {
        let entries = try await cluster.withRetries("DescribeClientQuotas") {
            let connection = try await self.cluster.anyConnection()
            let request = DescribeClientQuotasRequest(
                components: components.map { c in
                    switch c.match {
                    case .exact(let name): return .init(entityType: c.entityType, matchType: 0, match: name)
                    case .defaultEntity: return .init(entityType: c.entityType, matchType: 1, match: nil)
                    case .any: return .init(entityType: c.entityType, matchType: 2, match: nil)
                    }
                },
                strict: strict)
            let response = try await connection.send(request)
            if response.errorCode != 0 {
                throw KafkaClientError.broker(ErrorCode(response.errorCode), message: response.errorMessage)
            }
            return response.entries ?? []
        }
        var quotas: [QuotaEntity: [String: Double]] = [:]
        for entry in entries {
            var entity = QuotaEntity()
            for part in entry.entity {
                switch part.entityType {
                case "user": entity.user = .init(wireName: part.entityName)
                case "client-id": entity.clientId = .init(wireName: part.entityName)
                default: continue  // an entity type this client does not model (ip): left out
                }
            }
            guard entity.user != nil || entity.clientId != nil else { continue }
            quotas[entity, default: [:]].merge(entry.values.map { ($0.key, $0.value) }) { $1 }
        }
        return quotas
    }

    /// Sets and removes client quotas (AlterClientQuotas). With `validateOnly` the broker only checks them. Throws
    /// the first entity's error, naming the entity (INVALID_REQUEST for an unknown key or entity type, or a value
    /// that cannot be that quota); the other entities' changes stand, as in Kafka.
    public func alterClientQuotas(_ alterations: [QuotaAlteration], validateOnly: Bool = false) async throws {
        let results = try await cluster.withRetries("AlterClientQuotas") {
            let connection = try await self.cluster.controllerConnection()
            let request = AlterClientQuotasRequest(
                entries: alterations.map { change in
                    .init(
                        entity: change.entity.wireParts.map { .init(entityType: $0.type, entityName: $0.name) },
                        ops: change.set.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value, remove: false) }
                            + change.remove.sorted().map { .init(key: $0, value: 0, remove: true) })
                },
                validateOnly: validateOnly)
            return try await connection.send(request).entries
        }
        for (index, result) in results.enumerated() where result.errorCode != 0 {
            let entity = index < alterations.count ? "\(alterations[index].entity)" : "entry \(index)"
            throw KafkaClientError.broker(
                ErrorCode(result.errorCode), message: "quotas of \(entity)" + (result.errorMessage.map { ": \($0)" } ?? ""))
        }
    }
}
