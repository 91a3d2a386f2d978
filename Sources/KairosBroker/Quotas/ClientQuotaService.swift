import KairosStorage
import NIOConcurrencyHelpers

/// The broker's client quotas: the accounting behind a lock, and the quotas kept in the metadata store so they
/// survive restarts. Until Kairos authenticates clients every request's user is `ANONYMOUS`, the principal name
/// Kafka gives unauthenticated clients, so quotas on `user=ANONYMOUS` or `user=<default>` apply to every client.
public final class ClientQuotaService: Sendable {
    /// The user every request is accounted to until authentication exists.
    public static let anonymousUser = "ANONYMOUS"

    private let metadata: any MetadataStore
    private let state: NIOLockedValueBox<ClientQuotaAccounting>

    /// Loads the quotas kept in `metadata`; rates are measured over `windows` windows of `windowMs`.
    init(metadata: any MetadataStore, windowMs: Int64, windows: Int) {
        self.metadata = metadata
        var accounting = ClientQuotaAccounting(windowMs: windowMs, windows: windows)
        for record in metadata.current.clientQuotas {
            guard let (entity, values) = Self.entityAndValues(of: record) else { continue }
            accounting.setQuotas(values, for: entity)
        }
        state = NIOLockedValueBox(accounting)
    }

    /// Records `amount` of `kind` for `clientId` at `nowMs`; the throttle time in ms (0 if none).
    public func record(_ kind: ClientQuotaKind, amount: Int, clientId: String, nowMs: Int64) -> Int64 {
        state.withLockedValue {
            $0.record(kind, amount: Double(amount), user: Self.anonymousUser, clientId: clientId, nowMs: nowMs)
        }
    }

    /// How long `clientId` would be throttled for `kind` at `nowMs` without recording anything (> 0: over already).
    public func pendingThrottleMs(_ kind: ClientQuotaKind, clientId: String, nowMs: Int64) -> Int64 {
        state.withLockedValue { $0.pendingThrottleMs(kind, user: Self.anonymousUser, clientId: clientId, nowMs: nowMs) }
    }

    /// Takes back what `record` counted (a throttled fetch answered empty).
    public func unrecord(_ kind: ClientQuotaKind, amount: Int, clientId: String, nowMs: Int64) {
        state.withLockedValue {
            $0.unrecord(kind, amount: Double(amount), user: Self.anonymousUser, clientId: clientId, nowMs: nowMs)
        }
    }

    /// The most of `kind` that `clientId`'s quota allows within the measured windows (bound × (windows - 1) ×
    /// window length), or Int.max without a quota.
    public func maxBytesInWindow(_ kind: ClientQuotaKind, clientId: String) -> Int {
        state.withLockedValue {
            guard let applied = $0.appliedQuota(kind, user: Self.anonymousUser, clientId: clientId) else { return Int.max }
            let seconds = Double(max($0.windows - 1, 1)) * Double($0.windowMs) / 1_000
            return Int(min(applied.bound * seconds, Double(Int32.max)))
        }
    }

    /// Usage and throttling per client id, for `/metrics`.
    public func clientStats() -> [String: ClientQuotaAccounting.ClientStats] {
        state.withLockedValue { $0.clients }
    }

    /// The quotas set, by entity.
    public func quotas() -> [ClientQuotaEntity: [ClientQuotaKind: Double]] {
        state.withLockedValue { $0.quotas }
    }

    /// The entities passing `filter` with their quotas.
    public func describe(_ filter: ClientQuotaFilter) -> [(ClientQuotaEntity, [ClientQuotaKind: Double])] {
        quotas().filter { filter.matches($0.key) }.sorted { $0.key.description < $1.key.description }.map { ($0.key, $0.value) }
    }

    /// Sets quotas of `entity` to `values` (an empty map removes them) and keeps them in the metadata store first,
    /// so a quota in force is one that survives a restart. Throws the store's error.
    public func store(_ values: [ClientQuotaKind: Double], for entity: ClientQuotaEntity) throws {
        let record = Self.record(entity: entity, values: values)
        try metadata.update { metadata in
            metadata.clientQuotas.removeAll { $0.sortKey == record.sortKey }
            if !values.isEmpty { metadata.clientQuotas.append(record) }
        }
        state.withLockedValue { $0.setQuotas(values, for: entity) }
    }

    static func record(entity: ClientQuotaEntity, values: [ClientQuotaKind: Double]) -> ClientQuotaRecord {
        var parts: [ClientQuotaRecord.Part] = []
        if let user = entity.user { parts.append(.init(type: ClientQuotaEntity.userType, name: user.wireName)) }
        if let clientId = entity.clientId { parts.append(.init(type: ClientQuotaEntity.clientIdType, name: clientId.wireName)) }
        return ClientQuotaRecord(entity: parts, values: Dictionary(uniqueKeysWithValues: values.map { ($0.key.key, $0.value) }))
    }

    /// A stored record back as entity and values; nil for a record this Kairos cannot use (unknown type or key).
    static func entityAndValues(of record: ClientQuotaRecord) -> (ClientQuotaEntity, [ClientQuotaKind: Double])? {
        var entity = ClientQuotaEntity()
        for part in record.entity {
            switch part.type {
            case ClientQuotaEntity.userType: entity.user = .init(wireName: part.name)
            case ClientQuotaEntity.clientIdType: entity.clientId = .init(wireName: part.name)
            default: return nil
            }
        }
        var values: [ClientQuotaKind: Double] = [:]
        for (key, value) in record.values {
            guard let kind = ClientQuotaKind(rawValue: key) else { return nil }
            values[kind] = value
        }
        return (entity, values)
    }
}
