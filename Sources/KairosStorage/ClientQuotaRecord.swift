/// The quotas set for one client-quota entity (Kafka's `/config/users/<user>/clients/<client-id>` and the like),
/// as the metadata keeps them. Storage does not interpret the keys or values: the broker validates them before it
/// stores them, as it does with topic configs.
public struct ClientQuotaRecord: Sendable, Equatable {
    /// One part of an entity: its type (`user`, `client-id`) and its name, nil for the type's `<default>`.
    public struct Part: Sendable, Equatable, Hashable {
        /// The entity type, as Kafka names it (`user`, `client-id`).
        public var type: String
        /// The entity name; nil means the default entity of this type.
        public var name: String?

        /// A part of an entity.
        public init(type: String, name: String?) {
            self.type = type
            self.name = name
        }
    }

    /// The entity's parts, sorted by type (at most one per type).
    public var entity: [Part]
    /// The quota values by key (`producer_byte_rate` → 1048576).
    public var values: [String: Double]

    /// A quota record.
    public init(entity: [Part], values: [String: Double]) {
        self.entity = entity
        self.values = values
    }

    /// The same record with its parts sorted by type.
    var canonical: ClientQuotaRecord {
        var copy = self
        copy.entity.sort { $0.type < $1.type }
        return copy
    }

    /// A text naming the entity (`client-id=<default>,user=alice`), unique per entity, used for order and checks.
    public var sortKey: String {
        entity.sorted { $0.type < $1.type }.map { "\($0.type)=\($0.name ?? "<default>")" }.joined(separator: ",")
    }

    /// Why this record cannot be right, or nil.
    var inconsistency: String? {
        if entity.isEmpty { return "a client quota record has no entity" }
        if Set(entity.map(\.type)).count != entity.count { return "client quota entity \(sortKey) repeats a type" }
        if values.isEmpty { return "client quota entity \(sortKey) has no values" }
        for (key, value) in values where !value.isFinite {
            return "client quota \(key) of \(sortKey) is not a finite number"
        }
        return nil
    }
}
