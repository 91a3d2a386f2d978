import ArgumentParser
import KairosClient

/// `kairos configs --entity-type clients`: client-id quotas (DescribeClientQuotas / AlterClientQuotas).
enum ClientQuotaEntities: ConfigEntityKind {
    static func resources(name: String?, isDefault: Bool, validating: Bool) throws -> [ConfigResource] { [] }

    static func describe(_ admin: KafkaAdmin, name: String?, isDefault: Bool, all: Bool) async throws {
        try await QuotaConfigs.describe(admin, .clientIds, name: name, isDefault: isDefault)
    }

    static func alter(_ admin: KafkaAdmin, name: String?, isDefault: Bool, changes: [ConfigChange]) async throws {
        try await QuotaConfigs.alter(admin, .clientIds, name: name, isDefault: isDefault, changes: changes)
    }
}

/// `kairos configs --entity-type users`: user quotas (the user is the authenticated principal; `ANONYMOUS` on
/// a listener without authentication).
enum UserQuotaEntities: ConfigEntityKind {
    static func resources(name: String?, isDefault: Bool, validating: Bool) throws -> [ConfigResource] { [] }

    static func describe(_ admin: KafkaAdmin, name: String?, isDefault: Bool, all: Bool) async throws {
        try await QuotaConfigs.describe(admin, .users, name: name, isDefault: isDefault)
    }

    static func alter(_ admin: KafkaAdmin, name: String?, isDefault: Bool, changes: [ConfigChange]) async throws {
        try await QuotaConfigs.alter(admin, .users, name: name, isDefault: isDefault, changes: changes)
    }
}

/// Describing and changing client quotas the way kafka-configs.sh does, for one entity type at a time.
enum QuotaConfigs {
    /// The quota entity types `kairos configs` names.
    enum EntityType {
        case clientIds, users

        /// Kafka's word for the type in output (`client-id 'c1'`, `user-principal 'alice'`).
        var shownName: String { self == .clientIds ? "client-id" : "user-principal" }
        /// The word in `Completed updating config for client c1.`, as kafka-configs.sh prints it.
        var singular: String { self == .clientIds ? "client" : "user" }

        /// The entity `name` names (the type's default when nil).
        func entity(_ name: String?) -> QuotaEntity { self == .clientIds ? .client(name) : .user(name) }

        /// A filter component of this type.
        func component(_ match: QuotaFilterComponent.Match) -> QuotaFilterComponent {
            self == .clientIds ? .clientId(match) : .user(match)
        }

        /// This type's part of `entity` (nil when the entity does not name this type).
        func part(of entity: QuotaEntity) -> QuotaEntity.Name? { self == .clientIds ? entity.clientId : entity.user }
    }

    /// Prints the quotas of the named entity, the type's default (`isDefault`), or every entity of the type that
    /// names only this type (without a name), one line each: `Quota configs for client-id 'c1' are k=v, k=v`.
    static func describe(_ admin: KafkaAdmin, _ type: EntityType, name: String?, isDefault: Bool) async throws {
        let match: QuotaFilterComponent.Match = name.map { .exact($0) } ?? (isDefault ? .defaultEntity : .any)
        let quotas = try await admin.describeClientQuotas(matching: [type.component(match)], strict: true)
        let shown = quotas.compactMap { entity, values in type.part(of: entity).map { ($0, values) } }
            .sorted { text($0.0, type) < text($1.0, type) }
        if shown.isEmpty, name != nil || isDefault {
            print("No quota configs for \(text(name.map(QuotaEntity.Name.named) ?? .default, type)).")
        }
        for (part, values) in shown {
            let listed = values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            print("Quota configs for \(text(part, type)) are \(listed)")
        }
    }

    /// Sets (`--add-config`) and removes (`--delete-config`) quotas of one entity in one request; the broker
    /// checks the keys and values and refuses the whole change with INVALID_REQUEST naming what was wrong.
    static func alter(
        _ admin: KafkaAdmin, _ type: EntityType, name: String?, isDefault: Bool, changes: [ConfigChange]
    ) async throws {
        let entity = type.entity(isDefault ? nil : name)
        try await admin.alterClientQuotas([try alteration(of: entity, changes)])
        print("Completed updating config for \(type.singular) \(name ?? "<default>").")
    }

    /// The `QuotaAlteration` that `changes` ask of `entity`; a value that is not a number is a usage error (a
    /// quota is a number on the wire, so it cannot reach the broker).
    static func alteration(of entity: QuotaEntity, _ changes: [ConfigChange]) throws -> QuotaAlteration {
        var alteration = QuotaAlteration(entity: entity)
        for change in changes {
            switch change {
            case .set(let key, let value):
                guard let number = Double(value), number.isFinite else {
                    throw ValidationError("quota \(key)=\(value): the value is not a number")
                }
                alteration.set[key] = number
            case .delete(let key):
                alteration.remove.append(key)
            default:
                throw ValidationError("quotas take --add-config and --delete-config only")
            }
        }
        return alteration
    }

    /// `client-id 'c1'`, or `the default client-id`.
    static func text(_ part: QuotaEntity.Name, _ type: EntityType) -> String {
        if case .named(let name) = part { return "\(type.shownName) '\(name)'" }
        return "the default \(type.shownName)"
    }
}
